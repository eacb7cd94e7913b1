import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startController, type ControlMode } from '../../../src/controller/index.js';
import {
  decodeEvent,
  encodeEvent,
  topicNames,
  verifyCommandSignature,
  type EstimateEvent,
  type LrCommandEvent,
} from '../../../src/events/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { estimateAt } from '../../helpers/events.js';

const topics = topicNames();
const T = 1_700_000_000_000;

const estimate = (runId: string, step: number): EstimateEvent => estimateAt(step, { runId, samples: 20 });

async function runController(
  mode: ControlMode,
  signingKey?: string,
): Promise<{ commands: LrCommandEvent[]; decided: number }> {
  const bus = new MemoryBus();
  let decided = 0;
  const controller = startController({
    bus,
    config: { mode, rule: 'quasi-newton' },
    clock: () => T + 100,
    signingKey,
    fromBeginning: true,
    onDecision: (_e, d) => {
      if (d.kind === 'command') decided++;
    },
  });
  const events = ['a', 'b'].flatMap((run) => Array.from({ length: 8 }, (_, s) => estimate(run, s)));
  await bus.publish(topics.estimates, [
    ...events.map((e) => ({ key: e.runId, value: encodeEvent(e) })),
    { key: 'x', value: 'garbage' },
  ]);
  for (let i = 0; i < 2000 && controller.stats.estimates < events.length; i++)
    await new Promise((r) => setTimeout(r, 5));
  const commands: LrCommandEvent[] = [];
  bus.seal(topics.control);
  await new Promise<void>((resolve) => {
    bus.consume([topics.control], { groupId: 'test', fromBeginning: true }).subscribe({
      next: (d) => {
        for (const m of d.messages) {
          const decoded = decodeEvent(m.value);
          if (decoded.ok && decoded.event.type === 'lr-command') commands.push(decoded.event);
        }
        d.ack();
      },
      complete: resolve,
    });
  });
  assert.equal(controller.stats.invalid, 1, 'the garbage estimate is counted, not fatal');
  controller.stop();
  await bus.close();
  return { commands, decided };
}

describe('controller > pipeline over the bus', () => {
  it('control: publishes one command per run, seq = the estimate step, keyed by run', async () => {
    const { commands } = await runController('control');
    assert.deepEqual(
      commands.map((c) => [c.runId, c.seq, c.basedOnStep, c.reason, c.advisory]),
      [
        ['a', 4, 4, 'quasi-newton', undefined],
        ['b', 4, 4, 'quasi-newton', undefined],
      ],
    );
  });

  it('advise: publishes the same commands marked advisory', async () => {
    const { commands } = await runController('advise');
    assert.equal(commands.length, 2);
    assert.ok(commands.every((c) => c.advisory === true));
  });

  it('observe: decides but publishes nothing', async () => {
    const { commands, decided } = await runController('observe');
    assert.equal(decided, 2);
    assert.deepEqual(commands, []);
  });

  it('signs every command when a key is set', async () => {
    const { commands } = await runController('control', 'k3y');
    assert.equal(commands.length, 2);
    for (const c of commands) {
      assert.equal(verifyCommandSignature(c, 'k3y'), true);
      assert.equal(verifyCommandSignature(c, 'other'), false);
    }
  });
});
