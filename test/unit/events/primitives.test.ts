import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  MAX_K,
  Matrix,
  MeasuredNumber,
  RunId,
  Step,
  TimestampMs,
  isRunId,
} from '../../../src/events/index.js';

describe('events > primitives', () => {
  it('reads MeasuredNumber from a number, the three strings, or null', () => {
    assert.equal(MeasuredNumber.parse(-2.5), -2.5);
    assert.ok(Number.isNaN(MeasuredNumber.parse('NaN')));
    assert.ok(Number.isNaN(MeasuredNumber.parse(null)));
    assert.equal(MeasuredNumber.parse('Infinity'), Number.POSITIVE_INFINITY);
    assert.equal(MeasuredNumber.parse('-Infinity'), Number.NEGATIVE_INFINITY);
    for (const bad of ['nan', 'inf', '1', true, [], {}, undefined])
      assert.equal(MeasuredNumber.safeParse(bad).success, false);
  });

  it('also takes NaN and ±Infinity as JS numbers, so a decoded event validates again', () => {
    assert.ok(Number.isNaN(MeasuredNumber.parse(Number.NaN)));
    assert.equal(MeasuredNumber.parse(Number.NEGATIVE_INFINITY), Number.NEGATIVE_INFINITY);
  });

  it('accepts square matrices up to MAX_K and names the short row', () => {
    assert.equal(MAX_K, 8);
    assert.deepEqual(
      Matrix.parse([
        [1, 'NaN'],
        [null, 2],
      ]),
      [
        [1, Number.NaN],
        [Number.NaN, 2],
      ],
    );
    const result = Matrix.safeParse([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2],
    ]);
    assert.ok(!result.success);
    assert.deepEqual(
      result.error.issues.map((issue) => issue.path),
      [[2]],
    );
    assert.equal(Matrix.safeParse([]).success, false);
    assert.equal(Matrix.safeParse([[1, 2]]).success, false);
  });

  it('bounds RunId to 1-128 characters of [A-Za-z0-9._:-]', () => {
    for (const ok of ['a', 'run-1', 'exp.3:seed_7', 'r'.repeat(128)]) {
      assert.equal(RunId.safeParse(ok).success, true, ok);
      assert.equal(isRunId(ok), true, ok);
    }
    for (const bad of ['', 'r'.repeat(129), 'a b', 'a/b', 'ä', 7]) {
      assert.equal(RunId.safeParse(bad).success, false, String(bad));
      assert.equal(isRunId(bad), false, String(bad));
    }
  });

  it('takes Step and TimestampMs as safe non-negative integers', () => {
    for (const schema of [Step, TimestampMs]) {
      assert.equal(schema.safeParse(0).success, true);
      assert.equal(schema.safeParse(Number.MAX_SAFE_INTEGER).success, true);
      for (const bad of [-1, 0.5, 2 ** 53, '1']) assert.equal(schema.safeParse(bad).success, false);
    }
  });
});
