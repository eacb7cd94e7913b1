import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import {
  CommandKeyring,
  encodeEvent,
  parseCommandKeys,
  signCommand,
  topicNames,
  type GradientEvent,
  type LrCommandEvent,
} from '../../../src/events/index.js';
import {
  createQuadratic,
  LrCommandQueue,
  LrIntake,
  noData,
  train,
  type CommandRecord,
  type LrIntakeOptions,
} from '../../../src/trainer/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { lrCommand } from '../../helpers/events.js';

const topics = topicNames();

/** The intake of run `run-a` on `bus`, unsigned commands refused. */
const intakeFor = (bus: MemoryBus, options: Partial<LrIntakeOptions>): LrIntake =>
  new LrIntake({ bus, topics, runId: 'run-a', bounds, acceptUnsigned: false, ...options });
const command = lrCommand;
const bounds = { minLr: 1e-3, maxLr: 1 };

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition not reached');
}

describe('trainer > lr command queue', () => {
  it('applies the waiting commands at a boundary in seq order: the newest sets the rate', () => {
    const q = new LrCommandQueue('run-a', bounds);
    assert.equal(q.take(), undefined);
    assert.equal(q.offer(command(3, 0.3)), 'queued');
    assert.equal(q.offer(command(1, 0.1)), 'queued');
    assert.equal(q.offer(command(2, 0.2)), 'queued');
    assert.deepEqual(q.take(), { lr: 0.3, seq: 3, requestedLr: 0.3, applied: 3, superseded: [1, 2] });
    assert.equal(q.take(), undefined);
  });

  it('ignores stale and duplicate seq and other runs', () => {
    const q = new LrCommandQueue('run-a', bounds);
    q.offer(command(5, 0.5));
    assert.equal(q.offer(command(5, 0.5)), 'duplicate');
    q.take();
    assert.equal(q.offer(command(5, 0.5)), 'duplicate');
    assert.equal(q.offer(command(4, 0.4)), 'stale');
    assert.equal(q.offer(command(9, 0.4, 'run-b')), 'other-run');
    assert.equal(q.take(), undefined);
    assert.equal(q.lastSeq, 5);
  });

  it('clamps to the configured bounds', () => {
    const q = new LrCommandQueue('run-a', bounds);
    q.offer(command(1, 7));
    assert.deepEqual(q.take(), { lr: 1, seq: 1, requestedLr: 7, applied: 1, superseded: [] });
    q.offer(command(2, 1e-9));
    assert.equal(q.take()?.lr, 1e-3);
    assert.throws(() => new LrCommandQueue('x', { minLr: 0, maxLr: 1 }), RangeError);
  });
});

describe('trainer > lr intake', () => {
  it('takes commands for its run from the control topic when unsigned commands are accepted', async () => {
    const bus = new MemoryBus();
    const log: string[] = [];
    const intake = new LrIntake({
      bus,
      topics,
      runId: 'run-a',
      bounds,
      acceptUnsigned: true,
      silenceSteps: 3,
      log: (m) => log.push(m),
    });
    await bus.publish(topics.control, [
      { key: 'run-b', value: encodeEvent(command(1, 0.5, 'run-b')) },
      { key: 'run-a', value: 'not json' },
      { key: 'run-a', value: encodeEvent(command(1, 0.5)) },
      { key: 'run-a', value: encodeEvent(command(1, 0.5)) },
    ]);
    await until(() => intake.stats.received === 2);
    assert.deepEqual(intake.take(1), { lr: 0.5, seq: 1 });
    assert.equal(intake.take(2), undefined);
    assert.deepEqual(intake.stats, {
      received: 2,
      applied: 1,
      ignoredOtherRun: 1,
      ignoredStaleOrDuplicate: 1,
      ignoredUnverified: 0,
      rejectedUnsigned: 0,
      rejectedForged: 0,
      rejectedUnknownKey: 0,
      advisory: 0,
      clamped: 0,
      undecodable: 1,
    });
    intake.take(5);
    assert.match(log.join('\n'), /accepting unsigned lr-commands/);
    assert.match(log.join('\n'), /no lr-command for 4 steps: keeping the last learning rate/);
    intake.close();
  });

  it('with a key: applies a valid signed command; rejects and counts forged, unsigned, replayed and other-run ones', async () => {
    const bus = new MemoryBus();
    const log: string[] = [];
    const key = 'shared-secret';
    const intake = new LrIntake({
      bus,
      topics,
      runId: 'run-a',
      bounds,
      acceptUnsigned: true,
      signingKey: key,
      log: (m) => log.push(m),
    });
    const valid = signCommand(command(3, 0.3), key);
    await bus.publish(topics.control, [
      { value: encodeEvent(valid) },
      { value: encodeEvent({ ...valid, lr: 0.9 }) }, // forged: tampered after signing
      { value: encodeEvent(signCommand(command(4, 0.4), 'wrong-key')) }, // forged: another key
      { value: encodeEvent(command(5, 0.5)) }, // unsigned, although the key is set
      { value: encodeEvent(signCommand(command(7, 0.7, 'run-b'), key)) }, // another run
    ]);
    await until(() => intake.stats.received === 4 && intake.stats.ignoredOtherRun === 1);
    assert.deepEqual(intake.take(10), { lr: 0.3, seq: 3 }, 'only the valid command applies');
    await bus.publish(topics.control, [{ value: encodeEvent(signCommand(command(2, 0.2), key)) }]); // replayed: old seq
    await until(() => intake.stats.received === 5);
    assert.equal(intake.take(11), undefined);
    assert.equal(intake.stats.rejectedForged, 2);
    assert.equal(intake.stats.rejectedUnsigned, 1);
    assert.equal(intake.stats.ignoredOtherRun, 1);
    assert.equal(intake.stats.ignoredStaleOrDuplicate, 1);
    assert.equal(intake.stats.applied, 1);
    assert.match(log.join('\n'), /rejected lr-command seq 5: unsigned/);
    assert.match(log.join('\n'), /rejected lr-command seq 4: its signature does not match/);
    intake.close();
  });

  it('applies a newer controller’s command, with fields and a reason it does not know, verified over every signed field', async () => {
    const bus = new MemoryBus();
    const log: string[] = [];
    const key = 'shared-secret';
    const intake = intakeFor(bus, { signingKey: key, log: (m) => log.push(m) });
    // As a newer controller writes it: fields this version's LrCommandEvent does not have.
    const newer = (seq: number, lr: number): LrCommandEvent =>
      ({
        ...command(seq, lr),
        reason: 'momentum-aware',
        horizon: 40,
        plan: { w: [0.1, 1e-7] },
      }) as LrCommandEvent;
    const signed = (seq: number, lr: number): LrCommandEvent => signCommand(newer(seq, lr), key);
    const withoutPlan: Record<string, unknown> = { ...signed(4, 0.4) };
    delete withoutPlan['plan'];
    await bus.publish(topics.control, [
      { value: encodeEvent(signed(1, 0.1)) },
      { value: encodeEvent(signed(2, 0.2)) },
      { value: encodeEvent({ ...signed(3, 0.3), horizon: 41 } as LrCommandEvent) }, // an unknown field changed
      { value: JSON.stringify(withoutPlan) }, // an unknown field dropped
    ]);
    await until(() => intake.stats.received === 4);
    assert.deepEqual(intake.take(0), { lr: 0.2, seq: 2 });
    assert.equal(intake.stats.applied, 2);
    assert.equal(intake.stats.rejectedForged, 2);
    assert.equal(intake.stats.undecodable, 0);
    const notices = log.filter((m) => m.includes('reason momentum-aware, which this trainer does not know'));
    assert.equal(notices.length, 1, log.join('\n'));
    intake.close();
  });

  it('tells what became of each command of its run, by seq and step, when it did', async () => {
    const bus = new MemoryBus();
    const key = 'shared-secret';
    const records: CommandRecord[] = [];
    let now = 100;
    const intake = intakeFor(bus, { signingKey: key, clock: () => now, onCommand: (r) => records.push(r) });
    await bus.publish(topics.control, [
      { value: encodeEvent(signCommand(command(1, 0.1), key)) },
      { value: encodeEvent(signCommand(command(2, 0.2), key)) },
      { value: encodeEvent(signCommand({ ...command(3, 0.3), advisory: true }, key)) },
      { value: encodeEvent(command(4, 0.4)) }, // unsigned
      { value: encodeEvent(signCommand(command(5, 0.5, 'run-b'), key)) }, // another run: not told
    ]);
    await until(() => intake.stats.received === 4);
    now = 200;
    assert.deepEqual(intake.take(7), { lr: 0.2, seq: 2 });
    await bus.publish(topics.control, [{ value: encodeEvent(signCommand(command(1, 0.1), key)) }]);
    await until(() => intake.stats.received === 5);
    assert.deepEqual(records, [
      { seq: 1, outcome: 'queued', atMs: 100 },
      { seq: 2, outcome: 'queued', atMs: 100 },
      { seq: 3, outcome: 'advisory', atMs: 100 },
      { seq: 4, outcome: 'unsigned', atMs: 100 },
      { seq: 1, outcome: 'superseded', atMs: 200, step: 7 },
      { seq: 2, outcome: 'applied', atMs: 200, step: 7 },
      { seq: 1, outcome: 'stale-or-duplicate', atMs: 200 },
    ]);
    intake.close();
  });

  it('with a keyring: applies commands of any held key, rejects an unknown key id, and follows a rotation', async () => {
    const bus = new MemoryBus();
    const log: string[] = [];
    const ring = new CommandKeyring(parseCommandKeys('old:s-old', 'test'), 'legacy');
    const intake = intakeFor(bus, { signingKey: ring, log: (m) => log.push(m) });
    const controller = new CommandKeyring(parseCommandKeys('old:s-old', 'test'));
    const send = (seq: number, key: Parameters<typeof signCommand>[1]): Promise<void> =>
      bus.publish(topics.control, [{ value: encodeEvent(signCommand(command(seq, seq / 10), key)) }]);
    await send(1, controller);
    await send(2, 'legacy'); // no keyId: the legacy key
    await send(3, { id: 'new', secret: 's-new' }); // too early: the trainer does not hold it yet
    await until(() => intake.stats.received === 3);
    assert.deepEqual(intake.take(1), { lr: 0.2, seq: 2 });
    assert.equal(intake.stats.rejectedUnknownKey, 1);
    assert.match(
      log.join('\n'),
      /seq 3: signed with key id new, which this trainer does not hold \(it holds old\)/,
    );
    // The rotation: trainers first, then the controller, then the old key retires.
    ring.replace(parseCommandKeys('old:s-old,new:s-new', 'test'));
    await send(4, controller); // in flight, signed with the old key
    controller.replace(parseCommandKeys('old:s-old,new:s-new', 'test'));
    await send(5, controller);
    await until(() => intake.stats.received === 5);
    assert.deepEqual(intake.take(2), { lr: 0.5, seq: 5 });
    assert.equal(intake.stats.applied, 4, 'seq 1 and 2 at one boundary, then 4 and 5 at the next');
    ring.replace(parseCommandKeys('new:s-new', 'test'));
    await send(6, { id: 'old', secret: 's-old' });
    await until(() => intake.stats.received === 6);
    assert.equal(intake.take(3), undefined);
    assert.equal(intake.stats.rejectedUnknownKey, 2);
    intake.close();
  });

  it('reports advisory commands without applying them', async () => {
    const bus = new MemoryBus();
    const intake = new LrIntake({ bus, topics, runId: 'run-a', bounds, acceptUnsigned: true });
    await bus.publish(topics.control, [{ value: encodeEvent({ ...command(1, 0.5), advisory: true }) }]);
    await until(() => intake.stats.received === 1);
    assert.equal(intake.take(0), undefined);
    assert.equal(intake.stats.advisory, 1);
    intake.close();
  });

  it('ignores every command, and says so once, without --accept-unsigned-commands', async () => {
    const bus = new MemoryBus();
    const log: string[] = [];
    const intake = new LrIntake({
      bus,
      topics,
      runId: 'run-a',
      bounds,
      acceptUnsigned: false,
      log: (m) => log.push(m),
    });
    await bus.publish(
      topics.control,
      [1, 2].map((seq) => ({ value: encodeEvent(command(seq, 0.5)) })),
    );
    await until(() => intake.stats.received === 2);
    assert.equal(intake.take(0), undefined);
    assert.equal(intake.stats.ignoredUnverified, 2);
    assert.equal(log.length, 1);
    assert.match(log[0]!, /ignoring lr-commands.*--accept-unsigned-commands/);
    intake.close();
  });

  it('waits for a command take would apply: resolved when one is queued, not by advisory, other-run or stale ones', async () => {
    const bus = new MemoryBus();
    const intake = new LrIntake({ bus, topics, runId: 'run-a', bounds, acceptUnsigned: true });
    await intake.joined;
    assert.equal(await intake.waitForCommand(30), false, 'nothing queued: false after the timeout');
    let settled: boolean | undefined;
    const waiting = intake.waitForCommand(10_000).then((arrived) => (settled = arrived));
    await bus.publish(topics.control, [
      { value: encodeEvent({ ...command(1, 0.5), advisory: true }) },
      { value: encodeEvent(command(2, 0.5, 'run-b')) },
    ]);
    await until(() => intake.stats.advisory === 1 && intake.stats.ignoredOtherRun === 1);
    assert.equal(settled, undefined, 'still waiting');
    const queuedAt = performance.now();
    await bus.publish(topics.control, [{ value: encodeEvent(command(3, 0.3)) }]);
    assert.equal(await waiting, true);
    assert.ok(performance.now() - queuedAt < 1_000, 'as soon as it is queued');
    assert.equal(await intake.waitForCommand(10_000), true, 'at once while one waits');
    assert.deepEqual(intake.take(1), { lr: 0.3, seq: 3 });
    const stale = intake.waitForCommand(10_000);
    await bus.publish(topics.control, [{ value: encodeEvent(command(3, 0.3)) }]);
    await until(() => intake.stats.ignoredStaleOrDuplicate === 1);
    intake.close();
    assert.equal(await stale, false, 'a duplicate does not end the wait; close does');
    assert.equal(await intake.waitForCommand(10_000), false, 'closed: false at once');
    await bus.close();
  });

  it('changes the trainer’s rate at the next step boundary and reports the applied seq as cmdSeq', async () => {
    const bus = new MemoryBus();
    const intake = new LrIntake({ bus, topics, runId: 'run-a', bounds, acceptUnsigned: true });
    const gradients: GradientEvent[] = [];
    await train({
      runId: 'run-a',
      model: createQuadratic({ spectrum: [1, 0.5], seed: 1 }),
      dataset: noData(),
      backend: backend.reportedName,
      lr: 0.1,
      batchSize: 1,
      steps: 40,
      seed: 1,
      probe: { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      commands: intake,
      emit: (e) => e.type === 'gradient' && gradients.push(e),
      onStep: ({ gradient }) => {
        if (gradient.step === 4) void bus.publish(topics.control, [{ value: encodeEvent(command(7, 5)) }]);
      },
    });
    intake.close();
    const first = gradients.findIndex((g) => g.cmdSeq !== undefined);
    assert.ok(first > 4 && first < 40, `applied at step ${first}`);
    assert.ok(gradients.slice(0, first).every((g) => g.lr === 0.1 && g.cmdSeq === undefined));
    assert.ok(
      gradients.slice(first).every((g) => g.lr === 1 && g.cmdSeq === 7),
      'clamped to maxLr = 1 and reported from then on',
    );
  });
});
