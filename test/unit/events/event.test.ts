import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_TOPIC_PREFIX,
  EVENT_TYPES,
  LyapEvent,
  isEventType,
  topicForType,
  topicNames,
  type EventType,
} from '../../../src/events/index.js';

describe('events > LyapEvent', () => {
  it('lists in EVENT_TYPES exactly the types of the union', () => {
    const unionTypes = LyapEvent.options.map((option) => option.shape.type.value);
    assert.deepEqual([...EVENT_TYPES], unionTypes);
    assert.deepEqual(EVENT_TYPES, [
      'run',
      'gradient',
      'trajectory',
      'estimate',
      'lr-command',
      'alert',
      'dead-letter',
    ]);
  });

  it('recognises event types without reading the prototype chain', () => {
    assert.equal(isEventType('gradient'), true);
    for (const value of ['constructor', 'toString', '__proto__', 'Gradient', 7, undefined]) {
      assert.equal(isEventType(value), false);
    }
  });
});

describe('events > topics', () => {
  it('names the topics with the default prefix lyap.', () => {
    assert.equal(DEFAULT_TOPIC_PREFIX, 'lyap.');
    assert.deepEqual(
      { ...topicNames() },
      {
        runs: 'lyap.runs',
        gradients: 'lyap.gradients',
        trajectory: 'lyap.trajectory',
        estimates: 'lyap.estimates',
        control: 'lyap.control',
        alerts: 'lyap.alerts',
        dlq: 'lyap.dlq',
      },
    );
  });

  it('names the topics with a custom prefix, including none', () => {
    assert.equal(topicNames('test-42_a.').gradients, 'test-42_a.gradients');
    assert.equal(topicNames('').dlq, 'dlq');
    assert.equal(topicNames('p'.repeat(200)).runs, `${'p'.repeat(200)}runs`);
  });

  it('throws a RangeError for a prefix Kafka would refuse', () => {
    for (const prefix of ['lyap/', 'with space.', 'ünï.', 'p'.repeat(201)]) {
      assert.throws(() => topicNames(prefix), RangeError, prefix);
    }
  });

  it('maps every event type to its topic', () => {
    const topics = topicNames('x.');
    const expected: Record<EventType, string> = {
      run: 'x.runs',
      gradient: 'x.gradients',
      trajectory: 'x.trajectory',
      estimate: 'x.estimates',
      'lr-command': 'x.control',
      alert: 'x.alerts',
      'dead-letter': 'x.dlq',
    };
    for (const type of EVENT_TYPES) assert.equal(topicForType(type, topics), expected[type]);
  });
});
