import { tf } from './tf.js';
import { overrideWasmKernel, wasmKernel, type KernelArgs } from './wasm-kernel-override.js';

/** The part of the wasm backend (`KernelArgs.backend`, typed `{}`) this kernel uses. */
interface RefCounted {
  incRef(dataId: object): void;
}

/**
 * tfjs-backend-wasm 4.22's `Identity` copies its input into a new buffer. TensorFlow.js runs it
 * through `clone` for every tensor a gradient keeps for the backward pass, so each training
 * step and each Hessian-vector product copied its saved activations and weights once more
 * (about 4 % of the trainer's CPU time on the demo's MLP, `node --cpu-prof`). Tensors are
 * immutable, and the wasm backend counts references per buffer already (its `Reshape` shares
 * its input's buffer this way), so the identity shares the buffer as the cpu backend's does.
 * Strings keep the backend's own kernel. Idempotent; a no-op when the wasm backend lacks it.
 */
export function registerWasmSharedIdentity(): void {
  const original = wasmKernel('Identity');
  if (original === undefined) return;
  overrideWasmKernel(original, (identityKernel) => (args: KernelArgs) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    if (x.dtype === 'string') return identityKernel(args);
    (args.backend as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
