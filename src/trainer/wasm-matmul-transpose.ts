import { tf } from './tf.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** The part of the wasm backend (`KernelArgs.backend`, typed `{}`) this kernel uses. */
interface Disposer {
  disposeData(dataId: object): boolean;
}

const wrapped = new WeakSet<KernelFunc>();

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
  const matMul = tf.getKernel('BatchMatMul', 'wasm') as tf.KernelConfig | undefined;
  const transpose = tf.getKernel('Transpose', 'wasm') as tf.KernelConfig | undefined;
  if (matMul === undefined || transpose === undefined || wrapped.has(matMul.kernelFunc)) return;
  const plain = matMul.kernelFunc;
  const kernelFunc: KernelFunc = (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as BatchMatMulAttrs;
    if (!attrs.transposeA && !attrs.transposeB) return plain(args);
    const transposed: tf.TensorInfo[] = [];
    const plainInput = (t: tf.TensorInfo, transposeIt: boolean): tf.TensorInfo => {
      if (!transposeIt) return t;
      const rank = t.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const out = transpose.kernelFunc({
        inputs: { x: t },
        backend: args.backend,
        attrs: { perm },
      }) as tf.TensorInfo;
      transposed.push(out);
      return out;
    };
    try {
      return plain({
        inputs: { a: plainInput(a, attrs.transposeA), b: plainInput(b, attrs.transposeB) },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of transposed) (args.backend as Disposer).disposeData(t.dataId);
    }
  };
  wrapped.add(kernelFunc);
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...matMul, kernelFunc });
}
