import { z } from 'zod';

import { MeasuredNumber, RunId, Step, TimestampMs } from './primitives.js';

export const Shadow = z.object({
  separation: MeasuredNumber.meta({ description: 'Distance to the shadow replica before renormalisation.' }),
  renormalizedTo: z.number().positive(),
});
export type Shadow = z.infer<typeof Shadow>;

export const TrajectoryEvent = z.object({
  v: z.literal(1),
  type: z.literal('trajectory'),
  runId: RunId,
  ts: TimestampMs,
  step: Step,
  paramNorm: MeasuredNumber,
  updateNorm: MeasuredNumber.meta({ description: '‖θ[t+1] − θ[t]‖.' }),
  distanceFromInit: MeasuredNumber,
  cosPrevUpdate: MeasuredNumber.optional(),
  shadow: Shadow.optional(),
});
export type TrajectoryEvent = z.infer<typeof TrajectoryEvent>;
