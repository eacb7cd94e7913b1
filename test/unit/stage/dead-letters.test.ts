import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAlerter } from '../../../src/alerts/index.js';
import { startController } from '../../../src/controller/index.js';
import { topicNames, type DeadLetterEvent } from '../../../src/events/index.js';
import { startProcessor } from '../../../src/processor/index.js';
import { LrIntake } from '../../../src/trainer/lr-intake.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { readSealed } from '../../helpers/memory-topics.js';

const topics = topicNames();
const GARBAGE = '{"v":1,"type":"estimate","runId":"r1"';

interface Case {
  stage: string;
  input: string;
  start: (bus: MemoryBus) => { done: Promise<void>; stop: () => void };
  invalid: () => number;
}

function cases(): Case[] {
  let invalid = (): number => NaN;
  return [
    {
      stage: 'processor',
      input: topics.gradients,
      start: (bus) => {
        const p = startProcessor({ bus, fromBeginning: true });
        invalid = () => p.stats.deadLetters;
        return p;
      },
      invalid: () => invalid(),
    },
    {
      stage: 'controller',
      input: topics.estimates,
      start: (bus) => {
        const c = startController({ bus, fromBeginning: true });
        invalid = () => c.stats.invalid;
        return c;
      },
      invalid: () => invalid(),
    },
    {
      stage: 'alerter',
      input: topics.estimates,
      start: (bus) => {
        const a = startAlerter({ bus, fromBeginning: true });
        invalid = () => a.stats.invalid;
        return a;
      },
      invalid: () => invalid(),
    },
    {
      stage: "the trainer's command intake",
      input: topics.control,
      start: (bus) => {
        const intake = new LrIntake({
          bus,
          topics,
          runId: 'r1',
          bounds: { minLr: 1e-6, maxLr: 10 },
          acceptUnsigned: false,
        });
        invalid = () => intake.stats.undecodable;
        return {
          done: intake.done,
          stop: () => {
            intake.close();
          },
        };
      },
      invalid: () => invalid(),
    },
  ];
}

describe('stage > bad input is dead-lettered the same way by every stage', () => {
  for (const c of cases()) {
    it(`${c.stage}: a payload on ${c.input} that does not decode goes to the dead-letter topic with its reason`, async () => {
      const bus = new MemoryBus();
      const handle = c.start(bus);
      await bus.publish(c.input, [{ key: 'r1', value: GARBAGE }]);
      // Every input of every stage ends, so that the stage finishes by itself.
      for (const topic of [
        topics.runs,
        topics.gradients,
        topics.trajectory,
        topics.estimates,
        topics.control,
      ])
        bus.seal(topic);
      await handle.done;
      handle.stop();
      assert.equal(c.invalid(), 1);
      const letters = (await readSealed(bus, topics.dlq)) as DeadLetterEvent[];
      assert.equal(letters.length, 1);
      const [letter] = letters;
      assert.equal(letter?.sourceTopic, c.input);
      assert.equal(letter?.offset, '0');
      assert.equal(letter?.key, 'r1');
      assert.equal(letter?.raw, GARBAGE);
      assert.match(letter?.error ?? '', /^invalid-json: /);
      await bus.close();
    });
  }
});
