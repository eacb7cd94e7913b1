import { z } from 'zod';

import { DeadLetterEvent, MAX_DEAD_LETTER_ERROR_CHARS, MAX_DEAD_LETTER_RAW_BYTES } from './dead-letter.js';
import { EVENT_SCHEMAS, EVENT_TYPES, isEventType, type EventType, type LyapEvent } from './event.js';
import { formatPath, issueMessage, preview, typeName } from './issue-message.js';
import { isRunId } from './primitives.js';
import { keepUnknownFields } from './unknown-fields.js';
import { truncateChars, truncateUtf8, utf8ByteLength } from './utf8.js';

export const DECODE_FAILURE_REASONS = [
  'too-large',
  'invalid-utf8',
  'invalid-json',
  'not-an-object',
  'unsupported-version',
  'unknown-type',
  'invalid-field',
] as const;
export type DecodeFailureReason = (typeof DECODE_FAILURE_REASONS)[number];

export interface DecodeIssue {
  path: string;
  message: string;
}

export interface DecodeFailure {
  reason: DecodeFailureReason;
  message: string;
  issues: DecodeIssue[];
  runId?: string;
  type?: string;
}

export type DecodeResult = { ok: true; event: LyapEvent } | { ok: false; error: DecodeFailure };

export interface DecodeOptions {
  maxBytes?: number | undefined;
}

export const DEFAULT_MAX_EVENT_BYTES = 1_048_576;
export const MAX_DECODE_ISSUES = 20;
const MAX_READABLE_TYPE_CHARS = 128;

const PARSE_PARAMS = { error: issueMessage } as const;

// z.compile builds a generated fast path for valid input (about 10x the interpreter here)
// and falls back to the ordinary parser, with its issues, for invalid input.
const COMPILED: { readonly [T in EventType]: (typeof EVENT_SCHEMAS)[T] } = {
  run: z.compile(EVENT_SCHEMAS.run),
  gradient: z.compile(EVENT_SCHEMAS.gradient),
  trajectory: z.compile(EVENT_SCHEMAS.trajectory),
  estimate: z.compile(EVENT_SCHEMAS.estimate),
  'lr-command': z.compile(EVENT_SCHEMAS['lr-command']),
  alert: z.compile(EVENT_SCHEMAS.alert),
  'dead-letter': z.compile(EVENT_SCHEMAS['dead-letter']),
};
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const LR_COMMAND_FIELDS: ReadonlySet<string> = new Set(Object.keys(EVENT_SCHEMAS['lr-command'].shape));

interface FailureContext {
  runId?: string;
  type?: string;
}

function fail(
  reason: DecodeFailureReason,
  issues: DecodeIssue[],
  context: FailureContext = {},
): DecodeResult {
  const first = issues[0] ?? { path: '', message: reason };
  const qualified = reason === 'invalid-field' && context.type !== undefined;
  const field = qualified ? [context.type, first.path].filter((part) => part !== '').join('.') : first.path;
  const message = `${reason}: ${field === '' ? '' : `${field}: `}${first.message}`;
  return { ok: false, error: { reason, message, issues, ...context } };
}

function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function readableContext(record: Record<string, unknown>): FailureContext {
  const context: FailureContext = {};
  const { runId, type } = record;
  if (isRunId(runId)) context.runId = runId;
  if (typeof type === 'string' && type.length > 0 && type.length <= MAX_READABLE_TYPE_CHARS) {
    context.type = type;
  }
  return context;
}

/**
 * Decodes one wire payload into a v1 event. Bad input is an expected failure and
 * comes back as `{ ok: false }`, never as a throw; only a bad `maxBytes` throws. Unknown keys
 * are stripped; a decoded `lr-command` keeps its top-level ones aside (`unknownFieldsOf`), for
 * its signature.
 */
export function decodeEvent(raw: string | Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_EVENT_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive safe integer, received ${maxBytes}`);
  }

  let text: string;
  if (typeof raw === 'string') {
    const bytes = raw.length * 3 <= maxBytes ? 0 : utf8ByteLength(raw);
    if (bytes > maxBytes) {
      return fail('too-large', [
        { path: '', message: `payload is ${bytes} bytes, the limit is ${maxBytes}` },
      ]);
    }
    text = raw;
  } else {
    if (raw.byteLength > maxBytes) {
      return fail('too-large', [
        { path: '', message: `payload is ${raw.byteLength} bytes, the limit is ${maxBytes}` },
      ]);
    }
    try {
      text = strictUtf8.decode(raw);
    } catch {
      return fail('invalid-utf8', [{ path: '', message: 'payload is not valid UTF-8' }]);
    }
  }

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? singleLine(error.message) : 'not JSON';
    return fail('invalid-json', [{ path: '', message: detail }]);
  }

  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail('not-an-object', [
      { path: '', message: `expected a JSON object, received ${typeName(data)}` },
    ]);
  }
  const record = data as Record<string, unknown>;
  const { v, type } = record;

  if (v !== 1) {
    const context = readableContext(record);
    return fail(
      'unsupported-version',
      [{ path: 'v', message: `expected 1, received ${preview(v)}` }],
      context,
    );
  }
  if (!isEventType(type)) {
    const context = readableContext(record);
    const expected = EVENT_TYPES.map((t) => JSON.stringify(t)).join(' | ');
    return fail(
      'unknown-type',
      [{ path: 'type', message: `expected ${expected}, received ${preview(type)}` }],
      context,
    );
  }

  const result = COMPILED[type].safeParse(data, PARSE_PARAMS);
  if (result.success) {
    // A command's signature covers the fields the decoder strips (unknownFieldsOf); only this
    // type's, which is rare on the wire: the other types' hot path does no extra pass.
    if (type === 'lr-command') keepUnknownFields(result.data, record, LR_COMMAND_FIELDS);
    return { ok: true, event: result.data };
  }
  const issues = result.error.issues
    .slice(0, MAX_DECODE_ISSUES)
    .map((issue) => ({ path: formatPath(issue.path), message: singleLine(issue.message) }));
  return fail('invalid-field', issues, readableContext(record));
}

function replaceNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/**
 * Compact JSON in the object's key order; NaN and ±Infinity become "NaN", "Infinity",
 * "-Infinity". It does not validate: a non-finite number in a finite-only field (an
 * estimate's sharpness, say) encodes, but the result will not decode.
 */
export function encodeEvent(event: LyapEvent): string {
  // A replacer makes JSON.stringify several times slower; most events need none. JSON.stringify
  // writes a non-finite number as null, so text without "null" had none: the walk over the
  // event is only needed when the plain text has one (a null, or the word in a string).
  const plain = JSON.stringify(event);
  if (!plain.includes('null') || !hasNonFinite(event)) return plain;
  return JSON.stringify(event, replaceNonFinite);
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasNonFinite);
  for (const key in value) {
    if (hasNonFinite((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

export interface DeadLetterInput {
  sourceTopic: string;
  partition?: number | undefined;
  offset?: string | undefined;
  key?: string | undefined;
  error: string;
  raw: string | Uint8Array;
  runId?: string | undefined;
  ts: number;
}

function lossyUtf8Prefix(bytes: Uint8Array, maxBytes: number): string {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  if (bytes.byteLength <= maxBytes) return decoder.decode(bytes);
  // stream: true holds back a character cut by the prefix instead of emitting U+FFFD for it.
  return decoder.decode(bytes.subarray(0, maxBytes), { stream: true });
}

/**
 * Builds the dead letter for a rejected payload. Throws a TypeError when the
 * arguments cannot make a valid dead letter (bad topic, partition, offset or ts).
 */
export function makeDeadLetter(input: DeadLetterInput): DeadLetterEvent {
  const text =
    typeof input.raw === 'string' ? input.raw : lossyUtf8Prefix(input.raw, MAX_DEAD_LETTER_RAW_BYTES);
  const candidate: Record<string, unknown> = {
    v: 1,
    type: 'dead-letter',
    runId: isRunId(input.runId) ? input.runId : 'unknown',
    ts: input.ts,
    sourceTopic: input.sourceTopic,
  };
  if (input.partition !== undefined) candidate['partition'] = input.partition;
  if (input.offset !== undefined) candidate['offset'] = input.offset;
  if (input.key !== undefined) candidate['key'] = input.key;
  candidate['error'] = truncateChars(input.error, MAX_DEAD_LETTER_ERROR_CHARS);
  candidate['raw'] = truncateUtf8(text, MAX_DEAD_LETTER_RAW_BYTES);
  const result = DeadLetterEvent.safeParse(candidate, PARSE_PARAMS);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first === undefined ? '' : `${formatPath(first.path)}: `;
    throw new TypeError(`makeDeadLetter: ${where}${first?.message ?? 'invalid input'}`, {
      cause: result.error,
    });
  }
  return result.data;
}
