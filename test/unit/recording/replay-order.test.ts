import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent } from '../../../src/events/index.js';
import { orderForReplay, recordFilter } from '../../../src/recording/index.js';
import type { BusMessage } from '../../../src/transport/index.js';
import { gradient, runEvent, trajectory } from '../../helpers/events.js';

const message = (topic: string, value: string, key?: string): BusMessage => ({
  topic,
  partition: 0,
  offset: '0',
  value,
  timestampMs: 0,
  ...(key === undefined ? {} : { key }),
});

describe('recording > replay order', () => {
  it("keeps one run's records, by key, or by the runId in the JSON when there is no key", () => {
    const keep = recordFilter('a');
    assert.ok(keep(message('g', encodeEvent(gradient('a', 0)), 'a')));
    assert.equal(keep(message('g', encodeEvent(gradient('b', 0)), 'b')), undefined);
    assert.ok(keep(message('g', encodeEvent(gradient('a', 1)))));
    assert.equal(keep(message('g', encodeEvent(gradient('b', 1)))), undefined);
    assert.equal(keep(message('g', 'not json')), undefined, 'no key, no run id');
    assert.equal(keep(message('g', 'not json', 'a'))?.text, 'not json', 'kept byte for byte by its key');
  });

  it('merges topics into the trainer order: start, then per step gradient before trajectory, then end', () => {
    const keep = recordFilter('a');
    const arrived = [
      keep(message('runs', encodeEvent(runEvent('a', 'end')), 'a')),
      keep(message('traj', encodeEvent(trajectory('a', 0)), 'a')),
      keep(message('traj', encodeEvent(trajectory('a', 1)), 'a')),
      keep(message('grad', encodeEvent(gradient('a', 1)), 'a')),
      keep(message('grad', encodeEvent(gradient('a', 0)), 'a')),
      keep(message('runs', encodeEvent(runEvent('a', 'start')), 'a')),
    ].filter((l) => l !== undefined);
    const order = orderForReplay(arrived).map((l) => {
      const e = JSON.parse(l.text) as { type: string; step?: number; phase?: string };
      return e.type === 'run' ? `run:${e.phase ?? ''}` : `${e.type}:${String(e.step)}`;
    });
    assert.deepEqual(order, [
      'run:start',
      'gradient:0',
      'trajectory:0',
      'gradient:1',
      'trajectory:1',
      'run:end',
    ]);
  });
});
