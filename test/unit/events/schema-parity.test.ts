import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

import { decodeEvent, EVENT_TYPES, type EventType } from '../../../src/events/index.js';
import { formatPath } from '../../../src/events/issue-message.js';
import { wireExamples } from './fixtures.js';

// The committed JSON Schemas (schemas/, generated from the zod definitions) and zod's decoder must
// make the same accept/reject decision on every payload, and point at the same field when both
// reject, except for the rules JSON Schema cannot state (json-schema.ts names them): those zod
// alone rejects, with the messages below.
const ZOD_ONLY_RULES = [
  /^expected \d+ entries \(a square \d+x\d+ matrix\)/,
  /^expected \d+ rows \(the size of gram\)/,
  /^expected an index below the burst length/,
  /^expected fewer discarded steps than the burst length/,
  /^expected at most \d+ layers/,
];

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = Object.fromEntries(
  EVENT_TYPES.map((type) => [
    type,
    ajv.compile(
      JSON.parse(
        readFileSync(new URL(`../../../schemas/${type}.schema.json`, import.meta.url), 'utf8'),
      ) as object,
    ),
  ]),
) as Record<EventType, ValidateFunction>;

/** The paths of ajv's errors as decodeEvent formats them (`probe.lyapunov.gram[1][0]`). */
function ajvPaths(errors: readonly ErrorObject[]): string[] {
  return errors.map((error) => {
    const parts: PropertyKey[] = error.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    if (error.keyword === 'required')
      parts.push((error.params as { missingProperty: string }).missingProperty);
    return formatPath(parts);
  });
}

/** Where two paths meet: one is the other or lies inside it (an anyOf is reported at its field). */
function related(a: string, b: string): boolean {
  const inside = (outer: string, inner: string): boolean =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`) || outer === '';
  return inside(a, b) || inside(b, a);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `value` (not the root). */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => {
    const child = (value as Record<string | number, Json>)[key] as Json;
    return [[...at, key], ...paths(child, [...at, key])];
  });
}

const REPLACEMENTS: Json[] = ['x', 'NaN', -1, 0, 1.5, 2 ** 53, null, true, {}, [], [[1]], '', 'a b'];

/** Each valid event with one value replaced, one key removed, or one unknown key added. */
function variants(event: Json): Json[] {
  const out: Json[] = [];
  for (const path of paths(event)) {
    const edit = (change: (parent: Record<string | number, Json>, key: string | number) => void): void => {
      const copy = structuredClone(event);
      let parent = copy as Record<string | number, Json>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
      change(parent, path.at(-1) ?? '');
      out.push(copy);
    };
    for (const replacement of REPLACEMENTS) {
      edit((parent, key) => {
        parent[key] = structuredClone(replacement);
      });
    }
    edit((parent, key) => {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else Reflect.deleteProperty(parent, key);
    });
    edit((parent, key) => {
      const child = parent[key];
      if (child !== null && typeof child === 'object' && !Array.isArray(child)) child['unknownField'] = 1;
    });
  }
  return out;
}

function validEvents(): Json[] {
  const examples = Object.values(wireExamples()) as Json[];
  const vectors = readFileSync(new URL('../../vectors/events.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Json);
  const golden = readFileSync(new URL('../../fixtures/replay-golden/events.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => decodeEvent(line).ok)
    .map((line) => JSON.parse(line) as Json)
    // One event of each shape the recording has (per type and set of keys at the top).
    .filter(
      (event, i, all) =>
        all.findIndex(
          (e) => JSON.stringify(Object.keys(e as object)) === JSON.stringify(Object.keys(event as object)),
        ) === i,
    );
  return [...examples, ...vectors, ...golden];
}

describe('events > the JSON Schemas and zod agree', () => {
  it('on accept/reject and on the field, for the fixtures, the shared vectors, the golden recording and variants of each', () => {
    let cases = 0;
    let rejectedByBoth = 0;
    let zodOnly = 0;
    for (const valid of validEvents()) {
      const type = (valid as { type: EventType }).type;
      for (const candidate of [valid, ...variants(valid)]) {
        cases++;
        const text = JSON.stringify(candidate);
        const decoded = decodeEvent(text);
        const validate = validators[type];
        const schemaAccepts = validate(JSON.parse(text));
        if (decoded.ok) {
          assert.ok(
            schemaAccepts,
            `zod accepts, ${type}.schema.json rejects ${text}: ${JSON.stringify(validate.errors)}`,
          );
          continue;
        }
        if (schemaAccepts) {
          assert.ok(
            ZOD_ONLY_RULES.some((rule) => decoded.error.issues.some((issue) => rule.test(issue.message))),
            `${type}.schema.json accepts, zod rejects (${decoded.error.message}): ${text}`,
          );
          zodOnly++;
          continue;
        }
        rejectedByBoth++;
        const zodPaths = decoded.error.issues.map((issue) => issue.path);
        const schemaPaths = ajvPaths(validate.errors ?? []);
        assert.ok(
          zodPaths.some((z) => schemaPaths.some((s) => related(z, s))),
          `different fields for ${text}: zod ${JSON.stringify(zodPaths)}, schema ${JSON.stringify(schemaPaths)}`,
        );
      }
    }
    assert.ok(cases > 5_000, `${cases} cases`);
    assert.ok(rejectedByBoth > cases / 2, `${rejectedByBoth} of ${cases} rejected by both`);
    assert.ok(zodOnly > 0, 'some variants break a rule only zod states');
  });
});
