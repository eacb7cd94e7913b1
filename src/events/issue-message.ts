import type { z } from 'zod';

const PREVIEW_CHARS = 32;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

/** A short one-line rendering of a received value: strings quoted and cut, containers by type. */
export function preview(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > PREVIEW_CHARS ? `${value.slice(0, PREVIEW_CHARS)}…` : value;
    return JSON.stringify(cut);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return typeName(value);
}

/** `probe.lyapunov.gram[1][0]`; keys that are not identifiers are quoted: `layerGradNorms["conv1/w"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** A number is shown by value (`received 1.5` for an integer field), anything else by type. */
function received(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeName(value);
}

function sizeOf(value: unknown): string {
  if (typeof value === 'string' || Array.isArray(value)) return String(value.length);
  return preview(value);
}

function bound(
  kind: 'at least' | 'at most',
  issue: { origin: string; inclusive?: boolean | undefined; input?: unknown },
  limit: number | bigint,
): string {
  const unit = issue.origin === 'string' ? 'character' : issue.origin === 'array' ? 'item' : '';
  if (unit !== '') {
    return `expected ${kind} ${limit} ${unit}${limit === 1 ? '' : 's'}, received ${sizeOf(issue.input)}`;
  }
  const op =
    kind === 'at least' ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
  return `expected ${op} ${limit}, received ${preview(issue.input)}`;
}

/** Messages of the form `expected …, received …`, used for every decode issue zod raises. */
export const issueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'integer' : issue.expected}, received ${received(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, received ${preview(issue.input)}`;
    case 'too_big':
      return bound('at most', issue, issue.maximum);
    case 'too_small':
      return bound('at least', issue, issue.minimum);
    case 'invalid_format':
      return `expected a string matching ${issue.pattern ?? issue.format}, received ${preview(issue.input)}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues[0]?.message ?? 'rejected'}`;
    default:
      return undefined;
  }
};
