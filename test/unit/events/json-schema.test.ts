import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';

import { EVENT_TYPES, eventJsonSchemaFiles, eventJsonSchemas } from '../../../src/events/index.js';

const schemasDir = new URL('../../../schemas/', import.meta.url);

describe('events > JSON Schema', () => {
  it('has one schema file per event type and one for the union', () => {
    assert.deepEqual(
      Object.keys(eventJsonSchemas()).sort(),
      [...EVENT_TYPES.map((type) => `${type}.schema.json`), 'event.schema.json'].sort(),
    );
  });

  it('matches the committed files in schemas/ (run `npm run schemas` after changing src/events)', () => {
    const expected = eventJsonSchemaFiles();
    const committed = readdirSync(schemasDir).filter((name) => name.endsWith('.schema.json'));
    assert.deepEqual(committed.sort(), Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) {
      assert.equal(readFileSync(new URL(name, schemasDir), 'utf8'), text, `schemas/${name} is stale`);
    }
  });

  it('gives every schema an $id, a title and a description', () => {
    for (const [name, schema] of Object.entries(eventJsonSchemas())) {
      const s = schema as Record<string, unknown>;
      assert.equal(s['$id'], `https://lyapunov-pipeline.dev/schemas/v1/${name}`);
      assert.equal(s['$schema'], 'https://json-schema.org/draft/2020-12/schema');
      assert.equal(typeof s['title'], 'string');
      assert.equal(typeof s['description'], 'string');
    }
  });

  it('describes the wire form: measured numbers also accept "NaN", "Infinity", "-Infinity" and null', () => {
    const gradient = eventJsonSchemas()['gradient.schema.json'] as {
      properties: Record<string, { anyOf?: unknown }>;
      additionalProperties?: unknown;
    };
    assert.deepEqual(gradient.properties['loss']?.anyOf, [
      { type: 'number' },
      { type: 'string', enum: ['NaN', 'Infinity', '-Infinity'] },
      { type: 'null' },
    ]);
    assert.equal(gradient.additionalProperties, undefined, 'unknown properties must stay allowed');
  });

  it('requires status on a run end', () => {
    const run = eventJsonSchemas()['run.schema.json'] as Record<string, unknown>;
    assert.deepEqual(run['then'], { required: ['status'] });
  });
});
