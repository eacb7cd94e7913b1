import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import type { z } from 'zod';

import {
  DECODE_FAILURE_REASONS,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  decodeEvent,
} from '../../../src/events/index.js';

const docs = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
const ENVELOPE = new Set(['v', 'type', 'runId', 'ts']);

function jsonBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^ *```json\n([\s\S]*?)^ *```$/gm)].map((match) => match[1] ?? '');
}

/** The `### \`type\`` section of the docs, up to the next heading of level 2 or 3. */
function section(type: string): string {
  const start = docs.indexOf(`### \`${type}\``);
  assert.ok(start >= 0, `docs/events.md has no section for ${type}`);
  const rest = docs.slice(start + 4);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Every object key in a schema, at any depth. */
function fieldNames(schema: z.core.$ZodType): string[] {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape).flatMap(([key, child]) => [key, ...fieldNames(child)]);
    case 'optional':
      return fieldNames(def.innerType);
    case 'pipe':
      return fieldNames(def.in);
    case 'array':
      return fieldNames(def.element);
    default:
      return [];
  }
}

describe('events > docs/events.md', () => {
  const blocks = jsonBlocks(docs);

  it('has a JSON example of every event type', () => {
    const types = new Set(blocks.map((block) => (JSON.parse(block) as { type?: unknown }).type));
    for (const type of EVENT_TYPES) assert.ok(types.has(type), `no example of ${type}`);
  });

  it('has only examples that decode', () => {
    assert.ok(blocks.length >= EVENT_TYPES.length);
    for (const block of blocks) {
      const result = decodeEvent(block);
      assert.ok(result.ok, result.ok ? '' : `${result.error.message}\n${block}`);
    }
  });

  it('documents every field of every event in its section', () => {
    for (const type of EVENT_TYPES) {
      const text = section(type);
      for (const field of fieldNames(EVENT_SCHEMAS[type])) {
        if (ENVELOPE.has(field)) continue;
        assert.ok(
          text.includes(`\`${field}\``) || text.includes(`\`${field}?\``),
          `${type}.${field} is not documented`,
        );
      }
    }
  });

  it('lists every decode failure reason', () => {
    for (const reason of DECODE_FAILURE_REASONS) assert.ok(docs.includes(`| \`${reason}\``), reason);
  });
});
