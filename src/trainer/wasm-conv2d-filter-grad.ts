import { tf } from './tf.js';
import { wasmKernel, type KernelArgs } from './wasm-kernel-override.js';

/**
 * tfjs-backend-wasm 4.22 registers no `Conv2DBackpropFilter` kernel, the gradient of conv2d with
 * respect to its filter, so `tf.grad` of a CNN's loss throws on wasm. It does register
 * `Conv3DBackpropFilterV2`; a 2-D convolution is a 3-D one of depth 1, and the wasm backend
 * addresses tensors by data id, so the kernel below runs the 3-D one on depth-1 views of the same
 * buffers (no copy) and returns the filter gradient reshaped to 4-D, for stride 1 only (its strided
 * gradient is wrong; a strided one throws). Idempotent; a no-op when the
 * wasm backend already has the kernel or lacks the 3-D one.
 */
export function registerWasmConv2dFilterGradient(): void {
  if (wasmKernel('Conv2DBackpropFilter') !== undefined) return;
  const conv3d = wasmKernel('Conv3DBackpropFilterV2');
  if (conv3d === undefined) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as {
        strides: number | [number, number];
        pad: 'valid' | 'same' | number | unknown[];
        dataFormat?: 'NHWC' | 'NCHW';
        filterShape: [number, number, number, number];
      };
      if (typeof attrs.pad === 'object' || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
        throw new Error('Conv2DBackpropFilter on wasm: only NHWC with same, valid or numeric padding');
      }
      const [sh, sw] = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
      // The 3-D kernel's gradient of a strided convolution is wrong (against the cpu backend,
      // test/unit/trainer/wasm-conv-gradient.test.ts): refused rather than trained on.
      if (sh !== 1 || sw !== 1) {
        throw new Error(
          'Conv2DBackpropFilter on wasm: only stride 1 (use --backend cpu for strided convolutions)',
        );
      }
      const depth1 = (t: tf.TensorInfo): tf.TensorInfo => ({
        dataId: t.dataId,
        dtype: t.dtype,
        shape: [t.shape[0] ?? 1, 1, ...t.shape.slice(1)],
      });
      const out = conv3d.kernelFunc({
        inputs: { x: depth1(x), dy: depth1(dy) },
        backend: args.backend,
        attrs: { strides: [1, sh, sw], pad: attrs.pad, filterShape: [1, ...attrs.filterShape] },
      }) as tf.TensorInfo;
      return { dataId: out.dataId, dtype: out.dtype, shape: attrs.filterShape };
    },
  });
}
