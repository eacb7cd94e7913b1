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

/**
 * s·v (in float64) rounded to float32 on the backend, through one upload buffer kept between
 * calls (the backend copies it).
 */
export function uploadVector(v: Float64Array, s = 1): tf.Tensor1D {
  if (scratch.length !== v.length) scratch = new Float32Array(v.length);
  // An indexed loop: TypedArray.set converting float64 to float32 took twice as long (measured).
  for (let i = 0; i < v.length; i++) scratch[i] = s * (v[i] as number);
  return tf.tensor1d(scratch);
}

/**
 * The tensor's values in float64, each divided by `divisor`. On the wasm backend, read in
 * place from its heap (no intermediate copy); on other backends through `dataSync`.
 */
export function downloadVector(t: tf.Tensor, divisor = 1): Float64Array {
  const backend = tf.engine().backend as unknown as Partial<HeapBackend>;
  const values =
    t.dtype === 'float32' && typeof backend.typedArrayFromHeap === 'function' && tf.getBackend() === 'wasm'
      ? backend.typedArrayFromHeap(t)
      : t.dataSync();
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = (values[i] as number) / divisor;
  return out;
}
