import { readFileSync } from 'node:fs';
import { validator as schemasafeValidator } from '@exodus/schemasafe';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { decodeEvent, encodeEvent } from '../../src/events/index.js';
import { trainerShapedEvents } from './trainer-shaped.js';
import type { SuiteResult } from './types.js';

const TYPES = ['run', 'gradient', 'trajectory'] as const;
type HotType = (typeof TYPES)[number];
type Check = (data: unknown) => boolean;

/** The committed JSON Schema of one event type (schemas/ is generated from the zod definitions). */
function committedSchema(type: HotType): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../schemas/${type}.schema.json`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
}

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/**
 * What an ajv decoder would need to give zod's output: the committed schema with
 * `additionalProperties: false` on every object (so `removeAdditional` strips unknown keys, as
 * zod does) and a modifying keyword on the measured-number union (zod's transform of "NaN",
 * "Infinity", "-Infinity" and null). A bench variant only: it still lacks the rules JSON Schema
 * cannot state (square matrices, burst bounds), which zod checks.
 */
function stripping(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripping);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([name, sub]) => [name, stripping(sub)]))
        : stripping(value);
  }
  if (
    out['type'] === 'object' &&
    out['properties'] !== undefined &&
    out['additionalProperties'] === undefined
  ) {
    out['additionalProperties'] = false;
  }
  const anyOf = out['anyOf'];
  if (Array.isArray(anyOf) && anyOf.some((m: { type?: string }) => m.type === 'null'))
    out['x-measured'] = true;
  return out;
}

function compileAjv(kind: 'plain' | 'stripping'): Record<HotType, ValidateFunction> {
  const ajv =
    kind === 'plain'
      ? new Ajv2020({ strict: false })
      : new Ajv2020({ strict: false, removeAdditional: true });
  if (kind === 'stripping') {
    ajv.addKeyword({
      keyword: 'x-measured',
      modifying: true,
      schemaType: 'boolean',
      validate: (
        _schema: boolean,
        data: unknown,
        _parent: unknown,
        cxt?: { parentData: object; parentDataProperty: string | number },
      ) => {
        if (typeof data !== 'number' && cxt !== undefined) {
          (cxt.parentData as Record<string | number, unknown>)[cxt.parentDataProperty] =
            data === null ? Number.NaN : NON_FINITE[data as string];
        }
        return true;
      },
    });
  }
  const out = {} as Record<HotType, ValidateFunction>;
  for (const type of TYPES) {
    out[type] = ajv.compile(
      kind === 'plain' ? committedSchema(type) : (stripping(committedSchema(type)) as object),
    );
  }
  return out;
}

function compileSchemasafe(): Record<HotType, Check> {
  const out = {} as Record<HotType, Check>;
  for (const type of TYPES) {
    out[type] = schemasafeValidator(committedSchema(type), {
      includeErrors: true,
      requireValidation: false,
      requireStringValidation: false,
      complexityChecks: false,
    }) as Check;
  }
  return out;
}

/** JSON.parse, then the type's validator (an unknown type is a rejection). */
function byType(validators: Record<HotType, Check>): (line: string) => boolean {
  return (line) => {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      return false;
    }
    const type = (data as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !Object.hasOwn(validators, type)) return false;
    return validators[type as HotType](data);
  };
}

/** Valid trainer-shaped lines: run, gradient (with probes every 5 steps) and trajectory events. */
function validLines(runs: number, steps: number): string[] {
  return [...trainerShapedEvents({ runs, steps, runIdPrefix: 'decode-', batchSharpness: true })].map(
    (event) => encodeEvent(event),
  );
}

type Mutation = (event: Record<string, unknown>) => boolean;

/** Each breaks one rule; `schemaOnly: false` marks the rules only zod states (not in JSON Schema). */
const MUTATIONS: { name: string; schemaOnly: boolean; apply: Mutation }[] = [
  { name: 'step negative', schemaOnly: true, apply: (e) => ('step' in e ? ((e['step'] = -1), true) : false) },
  { name: 'runId with a space', schemaOnly: true, apply: (e) => ((e['runId'] = 'a b'), true) },
  { name: 'ts missing', schemaOnly: true, apply: (e) => delete e['ts'] },
  { name: 'ts fractional', schemaOnly: true, apply: (e) => ((e['ts'] = 1.5), true) },
  {
    name: 'measured number a string',
    schemaOnly: true,
    apply: (e) =>
      'loss' in e ? ((e['loss'] = 'inf'), true) : 'paramNorm' in e ? ((e['paramNorm'] = 'inf'), true) : false,
  },
  {
    name: 'gram entry a string',
    schemaOnly: true,
    apply: (e) => {
      const gram = (e['probe'] as { lyapunov?: { gram: unknown[][] } } | undefined)?.lyapunov?.gram;
      if (gram?.[0] === undefined) return false;
      gram[0][0] = '1';
      return true;
    },
  },
  {
    name: 'gram not square',
    schemaOnly: false,
    apply: (e) => {
      const gram = (e['probe'] as { lyapunov?: { gram: unknown[][] } } | undefined)?.lyapunov?.gram;
      if (gram?.[0] === undefined) return false;
      gram[0].push(0);
      return true;
    },
  },
];

/** Malformed variants of the valid lines: each mutation applied to every line it fits, in turn. */
function malformedLines(valid: readonly string[], count: number): { line: string; schemaOnly: boolean }[] {
  const out: { line: string; schemaOnly: boolean }[] = [];
  for (let i = 0; out.length < count && i < valid.length * MUTATIONS.length; i++) {
    const mutation = MUTATIONS[i % MUTATIONS.length];
    const event = JSON.parse(valid[Math.floor(i / MUTATIONS.length)] ?? '{}') as Record<string, unknown>;
    if (mutation !== undefined && mutation.apply(event)) {
      out.push({ line: JSON.stringify(event), schemaOnly: mutation.schemaOnly });
    }
  }
  return out;
}

/**
 * Lines per second of this process's CPU time (user + system): the loop is synchronous, so
 * that is its time on a core, which the other work on a shared machine moves far less than
 * wall time.
 */
function rate(lines: readonly string[], decode: (line: string) => unknown): number {
  const start = process.cpuUsage();
  for (const line of lines) decode(line);
  const used = process.cpuUsage(start);
  return lines.length / ((used.user + used.system) / 1e6);
}

/**
 * Decoding the same event lines, in memory, with: `JSON.parse` alone (the baseline), zod 4 as
 * the pipeline decodes (`decodeEvent`: parse, validate, transform, strip), and validators compiled
 * from the committed JSON Schemas (ajv 8 and @exodus/schemasafe, both compiled once at start-up).
 * Each is run `repeat` times, alternating, on the valid lines and on malformed variants.
 */
export function decodeSuite(params: {
  runs: number;
  steps: number;
  malformed: number;
  repeat: number;
}): SuiteResult {
  const valid = validLines(params.runs, params.steps);
  const malformed = malformedLines(valid, params.malformed);
  const rejectLines = malformed.filter((m) => m.schemaOnly).map((m) => m.line);

  const compileStart = performance.now();
  const ajvPlain = compileAjv('plain');
  const ajvMs = performance.now() - compileStart;
  const ajvStripping = compileAjv('stripping');
  const safeStart = performance.now();
  const safe = compileSchemasafe();
  const safeMs = performance.now() - safeStart;

  const decoders: { name: string; decode: (line: string) => boolean }[] = [
    { name: 'JSON.parse (baseline)', decode: (line) => JSON.parse(line) !== undefined },
    { name: 'zod 4 decodeEvent (as used)', decode: (line) => decodeEvent(line).ok },
    { name: 'ajv 8, validate only', decode: byType(ajvPlain) },
    { name: 'ajv 8, + strip + NaN transform', decode: byType(ajvStripping) },
    { name: '@exodus/schemasafe, validate only', decode: byType(safe) },
  ];

  // Accept/reject on every line, before timing: a decoder that accepted a malformed line or
  // rejected a valid one would be measured on a different amount of work.
  const notes: string[] = [];
  for (const { name, decode } of decoders.slice(1)) {
    const rejectedValid = valid.filter((line) => !decode(line)).length;
    const acceptedBad = malformed.filter((m) => decode(m.line)).length;
    const acceptedRefinement = malformed.filter((m) => !m.schemaOnly && decode(m.line)).length;
    notes.push(
      `${name}: rejects ${rejectedValid} of ${valid.length} valid lines, accepts ${acceptedBad} of ${malformed.length} malformed (${acceptedRefinement} of them break a rule only zod states: a non-square gram)`,
    );
  }

  const validRates = decoders.map(() => [] as number[]);
  const rejectRates = decoders.map(() => [] as number[]);
  for (let r = 0; r < params.repeat; r++) {
    decoders.forEach(({ decode }, i) => {
      validRates[i]?.push(rate(valid, decode));
      rejectRates[i]?.push(
        rate(rejectLines, (line) => {
          try {
            return decode(line);
          } catch {
            return false;
          }
        }),
      );
    });
  }

  const best = (xs: number[]): number => Math.max(...xs);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const baseValid = validRates[0] ?? [];
  const rows = decoders.flatMap(({ name }, i) => {
    const v = validRates[i] ?? [];
    const bad = rejectRates[i] ?? [];
    return [
      {
        measure: `${name}: valid lines, events per CPU-second`,
        best: Math.round(best(v)),
        median: Math.round(median(v)),
      },
      {
        measure: `${name}: / JSON.parse`,
        best: Math.round((best(v) / best(baseValid)) * 1000) / 1000,
        median: Math.round((median(v) / median(baseValid)) * 1000) / 1000,
      },
      {
        measure: `${name}: malformed lines, lines per CPU-second`,
        best: Math.round(best(bad)),
        median: Math.round(median(bad)),
      },
    ];
  });
  rows.push(
    {
      measure: 'ajv 8: compiling the 3 schemas at start-up, ms',
      best: Math.round(ajvMs),
      median: Math.round(ajvMs),
    },
    {
      measure: 'schemasafe: compiling the 3 schemas, ms',
      best: Math.round(safeMs),
      median: Math.round(safeMs),
    },
  );
  return {
    suite: 'decode',
    params: {
      validLines: valid.length,
      malformedLines: rejectLines.length,
      runs: params.runs,
      stepsPerRun: params.steps,
      repeat: params.repeat,
    },
    rows,
    notes,
  };
}
