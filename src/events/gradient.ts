import { z } from 'zod';

import { FiniteNumber, Matrix, MeasuredNumber, RunId, Step, TimestampMs } from './primitives.js';

export const MAX_LAYERS = 1024;

export const LyapunovProbe = z
  .object({
    eta: z
      .number()
      .positive()
      .meta({ description: 'The learning rate the Jacobian I - eta*H was formed with.' }),
    gram: Matrix.meta({ description: 'G = (JV)^T (JV), row-major k×k.' }),
    rayleigh: Matrix.meta({ description: 'R = V^T H V, row-major k×k, the same k as gram.' }),
    burst: z
      .object({
        index: z.int().min(0).meta({ description: "This step's place in the burst, 0 for its first step." }),
        length: z
          .int()
          .min(1)
          .meta({ description: 'Consecutive steps the burst carries the subspace through.' }),
        discard: z.int().min(0).meta({
          description: 'Its first steps that only re-align the subspace: their exponents are not counted.',
        }),
      })
      .optional()
      .meta({
        description:
          'Present when the subspace is carried through consecutive steps (a Lyapunov burst); absent: one step per probe.',
      }),
  })
  .superRefine((probe, ctx) => {
    const burst = probe.burst;
    if (burst !== undefined && burst.index >= burst.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['burst', 'index'],
        input: burst.index,
        message: `expected an index below the burst length ${burst.length}, received ${burst.index}`,
      });
    }
    if (burst !== undefined && burst.discard >= burst.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['burst', 'discard'],
        input: burst.discard,
        message: `expected fewer discarded steps than the burst length ${burst.length}, received ${burst.discard}`,
      });
    }
    const k = probe.gram.length;
    const r = probe.rayleigh.length;
    if (r !== k) {
      ctx.addIssue({
        code: 'custom',
        path: ['rayleigh'],
        input: probe.rayleigh,
        message: `expected ${k} rows (the size of gram), received ${r}`,
      });
    }
  });
export type LyapunovProbe = z.infer<typeof LyapunovProbe>;

/**
 * Whether a Lyapunov step's exponent counts: every step without a burst, and a burst's steps
 * after its first `discard` (which only re-align the subspace).
 */
export function countsTowardExponent(probe: Pick<LyapunovProbe, 'burst'>): boolean {
  return probe.burst === undefined || probe.burst.index >= probe.burst.discard;
}

export const SharpnessProbe = z.object({
  rayleigh: Matrix.meta({ description: 'V^T H V of the sharpness subspace, row-major k×k.' }),
  residual: FiniteNumber.min(0)
    .optional()
    .meta({ description: '‖Hu − θu‖/|θ| of the top Ritz pair (θ, u): how far λ_max is from converged.' }),
  iterations: z.int().min(1).optional().meta({
    description:
      'Rayleigh–Ritz rounds this probe took: the first on the products it has anyway, each further one adding the residuals of the extreme Ritz pairs.',
  }),
});
export type SharpnessProbe = z.infer<typeof SharpnessProbe>;

export const MinCurvatureProbe = z.object({
  value: FiniteNumber.meta({
    description:
      "h_min: the smallest Ritz value of the probe's basis on its minibatch (the most negative curvature).",
  }),
  residual: FiniteNumber.min(0).optional().meta({
    description: '‖Hu − h_min·u‖/|h_min| of its Ritz pair (h_min, u): how far it is from converged.',
  }),
});
export type MinCurvatureProbe = z.infer<typeof MinCurvatureProbe>;

export const Probe = z.object({
  eps: z.number().positive().optional().meta({
    description:
      'Finite-difference step of the Hessian-vector products; absent when they are exact (the run\'s probe.hvp is "exact").',
  }),
  hvps: z.int().min(0).meta({ description: 'Hessian-vector products computed at this step.' }),
  lyapunov: LyapunovProbe.optional(),
  sharpness: SharpnessProbe.optional(),
  minCurvature: MinCurvatureProbe.optional(),
  batchSharpness: FiniteNumber.optional().meta({
    description:
      "g^T H g / g^T g on the step's minibatch: the curvature along the step's own gradient (batch sharpness).",
  }),
});
export type Probe = z.infer<typeof Probe>;

export const LayerGradNorms = z
  .record(z.string().min(1).max(256), MeasuredNumber)
  .superRefine((norms, ctx) => {
    const count = Object.keys(norms).length;
    if (count > MAX_LAYERS) {
      ctx.addIssue({
        code: 'custom',
        input: norms,
        message: `expected at most ${MAX_LAYERS} layers, received ${count}`,
      });
    }
  })
  .meta({ description: `Gradient norm per layer name (1-256 characters), at most ${MAX_LAYERS} layers.` });
export type LayerGradNorms = z.infer<typeof LayerGradNorms>;

export const GradientEvent = z.object({
  v: z.literal(1),
  type: z.literal('gradient'),
  runId: RunId,
  ts: TimestampMs,
  step: Step,
  lr: z.number().min(0).meta({ description: 'The learning rate used for this step.' }),
  loss: MeasuredNumber,
  gradNorm: MeasuredNumber,
  batchSize: z.int().min(1).optional(),
  layerGradNorms: LayerGradNorms.optional(),
  cmdSeq: z.int().min(0).optional().meta({ description: 'seq of the last lr-command applied.' }),
  stepMs: z.number().min(0).optional(),
  probeMs: z.number().min(0).optional(),
  probe: Probe.optional(),
});
export type GradientEvent = z.infer<typeof GradientEvent>;
