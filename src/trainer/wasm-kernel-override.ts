import { tf } from './tf.js';

// What the wasm kernel replacements (wasm-matmul-transpose.ts, wasm-slice.ts, wasm-identity.ts,
// wasm-conv2d-grads-as-conv.ts) share: putting a kernel in place of the registered one once,
// and running the backend's own kernels for intermediates that are freed afterwards.

export type KernelFunc = tf.KernelConfig['kernelFunc'];
export type KernelArgs = Parameters<KernelFunc>[0];

/** The part of the wasm backend (`KernelArgs.backend`, typed `{}`) the replacements free through. */
interface Disposer {
  disposeData(dataId: object): boolean;
}

/** Kernel functions registered by `overrideWasmKernel`: a second call finds its own and does nothing. */
const overrides = new WeakSet<KernelFunc>();

/** The wasm backend's registered kernel `name`; undefined when it has none. */
export function wasmKernel(name: string): tf.KernelConfig | undefined {
  return tf.getKernel(name, 'wasm');
}

/**
 * Registers `make(original)` in place of `original` (the wasm backend's kernel of its name),
 * unless it is already one of these overrides: idempotent across backend switches.
 */
export function overrideWasmKernel(
  original: tf.KernelConfig,
  make: (original: KernelFunc) => KernelFunc,
): void {
  if (overrides.has(original.kernelFunc)) return;
  const kernelFunc = make(original.kernelFunc);
  overrides.add(kernelFunc);
  tf.unregisterKernel(original.kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}

/** Calls a kernel on the backend of the call in progress; `keep`: its output is the result, not freed. */
export type RunKernel = (
  kernel: KernelFunc,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
  keep?: boolean,
) => tf.TensorInfo;

/** `body` with a `run` whose outputs (those not kept) are freed once it returns or throws. */
export function withIntermediates(args: KernelArgs, body: (run: RunKernel) => tf.TensorInfo): tf.TensorInfo {
  const made: tf.TensorInfo[] = [];
  const run: RunKernel = (kernel, inputs, attrs, keep = false) => {
    const out = kernel({ inputs, backend: args.backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    if (!keep) made.push(out);
    return out;
  };
  try {
    return body(run);
  } finally {
    for (const t of made) (args.backend as Disposer).disposeData(t.dataId);
  }
}
