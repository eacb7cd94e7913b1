// How often the probe measures λ_max (and h_min): the product's default. Free of TensorFlow.js,
// like names.ts, so that the CLI can resolve it without loading it.

/**
 * λ_max is measured every this many probes by default; the probes between measure the batch
 * sharpness gᵀHg/gᵀg (one product, what the regimes, the alerts and the controller judge) and
 * carry the Lyapunov subspace. λ_max moves slowly, and a probe also measures it after the rate
 * moved by more than ×2 (tangent-probe.ts). `npm run bench -- --only trainer` measures the cost.
 */
export const DEFAULT_SHARPNESS_EVERY_PROBES = 4;

/** The steps between λ_max measurements for probes every `probeEvery` steps: `chosen`, else the default. */
export function sharpnessEvery(probeEvery: number, chosen?: number): number {
  return chosen ?? DEFAULT_SHARPNESS_EVERY_PROBES * Math.max(1, probeEvery);
}

/** What is wrong with measuring λ_max every `every` steps for probes every `probeEvery` (> 0); undefined if nothing. */
export function sharpnessEveryProblem(probeEvery: number, every: number | undefined): string | undefined {
  if (every === undefined) return undefined;
  return Number.isSafeInteger(every) && every > 0 && every % probeEvery === 0
    ? undefined
    : `λ_max every ${every} steps must fall on probes: a positive multiple of ${probeEvery}`;
}
