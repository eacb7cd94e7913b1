// Where the Lyapunov subspace is carried through consecutive steps: the product's defaults.
// Free of TensorFlow.js, like names.ts, so that the CLI can resolve them without loading it.

/** A burst starts every this many probes, by default. */
export const DEFAULT_BURST_EVERY_PROBES = 4;
/** Steps per burst, by default (fewer when bursts are closer than that). */
export const DEFAULT_LYAPUNOV_BURST = 8;

export interface LyapunovBursts {
  lyapunovEvery: number;
  lyapunovBurst: number;
  lyapunovDiscard: number;
}

/**
 * The burst schedule for probes every `probeEvery` steps, from whatever was chosen: a burst every
 * 4 probes, of 8 steps (at most the steps between bursts), the first half discarded.
 * `npm run bench -- --only lyapunov` measures what the schedules cost and how far they are from
 * a float64 tangent vector carried through every step (docs/benchmarks.md).
 */
export function lyapunovBursts(
  probeEvery: number,
  chosen: { every?: number | undefined; burst?: number | undefined; discard?: number | undefined } = {},
): LyapunovBursts {
  const lyapunovEvery = chosen.every ?? DEFAULT_BURST_EVERY_PROBES * Math.max(1, probeEvery);
  const lyapunovBurst = chosen.burst ?? Math.min(DEFAULT_LYAPUNOV_BURST, lyapunovEvery);
  const lyapunovDiscard = chosen.discard ?? Math.floor(lyapunovBurst / 2);
  return { lyapunovEvery, lyapunovBurst, lyapunovDiscard };
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
