// When a group consumer says it has joined: not at kafkajs's GROUP_JOIN, when a new group reading
// from the end does not yet know where the end is, but once its first fetch after the join has
// ended (kafkajs looks up the start positions at the start of each fetch). A command published
// between the two was skipped by the trainer's intake; the real broker's side of this is in
// test/integration/kafka/threaded-intake.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import kafkajs from 'kafkajs';
import type { Consumer } from 'kafkajs';
import { consumeGroup } from '../../../../src/transport/kafka/group-consumer.js';

/** A kafkajs consumer that does nothing but emit the instrumentation events it is told to. */
function fakeConsumer(): { consumer: Consumer; emit: (event: string, payload?: object) => void } {
  const emitter = new EventEmitter();
  const consumer = {
    events: fakeEvents,
    on: (event: string, listener: (e: { payload: object }) => void) => {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
  } as unknown as Consumer;
  return {
    consumer,
    emit: (event, payload = {}) =>
      emitter.emit(event, { id: 0, type: event, timestamp: Date.now(), payload }),
  };
}

/** kafkajs's own names of the consumer events the group consumer listens to. */
const fakeEvents = {
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  CRASH: 'consumer.crash',
};

describe('transport > kafka > group consumer > joined', () => {
  it('uses kafkajs’s event names', () => {
    const { GROUP_JOIN, FETCH_START, FETCH, CRASH } = new kafkajs.Kafka({
      brokers: ['127.0.0.1:1'],
    }).consumer({
      groupId: 'names',
    }).events;
    assert.deepEqual({ GROUP_JOIN, FETCH_START, FETCH, CRASH }, fakeEvents);
  });

  it('says so once the first fetch after a join has ended, not at the join; again after a rejoin', () => {
    const { consumer, emit } = fakeConsumer();
    let joins = 0;
    let close!: () => void;
    const subscription = consumeGroup({
      consumer,
      topics: ['t'],
      groupId: 'g',
      fromBeginning: false,
      maxBatchSize: 10,
      heartbeatIntervalMs: 1000,
      logger: () => undefined,
      prepare: () => Promise.resolve(),
      closing: new Promise<void>((resolve) => (close = resolve)),
      closeGraceMs: 0,
      onStop: () => undefined,
      onJoined: () => {
        joins++;
      },
    }).subscribe();
    try {
      // A fetch of the last generation ends after the join: its lookup was before the join.
      emit(fakeEvents.FETCH_START, { nodeId: 1 });
      emit(fakeEvents.GROUP_JOIN, { groupId: 'g' });
      emit(fakeEvents.FETCH, { nodeId: 1, duration: 3, numberOfBatches: 0 });
      assert.equal(joins, 0, 'not at the join, nor at the end of a fetch begun before it');
      emit(fakeEvents.FETCH_START, { nodeId: 2 });
      assert.equal(joins, 0, 'not while the first fetch after the join looks up the start positions');
      emit(fakeEvents.FETCH_START, { nodeId: 1 });
      emit(fakeEvents.FETCH, { nodeId: 1, duration: 1, numberOfBatches: 0 });
      assert.equal(joins, 0, 'the end of another node’s fetch does not count');
      emit(fakeEvents.FETCH, { nodeId: 2, duration: 1000, numberOfBatches: 0 });
      assert.equal(joins, 1, 'once that fetch has ended');
      emit(fakeEvents.FETCH_START, { nodeId: 2 });
      emit(fakeEvents.FETCH, { nodeId: 2, duration: 1000, numberOfBatches: 0 });
      assert.equal(joins, 1, 'later fetches say nothing');
      emit(fakeEvents.GROUP_JOIN, { groupId: 'g' });
      emit(fakeEvents.FETCH_START, { nodeId: 1 });
      emit(fakeEvents.FETCH, { nodeId: 1, duration: 2, numberOfBatches: 0 });
      assert.equal(joins, 2, 'a rejoin is told the same way');
    } finally {
      subscription.unsubscribe();
      close();
    }
  });
});
