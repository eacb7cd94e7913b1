import { z } from 'zod';

import { MeasuredNumber, RunId, Step, TimestampMs } from './primitives.js';

export const AlertSeverity = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const AlertState = z.enum(['firing', 'resolved']);
export type AlertState = z.infer<typeof AlertState>;

export const AlertEvent = z.object({
  v: z.literal(1),
  type: z.literal('alert'),
  runId: RunId,
  ts: TimestampMs,
  step: Step,
  name: z.string().min(1).max(128),
  severity: AlertSeverity,
  state: AlertState,
  message: z.string().max(4096),
  value: MeasuredNumber,
});
export type AlertEvent = z.infer<typeof AlertEvent>;
