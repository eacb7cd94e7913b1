import { z } from 'zod';

import { AlertEvent } from './alert.js';
import { DeadLetterEvent } from './dead-letter.js';
import { EstimateEvent } from './estimate.js';
import { GradientEvent } from './gradient.js';
import { LrCommandEvent } from './lr-command.js';
import { RunEvent } from './run.js';
import { TrajectoryEvent } from './trajectory.js';

/**
 * Every v1 event. Objects strip keys they do not know, at every depth, so a newer
 * producer may add fields without breaking older consumers.
 */
export const LyapEvent = z.discriminatedUnion('type', [
  RunEvent,
  GradientEvent,
  TrajectoryEvent,
  EstimateEvent,
  LrCommandEvent,
  AlertEvent,
  DeadLetterEvent,
]);
export type LyapEvent = z.infer<typeof LyapEvent>;

export type EventType = LyapEvent['type'];

export type EventOfType<T extends EventType> = Extract<LyapEvent, { type: T }>;

export const EVENT_SCHEMAS = {
  run: RunEvent,
  gradient: GradientEvent,
  trajectory: TrajectoryEvent,
  estimate: EstimateEvent,
  'lr-command': LrCommandEvent,
  alert: AlertEvent,
  'dead-letter': DeadLetterEvent,
} as const satisfies { [T in EventType]: z.ZodType<EventOfType<T>> };

export const EVENT_TYPES: readonly EventType[] = Object.freeze(Object.keys(EVENT_SCHEMAS) as EventType[]);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(EVENT_SCHEMAS, value);
}
