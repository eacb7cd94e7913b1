import type { tf } from './tf.js';
import {
  overrideWasmKernel,
  wasmKernel,
  withIntermediates,
  type KernelArgs,
  type RunKernel,
} from './wasm-kernel-override.js';

interface ConvGradAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: string;
}

/**
 * tfjs-backend-wasm 4.22 computes conv2d's two gradients, with respect to its input
 * (`Conv2DBackpropInput`) and to its filter (`Conv2DBackpropFilter`, see
 * wasm-conv2d-filter-grad.ts), in plain loops, while its forward `Conv2D` runs on XNNPACK: on the
 * sweep's CNN a step spent about 42 of its 66 ms in the two gradients and 2 ms in the forward
 * convolutions. For a stride-1 'same' convolution with odd filter sides (the CNN's), both
 * gradients are forward convolutions, so they run on XNNPACK here:
 *
 * - dx = conv2d(dy, W'), 'same', where W'[i, j, o, c] = W[kh−1−i, kw−1−j, c, o] (the filter turned
 *   by 180° with its channels swapped);
 * - dW[i, j, c, o] = Σ_{b,h,w} x[b, h+i−p, w+j−p, c]·dy[b, h, w, o]: a convolution of x laid out
 *   [c, h, w, b] with dy laid out [h, w, b, o] as the filter, padded by p = (k−1)/2, whose output
 *   [c, kh, kw, o] is dW once transposed.
 *
 * The same sums in another order. Any other convolution (strides, other padding, even sides,
 * NCHW) goes to the kernel registered before. Idempotent; a no-op when the wasm backend lacks a
 * kernel it needs. `wasm-conv-gradient.test.ts` holds the CNN's gradient to the cpu backend's.
 */
export function registerWasmConv2dGradientsAsConvolutions(): void {
  const conv = wasmKernel('Conv2D');
  const transpose = wasmKernel('Transpose');
  const reverse = wasmKernel('Reverse');
  const input = wasmKernel('Conv2DBackpropInput');
  const filter = wasmKernel('Conv2DBackpropFilter');
  if ([conv, transpose, reverse, input, filter].some((k) => k === undefined)) return;
  const kernels = {
    conv: (conv as tf.KernelConfig).kernelFunc,
    transpose: (transpose as tf.KernelConfig).kernelFunc,
    reverse: (reverse as tf.KernelConfig).kernelFunc,
  };
  replace(input as tf.KernelConfig, (args, run) => {
    const { dy, filter: w } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const turned = run(kernels.reverse, { x: w }, { dims: [0, 1] });
    const swapped = run(kernels.transpose, { x: turned }, { perm: [0, 1, 3, 2] });
    return run(kernels.conv, { x: dy, filter: swapped }, convAttrs('same'), true);
  });
  replace(filter as tf.KernelConfig, (args, run) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { filterShape } = args.attrs as unknown as { filterShape: [number, number, number, number] };
    const [kh, kw] = filterShape;
    const channelsFirst = run(kernels.transpose, { x }, { perm: [3, 1, 2, 0] });
    const asFilter = run(kernels.transpose, { x: dy }, { perm: [1, 2, 0, 3] });
    const pad = [
      [0, 0],
      [(kh - 1) / 2, (kh - 1) / 2],
      [(kw - 1) / 2, (kw - 1) / 2],
      [0, 0],
    ];
    const sums = run(kernels.conv, { x: channelsFirst, filter: asFilter }, convAttrs(pad));
    return run(kernels.transpose, { x: sums }, { perm: [1, 2, 0, 3] }, true);
  });
}

function convAttrs(pad: unknown): Record<string, unknown> {
  return { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
}

/**
 * Registers `body` for `original`'s kernel where the convolution is stride 1, 'same', NHWC with odd
 * filter sides, the original elsewhere; `run`'s outputs not kept are freed once the body returns.
 */
function replace(original: tf.KernelConfig, body: (args: KernelArgs, run: RunKernel) => tf.TensorInfo): void {
  overrideWasmKernel(
    original,
    (loops) => (args: KernelArgs) =>
      supported(args) ? withIntermediates(args, (run) => body(args, run)) : loops(args),
  );
}

function supported(args: KernelArgs): boolean {
  const attrs = args.attrs as unknown as ConvGradAttrs & {
    inputShape?: number[];
    filterShape?: number[];
  };
  const strides = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  const w = (args.inputs as { filter?: tf.TensorInfo }).filter;
  const shape = attrs.filterShape ?? w?.shape;
  return (
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' &&
    attrs.pad === 'same' &&
    attrs.dimRoundingMode === undefined &&
    strides[0] === 1 &&
    strides[1] === 1 &&
    shape !== undefined &&
    (shape[0] ?? 0) % 2 === 1 &&
    (shape[1] ?? 0) % 2 === 1
  );
}
