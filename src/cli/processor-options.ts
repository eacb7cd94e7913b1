import type { Command } from 'commander';
import { resolveProcessorConfig } from '../processor/config.js';
import { nonNegativeInteger, positiveInteger } from './options.js';

/** The processor settings `lyap process` and `lyap replay` both take. */
export interface ProcessorFlags {
  window: number;
  latenessSteps: number;
}

const DEFAULTS = resolveProcessorConfig();

/** `-w, --window` and `--lateness-steps`, with the processor's defaults (src/processor/config.ts). */
export function processorOptions(command: Command): Command {
  return command
    .option(
      '-w, --window <probes>',
      'probes in the rolling window',
      positiveInteger('--window'),
      DEFAULTS.windowProbes,
    )
    .option(
      '--lateness-steps <n>',
      'steps a gradient/trajectory pair may arrive out of order',
      nonNegativeInteger('--lateness-steps'),
      DEFAULTS.latenessSteps,
    );
}

/** The processor's default consumer group. */
export const PROCESSOR_GROUP_ID = DEFAULTS.groupId;
