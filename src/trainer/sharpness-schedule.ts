// How often the probe measures λ_max (and h_min): the product's default. Free of TensorFlow.js,
// like names.ts, so that the CLI can resolve it without loading it.

/**
 * λ_max is measured every this many probes by default (every 160 steps at the default probe
 * every 10); the probes between measure the batch sharpness gᵀHg/gᵀg (one product, what the
 * regimes, the alerts and the controller judge) and carry the Lyapunov subspace. λ_max moves
 * slowly, and a probe also measures it after the rate moved by more than ×2 (tangent-probe.ts).
 * With the default bursts this keeps the probe under 1.3 plain steps at a probe every 10
 * (`npm run bench -- --only trainer --steps 480`, docs/trainer.md "Overhead").
 */
export const DEFAULT_SHARPNESS_EVERY_PROBES = 16;

/**
 * The dense schedule's λ_max: every 4 probes, the default until 2026-12-07. The sweeps and the
 * demo measure with it (their reports were made with it); `npm run lr-grid`, which sets no
 * `sharpnessEvery`, measures λ_max at every probe.
 */
export const DENSE_SHARPNESS_EVERY_PROBES = 4;

/** The steps between λ_max measurements for probes every `probeEvery` steps: `chosen`, else the default. */
export function sharpnessEvery(probeEvery: number, chosen?: number): number {
  return chosen ?? DEFAULT_SHARPNESS_EVERY_PROBES * Math.max(1, probeEvery);
}

/** The dense schedule's steps between λ_max measurements (`DENSE_SHARPNESS_EVERY_PROBES`), unless `chosen`. */
export function denseSharpnessEvery(probeEvery: number, chosen?: number): number {
  return chosen ?? DENSE_SHARPNESS_EVERY_PROBES * Math.max(1, probeEvery);
}

/** What is wrong with measuring λ_max every `every` steps for probes every `probeEvery` (> 0); undefined if nothing. */
export function sharpnessEveryProblem(probeEvery: number, every: number | undefined): string | undefined {
  if (every === undefined) return undefined;
  return Number.isSafeInteger(every) && every > 0 && every % probeEvery === 0
    ? undefined
    : `λ_max every ${every} steps must fall on probes: a positive multiple of ${probeEvery}`;
}
