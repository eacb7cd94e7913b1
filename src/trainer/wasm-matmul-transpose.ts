import type { tf } from './tf.js';
import {
  overrideWasmKernel,
  wasmKernel,
  withIntermediates,
  type KernelArgs,
} from './wasm-kernel-override.js';

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * tfjs-backend-wasm 4.22 hands `BatchMatMul` to XNNPACK only when neither input is transposed;
 * a transposed input takes its plain loop, 6–7× slower. Every dense layer's weight gradient is
 * one (xᵀ·δ, `transposeA`), and on the demo's MLP (784-128-10, batch 64) that one product took
 * about 8 of a step's 13 ms. The kernel below transposes such an input with the backend's own
 * `Transpose` kernel (a copy of the smaller operand) and multiplies without transposes: the same
 * product, summed in a different order. Idempotent; a no-op when the wasm backend lacks either
 * kernel. `npm run bench -- --only trainer` reports the step time.
 */
export function registerWasmTransposedMatMul(): void {
  const matMul = wasmKernel('BatchMatMul');
  const transpose = wasmKernel('Transpose');
  if (matMul === undefined || transpose === undefined) return;
  overrideWasmKernel(matMul, (plain) => (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as BatchMatMulAttrs;
    if (!attrs.transposeA && !attrs.transposeB) return plain(args);
    return withIntermediates(args, (run) => {
      const plainInput = (t: tf.TensorInfo, transposeIt: boolean): tf.TensorInfo => {
        if (!transposeIt) return t;
        const rank = t.shape.length;
        const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
        return run(transpose.kernelFunc, { x: t }, { perm });
      };
      return plain({
        inputs: { a: plainInput(a, attrs.transposeA), b: plainInput(b, attrs.transposeB) },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    });
  });
}
