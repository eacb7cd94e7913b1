import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { train, type Dataset, type Model } from '../trainer/index.js';
import { trainingAccuracy } from './accuracy.js';
import type { ConstantRateBaseline } from './comparison.js';
import { FINAL_LOSS_STEPS } from './run-board.js';

/** What a baseline depends on: the same settings give the same run, bit for bit (one seed, no probe). */
export interface BaselineSettings {
  model: Model;
  dataset: Dataset;
  backend: string;
  batchSize: number;
  steps: number;
  seed: number;
  /** The package version: a new trainer may train differently. */
  version: string;
}

export interface BaselineOptions extends BaselineSettings {
  lrs: readonly number[];
  /** A JSON file of earlier baselines, by key (read when present, written after training). */
  cacheFile?: string;
  /** Told before a rate is trained (not when it is read from the cache). */
  onTrain?: (lr: number) => void;
  signal?: AbortSignal;
}

/** The cache key of one rate's baseline under these settings. */
export function baselineKey(settings: BaselineSettings, lr: number): string {
  const what = {
    model: settings.model.name,
    params: settings.model.layout.size,
    dataset: settings.dataset.name,
    samples: settings.dataset.size,
    backend: settings.backend,
    batchSize: settings.batchSize,
    steps: settings.steps,
    seed: settings.seed,
    version: settings.version,
    lr,
  };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 32);
}

/**
 * Each rate of `lrs` trained as a constant rate from the demo's own initialisation and
 * minibatches (one seed), without probe or controller: the trainer never lets the probe write
 * θ, so these are the runs `lyap demo --controller observe` trains. Read from `cacheFile` when
 * trained before with the same settings; the rates trained here are added to it. Returns
 * undefined for a rate whose training was stopped by `signal`.
 */
export async function constantRateBaselines(
  options: BaselineOptions,
): Promise<Map<number, ConstantRateBaseline>> {
  const cache = readCache(options.cacheFile);
  const out = new Map<number, ConstantRateBaseline>();
  let added = false;
  for (const lr of options.lrs) {
    if (options.signal?.aborted === true) break;
    const key = baselineKey(options, lr);
    const known = cache[key];
    if (known !== undefined) {
      out.set(lr, fromJson(known));
      continue;
    }
    options.onTrain?.(lr);
    const losses: number[] = [];
    const result = await train({
      runId: `baseline-lr${lr}`,
      model: options.model,
      dataset: options.dataset,
      backend: options.backend,
      lr,
      batchSize: options.batchSize,
      steps: options.steps,
      seed: options.seed,
      probe: { every: 0, kLyapunov: 0, kSharpness: 0, hvp: 'forward', eps0: 1e-3 },
      emit: (event) => {
        if (event.type !== 'gradient') return;
        losses.push(event.loss);
        if (losses.length > FINAL_LOSS_STEPS) losses.shift();
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (result.status === 'stopped') break;
    const baseline: ConstantRateBaseline = {
      lr,
      finalLoss: losses.length === 0 ? Number.NaN : losses.reduce((a, b) => a + b, 0) / losses.length,
      accuracy: trainingAccuracy(options.model, result.theta, options.dataset),
    };
    out.set(lr, baseline);
    cache[key] = toJson(baseline);
    added = true;
  }
  if (added && options.cacheFile !== undefined) writeCache(options.cacheFile, cache);
  return out;
}

interface BaselineJson {
  lr: number;
  finalLoss: number | null;
  accuracy: number | null;
}

const toJson = (b: ConstantRateBaseline): BaselineJson => ({
  lr: b.lr,
  finalLoss: Number.isFinite(b.finalLoss) ? b.finalLoss : null,
  accuracy: b.accuracy ?? null,
});

const fromJson = (j: BaselineJson): ConstantRateBaseline => ({
  lr: j.lr,
  finalLoss: j.finalLoss ?? Number.NaN,
  accuracy: j.accuracy ?? undefined,
});

function readCache(file: string | undefined): Record<string, BaselineJson> {
  if (file === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isCache(parsed) ? parsed : {};
  } catch {
    return {}; // absent or unreadable: trained again, and rewritten
  }
}

function isCache(x: unknown): x is Record<string, BaselineJson> {
  return (
    typeof x === 'object' &&
    x !== null &&
    Object.values(x).every(
      (v: unknown) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as BaselineJson).lr === 'number' &&
        ((v as BaselineJson).accuracy === null || typeof (v as BaselineJson).accuracy === 'number'),
    )
  );
}

/** Written aside and renamed over, so that a reader never sees half a file. */
function writeCache(file: string, cache: Record<string, BaselineJson>): void {
  mkdirSync(dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, `${JSON.stringify(cache, null, 2)}\n`);
  renameSync(aside, file);
}
