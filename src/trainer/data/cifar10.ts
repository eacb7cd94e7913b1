import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LyapError } from '../../errors.js';
import { makeDataset, oneHot, type Dataset } from './dataset.js';

export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
const SIDE = 32;
const PLANE = SIDE * SIDE;

/**
 * One file of the official CIFAR-10 binary version: records of 3073 bytes, a label byte
 * (0–9) then the 32×32 red, green and blue planes, each row-major. Returns HWC images
 * scaled to [0, 1] and the labels.
 */
export function parseCifar10Batch(
  bytes: Uint8Array,
  source = 'CIFAR-10 batch',
): {
  inputs: Float32Array;
  labels: Uint8Array;
} {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new LyapError(
      'LYAP_E_INPUT',
      `${source}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const inputs = new Float32Array(count * PLANE * 3);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = bytes[base] ?? 0;
    if (label > 9) throw new LyapError('LYAP_E_INPUT', `${source}: record ${r} has label ${label}, not 0–9`);
    labels[r] = label;
    const out = r * PLANE * 3;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) inputs[out + p * 3 + c] = (bytes[base + 1 + c * PLANE + p] ?? 0) / 255;
    }
  }
  return { inputs, labels };
}

export interface Cifar10Options {
  dataDir: string;
  split?: 'train' | 'test';
  limit?: number;
}

/**
 * CIFAR-10 from the official binary batches in `dataDir` (the extracted
 * `cifar-10-batches-bin/` folder or its parent). Training uses whichever of
 * data_batch_1…5.bin are present, in order; nothing is downloaded.
 */
export function loadCifar10(options: Cifar10Options): Dataset {
  const nested = join(options.dataDir, 'cifar-10-batches-bin');
  const folder = existsSync(nested) ? nested : options.dataDir;
  const names = options.split === 'test' ? [CIFAR10_TEST_FILE] : CIFAR10_TRAIN_FILES;
  const present = names.filter((name) => existsSync(join(folder, name)));
  if (present.length === 0) {
    throw new LyapError(
      'LYAP_E_INPUT',
      `no CIFAR-10 binary batches (${names.join(', ')}) in ${folder}: download and extract cifar-10-binary.tar.gz there`,
    );
  }
  const limit = options.limit ?? Infinity;
  const parts: { inputs: Float32Array; labels: Uint8Array }[] = [];
  let size = 0;
  for (const name of present) {
    if (size >= limit) break;
    const part = parseCifar10Batch(readFileSync(join(folder, name)), name);
    parts.push(part);
    size += part.labels.length;
  }
  size = Math.min(size, limit);
  const inputs = new Float32Array(size * PLANE * 3);
  const labels = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    const take = Math.min(part.labels.length, size - at);
    inputs.set(part.inputs.subarray(0, take * PLANE * 3), at * PLANE * 3);
    labels.set(part.labels.subarray(0, take), at);
    at += take;
  }
  return makeDataset({
    name: 'cifar10',
    task: 'classification',
    size,
    inputShape: [SIDE, SIDE, 3],
    outputSize: 10,
    inputs,
    targets: oneHot(labels, 10),
  });
}
