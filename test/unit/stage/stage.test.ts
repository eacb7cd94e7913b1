import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { encodeEvent, topicNames } from '../../../src/events/index.js';
import { startStage } from '../../../src/stage/index.js';
import { MemoryBus, type Bus } from '../../../src/transport/index.js';
import { gradient, runEvent } from '../../helpers/events.js';
import { readSealed } from '../../helpers/memory-topics.js';

const topics = topicNames();

describe('stage > startStage', () => {
  it('hands accepted events to the handler, ignores other types and blanks, dead-letters what does not decode', async () => {
    const bus = new MemoryBus();
    const seen: number[] = [];
    const stage = startStage({
      bus,
      inputs: [topics.gradients],
      groupId: 'stage',
      fromBeginning: true,
      deadLetterTopic: topics.dlq,
      accepts: ['gradient'],
      clock: () => 42,
      handle: (event) => {
        seen.push(event.step);
        return [{ topic: topics.estimates, key: event.runId, event: runEvent(event.runId, 'start') }];
      },
    });
    await bus.publish(topics.gradients, [
      { key: 'r', value: encodeEvent(gradient('r', 0)) },
      { key: 'r', value: '{"v":1,' },
      { value: '   ' },
      { key: 'r', value: encodeEvent(runEvent('r', 'start')) },
      { key: 'r', value: encodeEvent(gradient('r', 1)) },
    ]);
    bus.seal(topics.gradients);
    await stage.done;

    assert.deepEqual(seen, [0, 1]);
    assert.deepEqual(stage.stats, {
      consumed: 5,
      handled: 2,
      ignored: 2,
      invalid: 1,
      deadLetters: 1,
      published: 2,
    });
    assert.equal(stage.acked(topics.gradients), 5);
    const [dead, ...rest] = await readSealed(bus, topics.dlq);
    assert.equal(rest.length, 0);
    assert.ok(dead?.type === 'dead-letter');
    assert.equal(dead.sourceTopic, topics.gradients);
    assert.equal(dead.offset, '1');
    assert.equal(dead.key, 'r');
    assert.equal(dead.raw, '{"v":1,');
    assert.equal(dead.ts, 42);
    assert.match(dead.error, /^invalid-json/);
    assert.equal((await readSealed(bus, topics.estimates)).length, 2);
  });

  it('only counts bad input when it has no dead-letter topic (a sink watching a checked topic)', async () => {
    const bus = new MemoryBus();
    const stage = startStage({
      bus,
      inputs: [topics.gradients],
      groupId: 'sink',
      fromBeginning: true,
      accepts: ['gradient'],
      handle: () => undefined,
    });
    await bus.publish(topics.gradients, [{ value: 'not json' }]);
    bus.seal(topics.gradients);
    await stage.done;
    assert.equal(stage.stats.invalid, 1);
    assert.equal(stage.stats.deadLetters, 0);
    assert.deepEqual(await readSealed(bus, topics.dlq), []);
  });

  it('publishes a batch before acknowledging it, so a crash between the two redelivers rather than loses', async () => {
    const inner = new MemoryBus();
    const order: string[] = [];
    const bus: Bus = {
      publish: async (topic, messages) => {
        order.push(`publish ${topic}`);
        await inner.publish(topic, messages);
      },
      consume: (t, options) =>
        inner.consume(t, options).pipe(
          map((d) => ({
            messages: d.messages,
            ack: (o?: { commit?: boolean }) => {
              order.push('ack');
              d.ack(o);
            },
          })),
        ),
      close: () => inner.close(),
    };
    const stage = startStage({
      bus,
      inputs: [topics.gradients],
      groupId: 'order',
      fromBeginning: true,
      accepts: ['gradient'],
      handle: (event) => [{ topic: topics.estimates, key: event.runId, event }],
    });
    await inner.publish(topics.gradients, [{ key: 'r', value: encodeEvent(gradient('r', 0)) }]);
    inner.seal(topics.gradients);
    await stage.done;
    assert.deepEqual(order, [`publish ${topics.estimates}`, 'ack']);
  });
});
