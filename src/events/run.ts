import { z } from 'zod';

import { MAX_K, MeasuredNumber, RunId, Step, TimestampMs } from './primitives.js';

const Name = z.string().min(1).max(128);

export const ProbeConfig = z.object({
  every: z.int().min(0).meta({ description: 'Probe every this many steps; 0 turns the probe off.' }),
  kLyapunov: z.int().min(0).max(MAX_K),
  kSharpness: z.int().min(0).max(MAX_K),
  hvp: z.enum(['forward', 'central', 'exact']).meta({
    description:
      'How the Hessian-vector products are taken: forward or central finite differences (the TypeScript trainer), or exact (autograd, the Python client).',
  }),
  lyapunovEvery: z.int().min(1).optional().meta({
    description: 'A Lyapunov burst starts every this many steps, a multiple of every; absent: every.',
  }),
  lyapunovBurst: z.int().min(1).optional().meta({
    description:
      'Consecutive steps the Lyapunov subspace is carried through from the start of each burst; absent: 1.',
  }),
  lyapunovDiscard: z.int().min(0).optional().meta({
    description:
      "The burst's first steps whose exponents are not counted (they re-align the subspace); absent: 0.",
  }),
  sharpnessEvery: z.int().min(1).optional().meta({
    description:
      'λ_max (and h_min) is measured every this many steps, a multiple of every (and at a probe after the rate moved by more than ×2); the probes between measure the batch sharpness. Absent: every probe.',
  }),
});
export type ProbeConfig = z.infer<typeof ProbeConfig>;

export const RunConfig = z.object({
  model: Name,
  dataset: Name,
  optimizer: Name,
  momentum: z.number().min(0).lt(1).optional().meta({
    description: 'Heavy-ball momentum μ of the optimizer; absent: 0 (plain SGD).',
  }),
  lr: z.number().positive(),
  batchSize: z.int().min(1),
  params: z.int().min(0),
  backend: z.string(),
  seed: z.int(),
  probe: ProbeConfig,
});
export type RunConfig = z.infer<typeof RunConfig>;

export const RunStatus = z.enum(['completed', 'failed', 'diverged', 'stopped']);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunEvent = z
  .object({
    v: z.literal(1),
    type: z.literal('run'),
    runId: RunId,
    ts: TimestampMs,
    phase: z.enum(['start', 'end']),
    config: RunConfig,
    status: RunStatus.optional().meta({ description: 'How the run ended; required when phase is "end".' }),
    finalLoss: MeasuredNumber.optional(),
    lastStep: Step.optional().meta({
      description: 'On "end", the last step the trainer emitted, so consumers know when the run is complete.',
    }),
  })
  .superRefine((event, ctx) => {
    if (event.phase === 'end' && event.status === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        input: undefined,
        message: 'required when phase is "end"',
      });
    } else if (event.phase === 'start' && event.status !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        input: event.status,
        message: 'only allowed when phase is "end"',
      });
    }
  });
export type RunEvent = z.infer<typeof RunEvent>;
