import { z } from 'zod';

import { FiniteNumber, MAX_K, RunId, Step, TimestampMs } from './primitives.js';

export const Regime = z.enum(['converging', 'edge', 'unstable', 'chaotic', 'diverged', 'unknown']);
export type Regime = z.infer<typeof Regime>;

const Spectrum = z.array(FiniteNumber).max(MAX_K);

export const EstimateEvent = z.object({
  v: z.literal(1),
  type: z.literal('estimate'),
  runId: RunId,
  ts: TimestampMs,
  step: Step,
  window: z.int().min(0).meta({ description: 'Probes currently in the rolling window.' }),
  lr: z.number().min(0),
  lyapunov: Spectrum.meta({ description: 'Top-k Lyapunov exponents per step, rolling mean.' }),
  curvature: Spectrum.meta({ description: 'Ritz values of the Lyapunov subspace.' }),
  sharpness: FiniteNumber.meta({ description: 'λ_max(H), rolling median.' }),
  stabilityRatio: FiniteNumber.meta({ description: 'lr · sharpness.' }),
  predictedLyapunov: Spectrum.optional().meta({ description: 'log|1 − lr · curvature| per direction.' }),
  regime: Regime,
  exponentSide: z.enum(['stability', 'negative-curvature']).optional().meta({
    description:
      "Which side the top exponent's direction is on: its curvature ≥ 0 (stability: log|1 − η·λ|) or < 0 (exploration along negative curvature: log(1 + η|h|)).",
  }),
  lyapunovStdError: Spectrum.optional().meta({
    description:
      'Standard error of each lyapunov entry: s/√B over the B Lyapunov bursts of the window (batch means); present from 2 bursts on.',
  }),
  predictedStabilityExponent: FiniteNumber.optional().meta({
    description:
      'log|1 − lr · sharpness|: the exponent of the stability side, above 0 when lr · sharpness > 2.',
  }),
  samples: z.int().min(0).meta({ description: 'Probes accepted for the run so far.' }),
  invertedCurvature: Spectrum.optional().meta({
    description: 'h = (1 ∓ e^λ)/η per direction, the branch chosen by the sign of the Rayleigh quotient.',
  }),
  sharpnessSamples: z.int().min(0).optional(),
  degenerate: z.boolean().optional().meta({ description: 'A tangent direction collapsed in the window.' }),
  sharpnessResidual: FiniteNumber.min(0).optional().meta({
    description: '‖Hu − θu‖/|θ| of the top Ritz pair, rolling median: small when sharpness has converged.',
  }),
  batchSharpness: FiniteNumber.optional().meta({
    description: "Curvature along the step's own gradient, g^T H g / g^T g on its minibatch, rolling median.",
  }),
  batchStabilityRatio: FiniteNumber.optional().meta({
    description: "lr · batchSharpness: SGD's own stability edge is near 2.",
  }),
  probeSharpness: FiniteNumber.optional().meta({
    description:
      "The top Ritz value of this estimate's own probe, unsmoothed: the controller measures afresh after each rate change.",
  }),
  probeBatchSharpness: FiniteNumber.optional().meta({
    description: "The batch sharpness of this estimate's own probe, unsmoothed.",
  }),
  momentum: z.number().min(0).lt(1).optional().meta({
    description:
      "The run's heavy-ball momentum μ, when above 0 (from its run event): the stability edge is η·λ = 2(1 + μ).",
  }),
  minCurvature: FiniteNumber.optional().meta({
    description:
      "h_min, the most negative curvature of the probes' minibatches, rolling median (when the trainer tracks it: --min-curvature).",
  }),
  predictedCurvatureExponent: FiniteNumber.optional().meta({
    description:
      'log(1 + lr · max(0, −minCurvature)): the exponent of the negative-curvature side, the exploration SGD does along negative curvature.',
  }),
  loss: FiniteNumber.optional().meta({
    description: 'Training loss of the probed step, when finite (the controller brakes on rising loss).',
  }),
  gradNorm: FiniteNumber.min(0).optional().meta({
    description:
      "Norm of the probed step's minibatch gradient, when finite (with loss: the controller's Polyak floor, polyakRatio).",
  }),
});
export type EstimateEvent = z.infer<typeof EstimateEvent>;

/**
 * The ratio the regimes judge the stability side by: η·BS (SGD's own edge, where a minibatch's
 * λ_max may stand past 2/η while the step is stable) when the probes measure the batch
 * sharpness, else η·λ_max.
 */
export function judgedStabilityRatio(
  e: Pick<EstimateEvent, 'stabilityRatio' | 'batchStabilityRatio'>,
): number {
  return e.batchStabilityRatio ?? e.stabilityRatio;
}
