import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RingBuffer } from '../../../src/dynamics/ring-buffer.js';

describe('dynamics > RingBuffer', () => {
  it('keeps the last `capacity` values oldest first and returns each evicted value in FIFO order', () => {
    const buffer = new RingBuffer(3);
    assert.deepEqual(
      [1, 2, 3].map((x) => buffer.push(x)),
      [undefined, undefined, undefined],
    );
    assert.equal(buffer.full, true);
    assert.deepEqual(
      [4, 5, 6, 7].map((x) => buffer.push(x)),
      [1, 2, 3, 4],
    );
    assert.deepEqual(buffer.toArray(), [5, 6, 7]);
    assert.equal(buffer.size, 3);
    assert.equal(buffer.capacity, 3);
  });

  it('indexes from the oldest (0) and from the newest (−1)', () => {
    const buffer = new RingBuffer(4);
    for (const x of [10, 20, 30, 40, 50]) buffer.push(x);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => buffer.at(i)),
      [20, 30, 40, 50],
    );
    assert.equal(buffer.at(-1), 50);
    assert.equal(buffer.at(-4), 20);
    assert.equal(buffer.at(4), undefined);
    assert.equal(buffer.at(-5), undefined);
    assert.throws(() => buffer.at(0.5), RangeError);
  });

  it('reports size while filling and empties on clear', () => {
    const buffer = new RingBuffer(2);
    assert.equal(buffer.size, 0);
    assert.equal(buffer.full, false);
    buffer.push(1);
    assert.equal(buffer.size, 1);
    buffer.clear();
    assert.equal(buffer.size, 0);
    assert.deepEqual(buffer.toArray(), []);
    assert.equal(buffer.push(9), undefined);
    assert.deepEqual(buffer.toArray(), [9]);
  });

  it('rejects non-finite values and invalid capacities', () => {
    const buffer = new RingBuffer(2);
    assert.throws(() => buffer.push(NaN), TypeError);
    assert.throws(() => buffer.push(-Infinity), TypeError);
    assert.equal(buffer.size, 0);
    assert.throws(() => new RingBuffer(0), RangeError);
    assert.throws(() => new RingBuffer(2.5), RangeError);
  });
});
