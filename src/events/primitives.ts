import { z } from 'zod';

import { preview } from './issue-message.js';

export const MAX_K = 8;

export const RunId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, {
    error: (issue) => `expected only the characters [A-Za-z0-9._:-], received ${preview(issue.input)}`,
  })
  .meta({ description: 'Run identifier, also the Kafka message key: 1-128 characters of [A-Za-z0-9._:-].' });
export type RunId = z.infer<typeof RunId>;

export const TimestampMs = z
  .int()
  .min(0)
  .meta({ description: 'Unix time in milliseconds (safe non-negative integer).' });
export type TimestampMs = z.infer<typeof TimestampMs>;

export const Step = z.int().min(0).meta({ description: 'Training step (safe integer >= 0).' });
export type Step = z.infer<typeof Step>;

export const FiniteNumber = z.number();
export type FiniteNumber = z.infer<typeof FiniteNumber>;

const NON_FINITE = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
} as const;

/**
 * NaN and ±Infinity as JS numbers. JSON cannot carry them, so they never come off the
 * wire; accepting them lets an event that was already decoded be validated again.
 * The JSON Schema leaves this member out.
 */
export const NonFiniteNumber = z.union([
  z.nan(),
  z.literal([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
]);

/**
 * A measurement that may be non-finite while training diverges. JSON has no NaN or
 * Infinity, so on the wire they are the strings "NaN", "Infinity", "-Infinity"; `null`
 * (what JSON.stringify writes for them) reads as NaN.
 */
export const MeasuredNumber = z
  .union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']), z.null(), NonFiniteNumber], {
    error: (issue) =>
      `expected a number, "NaN", "Infinity", "-Infinity" or null, received ${preview(issue.input)}`,
  })
  .transform((value) => (typeof value === 'number' ? value : value === null ? Number.NaN : NON_FINITE[value]))
  .meta({
    description:
      'A measurement that may be non-finite during divergence: a JSON number, or "NaN", "Infinity", "-Infinity", or null (read as NaN).',
  });
export type MeasuredNumber = z.infer<typeof MeasuredNumber>;

/** Row-major k×k matrix, 1 <= k <= MAX_K; rows shorter or longer than k are reported at their index. */
export const Matrix = z
  .array(z.array(MeasuredNumber))
  .min(1)
  .max(MAX_K)
  .superRefine((rows, ctx) => {
    const k = rows.length;
    for (let i = 0; i < k; i++) {
      const length = rows[i]?.length ?? 0;
      if (length !== k) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          input: rows[i],
          message: `expected ${k} entries (a square ${k}x${k} matrix), received ${length}`,
        });
      }
    }
  })
  .meta({ description: `Square k×k matrix, row-major, 1 <= k <= ${MAX_K}, of measured numbers.` });
export type Matrix = z.infer<typeof Matrix>;

const RUN_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function isRunId(value: unknown): value is RunId {
  return typeof value === 'string' && RUN_ID_PATTERN.test(value);
}
