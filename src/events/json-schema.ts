import { z } from 'zod';

import { AlertEvent } from './alert.js';
import { DeadLetterEvent } from './dead-letter.js';
import { EstimateEvent } from './estimate.js';
import { LyapEvent } from './event.js';
import { GradientEvent } from './gradient.js';
import { LrCommandEvent } from './lr-command.js';
import { NonFiniteNumber } from './primitives.js';
import { RunEvent } from './run.js';
import { TrajectoryEvent } from './trajectory.js';

export const JSON_SCHEMA_BASE_URL = 'https://lyapunov-pipeline.dev/schemas/v1/';

interface SchemaEntry {
  file: string;
  schema: z.ZodType;
  title: string;
  description: string;
}

const ENTRIES: readonly SchemaEntry[] = [
  {
    file: 'run.schema.json',
    schema: RunEvent,
    title: 'run event (v1)',
    description: 'A training run started or ended, with its configuration. Topic <prefix>runs (compacted).',
  },
  {
    file: 'gradient.schema.json',
    schema: GradientEvent,
    title: 'gradient event (v1)',
    description:
      'One training step: loss, gradient norm, and the probe measurements when probed. Topic <prefix>gradients.',
  },
  {
    file: 'trajectory.schema.json',
    schema: TrajectoryEvent,
    title: 'trajectory event (v1)',
    description: 'Norms of the parameter trajectory at one step. Topic <prefix>trajectory.',
  },
  {
    file: 'estimate.schema.json',
    schema: EstimateEvent,
    title: 'estimate event (v1)',
    description:
      'Rolling Lyapunov, curvature and sharpness estimates and the regime. Topic <prefix>estimates.',
  },
  {
    file: 'lr-command.schema.json',
    schema: LrCommandEvent,
    title: 'lr-command event (v1)',
    description: 'A learning-rate command from the controller to the trainer. Topic <prefix>control.',
  },
  {
    file: 'alert.schema.json',
    schema: AlertEvent,
    title: 'alert event (v1)',
    description: 'An alert firing or resolving for a run. Topic <prefix>alerts.',
  },
  {
    file: 'dead-letter.schema.json',
    schema: DeadLetterEvent,
    title: 'dead-letter event (v1)',
    description: 'A payload that failed to decode, with the reason. Topic <prefix>dlq.',
  },
  {
    file: 'event.schema.json',
    schema: LyapEvent,
    title: 'lyapunov-pipeline event (v1)',
    description: 'Any v1 event, tagged by "type".',
  },
];

const RUN_END_NEEDS_STATUS = {
  if: { properties: { phase: { const: 'end' } }, required: ['phase'] },
  then: { required: ['status'] },
  else: { not: { required: ['status'] } },
};

const IN_PROCESS_ONLY: readonly unknown[] = [NonFiniteNumber, ...NonFiniteNumber.options];

function isInProcessOnly(schema: unknown): boolean {
  return IN_PROCESS_ONLY.includes(schema);
}

/**
 * JSON Schema (draft 2020-12) of the wire form of each event, keyed by file name.
 * Unknown properties are allowed (consumers strip them). Rules JSON Schema cannot
 * state (square matrices, rayleigh the size of gram, UTF-8 byte limits) are only in
 * the zod schemas.
 */
export function eventJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const { file, schema, title, description } of ENTRIES) {
    const generated = z.toJSONSchema(schema, {
      io: 'input',
      target: 'draft-2020-12',
      unrepresentable: ({ zodSchema }) => (isInProcessOnly(zodSchema) ? {} : 'throw'),
      override: ({ zodSchema, jsonSchema }) => {
        if (zodSchema === RunEvent) Object.assign(jsonSchema, RUN_END_NEEDS_STATUS);
        if (zodSchema._zod.def.type === 'union') {
          const at = (zodSchema._zod.def as { options: readonly unknown[] }).options.indexOf(NonFiniteNumber);
          if (at >= 0) jsonSchema.anyOf?.splice(at, 1);
        }
      },
    });
    const { $schema, ...body } = generated;
    out[file] = { $schema, $id: `${JSON_SCHEMA_BASE_URL}${file}`, title, description, ...body };
  }
  return out;
}

/** The text of each schema file as written to `schemas/`: two-space JSON and a trailing newline. */
export function eventJsonSchemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, schema] of Object.entries(eventJsonSchemas()))
    out[file] = `${JSON.stringify(schema, null, 2)}\n`;
  return out;
}
