import { z } from 'zod';
import { DEFAULT_REGIME_THRESHOLDS, validateRegimeThresholds } from '../dynamics/index.js';
import { DEFAULT_MAX_EVENT_BYTES, DEFAULT_TOPIC_PREFIX } from '../events/index.js';
import { LyapError } from '../errors.js';

const positiveInt = z.number().int().positive();
const msOrInfinity = z.number().positive();

/** Every processor setting with its default: the one table the CLI and docs follow. */
export const ProcessorConfig = z
  .object({
    topicPrefix: z.string().default(DEFAULT_TOPIC_PREFIX),
    groupId: z.string().min(1).default('lyap-processor'),
    windowProbes: positiveInt.max(100_000).default(20),
    latenessSteps: z.number().int().nonnegative().default(2),
    latenessMs: msOrInfinity.default(2_000),
    maxSkewSteps: z.number().int().nonnegative().default(4_096),
    runTtlMs: msOrInfinity.default(600_000),
    endGraceMs: z.number().nonnegative().default(5_000),
    sweepIntervalMs: positiveInt.default(1_000),
    maxRuns: positiveInt.default(10_000),
    dedupSteps: positiveInt.default(1_024),
    maxEventBytes: positiveInt.default(DEFAULT_MAX_EVENT_BYTES),
    thresholds: z
      .object({
        minSamples: z.number(),
        edgeRatio: z.number(),
        unstableRatio: z.number(),
        chaoticExponent: z.number(),
        earlyUnstableRatio: z.number().optional(),
      })
      .default({ ...DEFAULT_REGIME_THRESHOLDS }),
  })
  .strict();
export type ProcessorConfig = z.output<typeof ProcessorConfig>;
export type ProcessorConfigInput = z.input<typeof ProcessorConfig>;

export function resolveProcessorConfig(input: ProcessorConfigInput = {}): Readonly<ProcessorConfig> {
  const parsed = ProcessorConfig.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new LyapError('LYAP_E_CONFIG', `processor config ${path}: ${issue?.message ?? 'invalid'}`, {
      context: { issues: parsed.error.issues },
    });
  }
  const problems = validateRegimeThresholds(parsed.data.thresholds);
  if (problems.length > 0) {
    throw new LyapError('LYAP_E_CONFIG', `processor config thresholds: ${problems.join('; ')}`);
  }
  return Object.freeze({ ...parsed.data, thresholds: Object.freeze({ ...parsed.data.thresholds }) });
}
