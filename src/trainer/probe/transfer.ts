import { tf } from '../tf.js';

// The probe's vectors cross between the JS side (float64, where its linear algebra runs) and
// the backend (float32) once per Hessian-vector product. Each crossing used to allocate two
// typed arrays of n numbers besides its result (a float32 copy to upload, a float32 copy read
// back); at n ≈ 10⁵ those are large-object allocations, and their allocation and collection
// cost more than the arithmetic. These two functions allocate only the float64 result.

/** The part of the wasm backend this reads through (tfjs-backend-wasm's `typedArrayFromHeap`). */
interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let scratch = new Float32Array(0);

/** v rounded to float32 on the backend, through one upload buffer kept between calls (the backend copies it). */
export function uploadVector(v: Float64Array): tf.Tensor1D {
  if (scratch.length !== v.length) scratch = new Float32Array(v.length);
  scratch.set(v);
  return tf.tensor1d(scratch);
}

/**
 * The tensor's values in float64. On the wasm backend, read in place from its heap (no
 * intermediate copy); on other backends through `dataSync`.
 */
export function downloadVector(t: tf.Tensor): Float64Array {
  const backend = tf.engine().backend as unknown as Partial<HeapBackend>;
  if (
    t.dtype === 'float32' &&
    typeof backend.typedArrayFromHeap === 'function' &&
    tf.getBackend() === 'wasm'
  ) {
    const out = new Float64Array(t.size);
    out.set(backend.typedArrayFromHeap(t));
    return out;
  }
  return new Float64Array(t.dataSync());
}
