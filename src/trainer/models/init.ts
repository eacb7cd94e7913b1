import { gaussian } from '../../dynamics/index.js';
import type { ParamLayout } from '../params.js';

/** θ with Gaussian blocks of the given standard deviations (0 for biases), in layout order. */
export function gaussianInit(
  layout: ParamLayout,
  stdOf: (blockName: string) => number,
  rng: () => number,
): Float32Array {
  const theta = new Float32Array(layout.size);
  for (const block of layout.blocks) {
    const std = stdOf(block.name);
    if (std === 0) continue;
    for (let i = block.offset; i < block.offset + block.size; i++) theta[i] = std * gaussian(rng);
  }
  return theta;
}
