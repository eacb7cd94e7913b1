import { z } from 'zod';

import { preview } from './issue-message.js';
import { RunId, Step, TimestampMs } from './primitives.js';

/** The reasons this version's controller writes: the rules of docs/controller.md. */
export const LrCommandReason = z.enum([
  'quasi-newton',
  'brake',
  'manual',
  'hold',
  'edge',
  'gradient-newton',
  'guard',
  'warm-up',
]);
export type LrCommandReason = z.infer<typeof LrCommandReason>;

/** What every reason looks like, those a newer controller adds too: 1–64 characters of `[a-z0-9-]`, a letter first. */
export const LR_COMMAND_REASON_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

/** Whether `reason` is one of this version's (`LrCommandReason`) rather than a newer controller's. */
export function isKnownLrCommandReason(reason: string): reason is LrCommandReason {
  return (LrCommandReason.options as readonly string[]).includes(reason);
}

const KNOWN_REASONS_TEXT = LrCommandReason.options.map((r) => JSON.stringify(r)).join(' | ');

/**
 * `reason` as consumers read it: a known reason, or one a newer controller added (forward
 * compatible: a trainer applies the command and logs the reason it does not know).
 */
const ReasonOnTheWire = z
  .union([LrCommandReason, z.string().regex(LR_COMMAND_REASON_PATTERN)], {
    error: (issue) =>
      `expected ${KNOWN_REASONS_TEXT} or another reason matching ${LR_COMMAND_REASON_PATTERN.source}, received ${preview(issue.input)}`,
  })
  .meta({
    description:
      'The rule that set the rate: one of the known reasons, or one a newer controller added (1-64 characters of [a-z0-9-], a letter first), which consumers must accept.',
  });

/** A control key's id (`LYAP_CONTROL_KEYS="id:secret,…"`): 1–64 characters of `[A-Za-z0-9._-]`. */
export const CONTROL_KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const LrCommandEvent = z.object({
  v: z.literal(1),
  type: z.literal('lr-command'),
  runId: RunId,
  ts: TimestampMs,
  seq: z.int().min(0).meta({ description: 'Per run, strictly increasing.' }),
  lr: z.number().positive(),
  previousLr: z.number().min(0).meta({
    description:
      'The rate the estimate says the run used; 0 for a warm-up command answering a measurement step that took no update.',
  }),
  reason: ReasonOnTheWire,
  basedOnStep: Step,
  sharpness: z.number().optional(),
  advisory: z
    .boolean()
    .optional()
    .meta({ description: 'Published in advise mode: trainers report it and do not apply it.' }),
  keyId: z
    .string()
    .regex(CONTROL_KEY_ID_PATTERN, {
      error: (issue) => `expected 1-64 characters of [A-Za-z0-9._-], received ${preview(issue.input)}`,
    })
    .optional()
    .meta({
      description:
        'Id of the LYAP_CONTROL_KEYS key that signed the command; signed with the other fields. Absent: signed with the single LYAP_CONTROL_KEY.',
    }),
  sig: z
    .string()
    .regex(/^[0-9a-f]{64}$/, {
      error: (issue) => `expected 64 lowercase hex characters, received ${preview(issue.input)}`,
    })
    .optional()
    .meta({ description: 'HMAC-SHA256, lowercase hex, of the canonical JSON of the other fields.' }),
});
export type LrCommandEvent = z.infer<typeof LrCommandEvent>;
