import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { EstimateEvent, GradientEvent, encodeEvent } from '../../../src/events/index.js';
import { gradient, wireExamples } from './fixtures.js';

describe('events > encodeEvent', () => {
  it('writes compact JSON in the key order of the object', () => {
    const event = GradientEvent.parse(gradient());
    const text = encodeEvent(event);
    assert.equal(text.includes(' '), false);
    assert.deepEqual(Object.keys(JSON.parse(text) as object), Object.keys(event));
    assert.ok(text.startsWith('{"v":1,"type":"gradient","runId":"run-1","ts":1700000000000,"step":120,'));
  });

  it('writes NaN and ±Infinity as strings at any depth', () => {
    const event = GradientEvent.parse(
      gradient({
        loss: Number.NaN,
        gradNorm: Number.POSITIVE_INFINITY,
        layerGradNorms: { a: Number.NEGATIVE_INFINITY },
        probe: undefined,
      }),
    );
    const wire = JSON.parse(encodeEvent(event)) as Record<string, unknown>;
    assert.equal(wire['loss'], 'NaN');
    assert.equal(wire['gradNorm'], 'Infinity');
    assert.deepEqual(wire['layerGradNorms'], { a: '-Infinity' });
  });

  it('writes a null the plain text has for another reason the same as JSON.stringify', () => {
    // The text "null" sends encodeEvent to look for non-finite numbers: here it finds none.
    const event = GradientEvent.parse(
      gradient({ runId: 'null', layerGradNorms: { null: 1 }, probe: undefined }),
    );
    assert.equal(encodeEvent(event), JSON.stringify(event));
    const nan = GradientEvent.parse(gradient({ runId: 'null', loss: Number.NaN, probe: undefined }));
    assert.equal((JSON.parse(encodeEvent(nan)) as Record<string, unknown>)['loss'], 'NaN');
  });

  it('omits optional fields that are undefined', () => {
    const event = EstimateEvent.parse(wireExamples().estimate);
    const text = encodeEvent({ ...event, predictedLyapunov: undefined, degenerate: undefined });
    assert.equal(text.includes('predictedLyapunov'), false);
    assert.equal(text.includes('degenerate'), false);
  });
});
