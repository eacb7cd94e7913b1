import { tf } from './tf.js';
import { overrideWasmKernel, wasmKernel, type KernelArgs } from './wasm-kernel-override.js';

/** The part of the wasm backend (`KernelArgs.backend`, typed `{}`) this kernel uses. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * tfjs-backend-wasm 4.22's `Slice` reads its whole input out of the wasm heap (`readSync`, a
 * fresh JS copy) before it copies the slice. The models keep every parameter in one flat θ and
 * slice each layer's block from it, so every loss evaluation copied θ once per block: on the
 * demo's MLP four copies of 400 kB, about a tenth of a step and most of its garbage. A contiguous
 * slice (every slice of θ) is copied here from a view of the heap instead; any other slice, and
 * strings, go to the backend's own kernel. Idempotent; a no-op when the wasm backend lacks it.
 */
export function registerWasmHeapSlice(): void {
  const original = wasmKernel('Slice');
  if (original === undefined) return;
  overrideWasmKernel(original, (sliceKernel) => (args: KernelArgs) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [from, extent] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, from, extent)) {
      return sliceKernel(args);
    }
    const backend = args.backend as WasmHeap;
    const offset = tf.slice_util.computeFlatOffset(from, tf.util.computeStrides(x.shape));
    const out = backend.makeOutput(extent, x.dtype);
    // Views taken after makeOutput: an allocation may grow (and so replace) the heap's buffer.
    // copyWithin moves the bytes inside the heap; `set` from a view of the same buffer would
    // first clone the source (the spec's rule for overlapping buffers).
    const source = backend.typedArrayFromHeap(x);
    const target = backend.typedArrayFromHeap(out);
    const width = source.BYTES_PER_ELEMENT;
    const start = source.byteOffset + offset * width;
    new Uint8Array(target.buffer).copyWithin(target.byteOffset, start, start + target.length * width);
    return out;
  });
}
