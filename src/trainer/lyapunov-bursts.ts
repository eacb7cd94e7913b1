// Where the Lyapunov subspace is carried through consecutive steps: the product's defaults.
// Free of TensorFlow.js, like names.ts, so that the CLI can resolve them without loading it.

/** A burst starts every this many probes, by default (every 80 steps at the default probe every 10). */
export const DEFAULT_BURST_EVERY_PROBES = 8;
/** Steps per burst, by default (fewer when bursts are closer than that), the first half discarded. */
export const DEFAULT_LYAPUNOV_BURST = 4;

/**
 * The dense schedule, the default until 2026-12-07: a burst of 8 steps every 4 probes. The
 * sweeps, the demo and `npm run lr-grid` measure with it (their reports were made with it); its
 * exponent is less noisy, and with λ_max every 4 probes the probe costs about 1.5–1.7 plain steps
 * per step at a probe every 10 against 1.2–1.3 for the default (docs/trainer.md "Overhead").
 */
export const DENSE_BURST_EVERY_PROBES = 4;
export const DENSE_LYAPUNOV_BURST = 8;

export interface LyapunovBursts {
  lyapunovEvery: number;
  lyapunovBurst: number;
  lyapunovDiscard: number;
}

type ChosenBursts = { every?: number | undefined; burst?: number | undefined; discard?: number | undefined };

/**
 * A burst of `length` steps every `everyProbes` probes, cut to the steps between bursts when it is
 * longer, half of it discarded, unless `chosen` says otherwise: the rule of both schedules below,
 * for any other one (the trainer bench's `--probe-schedule`).
 */
export function burstsEvery(
  probeEvery: number,
  everyProbes: number,
  length: number,
  chosen: ChosenBursts,
): LyapunovBursts {
  const lyapunovEvery = chosen.every ?? everyProbes * Math.max(1, probeEvery);
  const lyapunovBurst = chosen.burst ?? Math.min(length, lyapunovEvery);
  const lyapunovDiscard = chosen.discard ?? Math.floor(lyapunovBurst / 2);
  return { lyapunovEvery, lyapunovBurst, lyapunovDiscard };
}

/**
 * The burst schedule for probes every `probeEvery` steps, from whatever was chosen: a burst every
 * 8 probes, of 4 steps (at most the steps between bursts), the first half discarded.
 * `npm run bench -- --only lyapunov` measures how far schedules are from a float64 tangent vector
 * carried through every step, and `--only trainer --probe-schedule` what they cost
 * (docs/benchmarks.md, docs/trainer.md).
 */
export function lyapunovBursts(probeEvery: number, chosen: ChosenBursts = {}): LyapunovBursts {
  return burstsEvery(probeEvery, DEFAULT_BURST_EVERY_PROBES, DEFAULT_LYAPUNOV_BURST, chosen);
}

/** The dense schedule's bursts (`DENSE_BURST_EVERY_PROBES`, `DENSE_LYAPUNOV_BURST`), unless chosen. */
export function denseLyapunovBursts(probeEvery: number, chosen: ChosenBursts = {}): LyapunovBursts {
  return burstsEvery(probeEvery, DENSE_BURST_EVERY_PROBES, DENSE_LYAPUNOV_BURST, chosen);
}

/** What is wrong with a burst schedule for probes every `probeEvery` (> 0) steps; undefined if nothing. */
export function lyapunovBurstsProblem(
  probeEvery: number,
  bursts: Partial<LyapunovBursts>,
): string | undefined {
  const every = bursts.lyapunovEvery ?? probeEvery;
  const length = bursts.lyapunovBurst ?? 1;
  if (!(Number.isSafeInteger(every) && every > 0 && every % probeEvery === 0)) {
    return `Lyapunov bursts every ${every} steps must start on probes: a positive multiple of ${probeEvery}`;
  }
  const shape = burstShapeProblem(length, bursts.lyapunovDiscard ?? 0);
  if (shape !== undefined) return shape;
  if (length > every)
    return `a Lyapunov burst of ${length} steps does not fit in the ${every} steps between bursts`;
  return undefined;
}

/** What is wrong with a burst of `length` steps discarding `discard`; undefined if nothing. */
export function burstShapeProblem(length: number, discard: number): string | undefined {
  if (!(Number.isSafeInteger(length) && length >= 1 && Number.isSafeInteger(discard) && discard >= 0)) {
    return `the Lyapunov burst (${length}) must be a positive integer and its discard (${discard}) a non-negative one`;
  }
  if (discard >= length) return `a Lyapunov burst discarding ${discard} of its ${length} steps keeps none`;
  return undefined;
}
