import { z } from 'zod';

import { preview } from './issue-message.js';
import { RunId, TimestampMs } from './primitives.js';
import { utf8ByteLength } from './utf8.js';

export const MAX_DEAD_LETTER_RAW_BYTES = 65_536;
export const MAX_DEAD_LETTER_ERROR_CHARS = 4096;

export const DeadLetterEvent = z.object({
  v: z.literal(1),
  type: z.literal('dead-letter'),
  runId: RunId.meta({
    description: 'The runId of the rejected payload when it had a valid one, else "unknown".',
  }),
  ts: TimestampMs,
  sourceTopic: z.string().min(1).max(256),
  partition: z.int().min(0).optional(),
  offset: z
    .string()
    .max(20)
    .regex(/^[0-9]+$/, { error: (issue) => `expected decimal digits, received ${preview(issue.input)}` })
    .optional(),
  key: z.string().optional(),
  error: z.string().max(MAX_DEAD_LETTER_ERROR_CHARS).meta({ description: 'Why the payload was rejected.' }),
  raw: z
    .string()
    .max(MAX_DEAD_LETTER_RAW_BYTES)
    .superRefine((raw, ctx) => {
      const bytes = utf8ByteLength(raw);
      if (bytes > MAX_DEAD_LETTER_RAW_BYTES) {
        ctx.addIssue({
          code: 'custom',
          input: raw,
          message: `expected at most ${MAX_DEAD_LETTER_RAW_BYTES} bytes of UTF-8, received ${bytes}`,
        });
      }
    })
    .meta({ description: `The rejected payload, truncated to ${MAX_DEAD_LETTER_RAW_BYTES} bytes of UTF-8.` }),
});
export type DeadLetterEvent = z.infer<typeof DeadLetterEvent>;
