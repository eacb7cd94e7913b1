// The trainer's learning-rate intake in a worker thread (ThreadedLrIntake), on the real broker:
// the same arrival rules as LrIntake, a command in force at the first step boundary after it
// reached the thread whatever the trainer's event loop does, errors and log records back on
// the trainer's thread, and a thread that leaves its group and exits on close.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  CommandKeyring,
  encodeEvent,
  parseCommandKeys,
  signCommand,
  topicNames,
  type DeadLetterEvent,
  type GradientEvent,
  type LrCommandEvent,
  type TopicNames,
} from '../../../src/events/index.js';
import { isLyapError } from '../../../src/errors.js';
import {
  createQuadratic,
  LrIntake,
  noData,
  runTrainingSession,
  selectBackend,
  ThreadedLrIntake,
  type CommandRecord,
  type LrCommandIntake,
  type ThreadedLrIntakeOptions,
} from '../../../src/trainer/index.js';
import type { LogRecord } from '../../../src/transport/kafka/index.js';
import { lrCommand } from '../../helpers/events.js';
import { kafkaBroker, uniqueName, withKafka, type TestBroker } from '../../helpers/kafka-broker.js';
import {
  groupMembers,
  groupProgress,
  readEvents,
  readEventsOf,
  testKafkaBus,
  testKafkaLogger,
  testKafkaOptions,
} from '../../helpers/kafka-bus.js';
import { spawnLyap, stopGracefully } from '../../helpers/lyap-process.js';
import { until } from '../../helpers/wait.js';

const broker = await kafkaBroker();
const backend = await selectBackend({ requested: 'cpu' });
const bounds = { minLr: 1e-3, maxLr: 1 };
const KEY = 'threaded-intake-key';

/** What every intake here is: run `run-a` on `topics`, a group of its own, signed commands only. */
const intakeBase = (topics: TopicNames) => ({
  topics,
  runId: 'run-a',
  groupId: uniqueName('trainer'),
  bounds,
  acceptUnsigned: false,
  signingKey: KEY,
});

/** A ThreadedLrIntake of run `run-a` on fresh topics, its log lines, records and client records kept. */
function threadedIntake(
  broker: TestBroker,
  options: Partial<ThreadedLrIntakeOptions> = {},
): {
  intake: ThreadedLrIntake;
  topics: TopicNames;
  log: string[];
  records: CommandRecord[];
  clientRecords: LogRecord[];
} {
  const topics = options.topics ?? topicNames(`${uniqueName('thr')}.`);
  const log: string[] = [];
  const records: CommandRecord[] = [];
  const clientRecords: LogRecord[] = [];
  const intake = new ThreadedLrIntake({
    kafka: testKafkaOptions(broker),
    kafkaLogger: (record) => clientRecords.push(record),
    ...intakeBase(topics),
    log: (message) => log.push(message),
    onCommand: (record) => records.push(record),
    ...options,
  });
  // The tests that expect a failure read it; the others must not die of an unread one.
  intake.done.catch(() => undefined);
  return { intake, topics, log, records, clientRecords };
}

/**
 * Publishes `value` on `topic` from another process, and waits for it synchronously: this
 * thread's event loop does not turn from the call until the record is on the broker.
 */
function publishFromAnotherProcess(broker: TestBroker, topic: string, value: string): void {
  const script = `
    const { Kafka, logLevel } = require('kafkajs');
    const [brokers, topic, value] = process.argv.slice(1);
    const producer = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).producer();
    producer.connect()
      .then(() => producer.send({ topic, acks: -1, messages: [{ key: 'run-a', value }] }))
      .then(() => producer.disconnect())
      .catch((error) => { console.error(error); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script, broker.bootstrap, topic, value], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
}

/** Sleeps this thread for `ms` without letting its event loop run (as a long training step does). */
function holdThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * `take` at step boundaries whose steps never let the event loop run (each holds the thread
 * for 20 ms), until it returns a command or `forMs` have passed; and whether the event loop
 * turned meanwhile (it must not have).
 */
function takeWithoutTurns(
  intake: LrCommandIntake,
  forMs: number,
): { taken: { lr: number; seq: number } | undefined; steps: number; loopTurned: boolean } {
  let loopTurned = false;
  setImmediate(() => (loopTurned = true));
  const deadline = Date.now() + forMs;
  let steps = 0;
  for (;;) {
    const taken = intake.take(steps++);
    if (taken !== undefined || Date.now() > deadline) return { taken, steps, loopTurned };
    holdThread(20);
  }
}

const signed = (seq: number, lr: number): LrCommandEvent => signCommand(lrCommand(seq, lr), KEY);

/**
 * Once `joined`, a new group's consumer knows where the topic ends (its first fetch after the
 * join has ended): a first command (seq 1), sent once right then, is read and taken.
 */
async function readingFromTheEnd(
  intake: LrCommandIntake,
  topics: TopicNames,
  broker: TestBroker,
  { key = KEY, runId = 'run-a' }: { key?: Parameters<typeof signCommand>[1]; runId?: string } = {},
): Promise<void> {
  await intake.joined;
  const bus = testKafkaBus(broker);
  try {
    await bus.publish(topics.control, [
      { key: 'run-a', value: encodeEvent(signCommand(lrCommand(1, 0.5, runId), key)) },
    ]);
    await until(
      () => intake.stats.received > 0,
      () => `the first command, sent once when the intake had joined (${JSON.stringify(intake.stats)})`,
    );
    assert.deepEqual(intake.take(0), { lr: 0.5, seq: 1 });
  } finally {
    await bus.close();
  }
}

withKafka(broker, 'trainer > threaded lr intake on Kafka', (broker) => {
  describe('trainer > threaded lr intake on Kafka', () => {
    it('applies a signed command; rejects a forged, an unsigned and another run’s; counts them; dead-letters an undecodable payload', async () => {
      const { intake, topics, log, records } = threadedIntake(broker);
      const bus = testKafkaBus(broker);
      try {
        await readingFromTheEnd(intake, topics, broker);
        const before = { ...intake.stats };
        const recordsBefore = records.length;
        await bus.publish(topics.control, [
          { key: 'run-a', value: encodeEvent(signed(11, 0.2)) },
          { key: 'run-a', value: encodeEvent({ ...signed(12, 0.3), lr: 0.9 }) }, // tampered after signing
          { key: 'run-a', value: encodeEvent(lrCommand(13, 0.4)) }, // unsigned
          { key: 'run-b', value: encodeEvent(signCommand(lrCommand(14, 0.5, 'run-b'), KEY)) },
          { key: 'run-a', value: encodeEvent(signed(15, 7)) }, // above --lr-max: clamped
          { key: 'run-a', value: 'not json {' },
        ]);
        await until(
          () => intake.stats.received === before.received + 4 && intake.stats.undecodable === 1,
          () => `the thread's counts: ${JSON.stringify(intake.stats)}`,
        );
        assert.deepEqual(intake.take(10), { lr: 1, seq: 15 });
        await bus.publish(topics.control, [{ key: 'run-a', value: encodeEvent(signed(11, 0.2)) }]); // replayed
        await until(() => intake.stats.received === before.received + 5, 'the replayed command');
        assert.equal(intake.take(11), undefined);
        const counted = Object.fromEntries(
          Object.entries(intake.stats).map(([k, v]) => [k, v - before[k as keyof typeof before]]),
        );
        assert.deepEqual(counted, {
          received: 5,
          applied: 2,
          ignoredOtherRun: 1,
          ignoredStaleOrDuplicate: 1,
          ignoredUnverified: 0,
          rejectedUnsigned: 1,
          rejectedForged: 1,
          rejectedUnknownKey: 0,
          advisory: 0,
          clamped: 1,
          undecodable: 1,
        });
        assert.deepEqual(
          records
            .slice(recordsBefore)
            .map(({ seq, outcome, step }) =>
              step === undefined ? { seq, outcome } : { seq, outcome, step },
            ),
          [
            { seq: 11, outcome: 'queued' },
            { seq: 12, outcome: 'forged' },
            { seq: 13, outcome: 'unsigned' },
            { seq: 15, outcome: 'queued' },
            { seq: 11, outcome: 'superseded', step: 10 },
            { seq: 15, outcome: 'applied', step: 10 },
            { seq: 11, outcome: 'stale-or-duplicate' },
          ],
        );
        assert.match(log.join('\n'), /rejected lr-command seq 12: its signature does not match/);
        assert.match(log.join('\n'), /rejected lr-command seq 13: unsigned, and a signing key is set/);
        assert.match(log.join('\n'), /lr-command seq 15 asked for lr 7; clamped to 1/);
        let deadLetters: DeadLetterEvent[] = [];
        await until(async () => {
          deadLetters = await readEventsOf(bus, [topics.dlq], 'dead-letter');
          return deadLetters.length > 0;
        }, 'the dead letter');
        assert.equal(deadLetters.length, 1);
        assert.equal(deadLetters[0]?.sourceTopic, topics.control);
        assert.match(deadLetters[0]?.error ?? '', /^invalid-json:/);
      } finally {
        await intake.close();
        await bus.close();
      }
    });

    it('applies a newer controller’s command: the thread verifies over the fields it does not know', async () => {
      const { intake, topics } = threadedIntake(broker);
      const bus = testKafkaBus(broker);
      const newer = (seq: number): LrCommandEvent =>
        signCommand(
          { ...lrCommand(seq, 0.25), reason: 'momentum-aware', horizon: 40 } as LrCommandEvent,
          KEY,
        );
      try {
        await readingFromTheEnd(intake, topics, broker);
        const before = { ...intake.stats };
        await bus.publish(topics.control, [
          { value: encodeEvent(newer(2)) },
          { value: encodeEvent({ ...newer(3), horizon: 41 } as LrCommandEvent) }, // changed after signing
        ]);
        await until(() => intake.stats.received === before.received + 2, 'both commands');
        assert.deepEqual(intake.take(1), { lr: 0.25, seq: 2 });
        assert.equal(intake.stats.rejectedForged, 1);
      } finally {
        await intake.close();
        await bus.close();
      }
    });

    it('takes a command that reached the thread at the next step boundary, with no turn of the event loop since it was sent', async () => {
      const { intake, topics } = threadedIntake(broker);
      try {
        await readingFromTheEnd(intake, topics, broker);
        publishFromAnotherProcess(broker, topics.control, encodeEvent(signed(7, 0.05)));
        const { taken, loopTurned } = takeWithoutTurns(intake, 30_000);
        assert.deepEqual(taken, { lr: 0.05, seq: 7 });
        assert.equal(loopTurned, false);
      } finally {
        await intake.close();
      }
    });

    it('(what it fixes) the intake on the trainer’s thread gets no command while the step loop holds the event loop', async () => {
      const topics = topicNames(`${uniqueName('thr')}.`);
      const bus = testKafkaBus(broker);
      const intake = new LrIntake({ bus, ...intakeBase(topics) });
      try {
        await readingFromTheEnd(intake, topics, broker);
        publishFromAnotherProcess(broker, topics.control, encodeEvent(signed(7, 0.05)));
        const { taken, steps } = takeWithoutTurns(intake, 2_000);
        assert.equal(taken, undefined, `nothing in ${steps} steps`);
        await until(
          () => intake.stats.ignoredStaleOrDuplicate + 2 === intake.stats.received,
          'the command, once the event loop runs',
        );
        assert.deepEqual(intake.take(steps), { lr: 0.05, seq: 7 });
      } finally {
        await intake.close();
        await bus.close();
      }
    });

    it('follows a key rotation of the trainer’s keyring', async () => {
      const ring = new CommandKeyring(parseCommandKeys('old:s-old', 'test'));
      const { intake, topics, log } = threadedIntake(broker, { signingKey: ring });
      const bus = testKafkaBus(broker);
      const send = (seq: number, id: string, secret: string): Promise<void> =>
        bus.publish(topics.control, [
          { value: encodeEvent(signCommand(lrCommand(seq, seq / 10), { id, secret })) },
        ]);
      try {
        await readingFromTheEnd(intake, topics, broker, { key: { id: 'old', secret: 's-old' } });
        const { received } = intake.stats;
        await send(2, 'new', 's-new'); // before the rotation: a key the trainer does not hold
        await until(() => intake.stats.received === received + 1, 'the second command');
        assert.equal(intake.stats.rejectedUnknownKey, 1);
        assert.match(
          log.join('\n'),
          /seq 2: signed with key id new, which this trainer does not hold \(it holds old\)/,
        );
        ring.replace(parseCommandKeys('old:s-old,new:s-new', 'test'));
        await send(3, 'new', 's-new');
        await until(() => intake.stats.received === received + 2, 'the third command');
        assert.deepEqual(intake.take(1), { lr: 0.3, seq: 3 });
      } finally {
        await intake.close();
        await bus.close();
      }
    });

    it('rejects done with the coded error that stopped the thread’s consumer, and its client’s records come back', async () => {
      const topics = { ...topicNames(`${uniqueName('thr')}.`), control: 'not a topic name!' };
      const { intake, clientRecords } = threadedIntake(broker, { topics });
      try {
        await assert.rejects(intake.done, (error: unknown) => {
          assert.ok(isLyapError(error, 'LYAP_E_KAFKA_REJECTED'), String(error));
          assert.equal(error.retriable, false);
          assert.match(error.message, /not a topic name!/);
          return true;
        });
        assert.ok(
          clientRecords.some((r) => r.namespace.startsWith('kafkajs') && /CreateTopics/.test(r.message)),
          JSON.stringify(clientRecords),
        );
      } finally {
        await intake.close();
      }
    });

    it('in a training session over Kafka, a command that reached the thread during a step is in force from the next step', async () => {
      const topics = topicNames(`${uniqueName('thr')}.`);
      const runId = uniqueName('run');
      const bus = testKafkaBus(broker);
      try {
        // The run's group has read the topic before, so that the session's thread resumes where
        // it stopped, with no look-up of the topic's end to race with.
        const earlier = new LrIntake({ bus, topics, runId, bounds, acceptUnsigned: false, signingKey: KEY });
        await readingFromTheEnd(earlier, topics, broker, { runId });
        await until(async () => {
          const { committed, end } = await groupProgress(broker, `lyap-trainer-${runId}`, topics.control);
          return committed === end;
        }, 'the first command committed');
        await earlier.close();
        const gradients: GradientEvent[] = [];
        const result = await runTrainingSession({
          bus,
          topics,
          runId,
          model: createQuadratic({ spectrum: [1, 0.5], seed: 1 }),
          dataset: noData(),
          backend: backend.reportedName,
          lr: 0.1,
          batchSize: 1,
          steps: 6,
          seed: 1,
          probe: { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
          lrBounds: bounds,
          acceptUnsignedCommands: false,
          signingKey: KEY,
          log: () => undefined,
          commandThread: { kafka: testKafkaOptions(broker), kafkaLogger: testKafkaLogger },
          onStep: ({ gradient }) => {
            gradients.push(gradient);
            if (gradient.step !== 2) return;
            // A long step: the command is sent and read while it computes.
            publishFromAnotherProcess(
              broker,
              topics.control,
              encodeEvent(signCommand(lrCommand(2, 0.05, runId), KEY)),
            );
            holdThread(5_000);
          },
        });
        assert.deepEqual(
          gradients.map((g) => [g.step, g.lr, g.cmdSeq ?? null]),
          [
            [0, 0.1, null],
            [1, 0.1, null],
            [2, 0.1, null],
            [3, 0.05, 2],
            [4, 0.05, 2],
            [5, 0.05, 2],
          ],
        );
        assert.equal(result.commands.applied, 1);
        assert.equal(await groupMembers(broker, `lyap-trainer-${runId}`), 0, 'the thread left its group');
      } finally {
        await bus.close();
      }
    });

    it('leaves its group on close, and a process that did nothing else exits by itself', async () => {
      const groupId = uniqueName('trainer');
      const topics = topicNames(`${uniqueName('thr')}.`);
      const script = `
        import { ThreadedLrIntake } from './src/trainer/threaded-lr-intake.ts';
        const intake = new ThreadedLrIntake({
          kafka: { config: { brokers: ${JSON.stringify(broker.brokers)}, clientId: 'lyap-test' } },
          topics: ${JSON.stringify(topics)},
          runId: 'run-a',
          groupId: ${JSON.stringify(groupId)},
          bounds: { minLr: 0.001, maxLr: 1 },
          acceptUnsigned: true,
          log: (message) => console.error(message),
          closeTimeoutMs: 20_000,
        });
        await intake.joined;
        console.log('joined');
        // Until the test ends this process's stdin (read to its end, stdin holds nothing open).
        await new Promise((resolve) => process.stdin.once('end', resolve).resume());
        await intake.close();
        console.log('closed');`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        await until(
          () => stdout.includes('joined'),
          () => `joined (stderr: ${stderr})`,
        );
        await until(async () => (await groupMembers(broker, groupId)) === 1, 'a member in the group', {
          intervalMs: 200,
        });
        const closedAt = Date.now();
        child.stdin.end();
        let code: number | null | undefined;
        void exited.then((c) => (code = c));
        await until(() => code !== undefined, 'the process to exit', { timeoutMs: 30_000 });
        assert.equal(code, 0, stderr);
        assert.match(stdout, /closed/);
        assert.ok(Date.now() - closedAt < 15_000, `exited ${Date.now() - closedAt} ms after close`);
        assert.doesNotMatch(stderr, /did not stop/, 'the thread stopped by itself, without being ended');
        assert.equal(await groupMembers(broker, groupId), 0, 'the thread left its group');
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
    });
  });
});

withKafka(broker, 'cli > lyap train --brokers: commands through the intake thread', (broker) => {
  describe('cli > lyap train --brokers: commands through the intake thread', () => {
    it('applies lyap control’s signed commands, logs JSON lines only, leaves its group and exits with nothing left open', async () => {
      const prefix = `${uniqueName('thr-cli')}.`;
      const topics = topicNames(prefix);
      const runId = uniqueName('cli-run');
      const common = ['--brokers', broker.bootstrap, '--topic-prefix', prefix];
      const groups = { processor: uniqueName('p'), controller: uniqueName('c') };
      const processor = spawnLyap(['process', ...common, '--group-id', groups.processor]);
      const controller = spawnLyap(
        ['control', ...common, '--group-id', groups.controller, '--mode', 'control', '--cooldown-steps', '5'],
        { LYAP_CONTROL_KEY: KEY },
      );
      const bus = testKafkaBus(broker);
      try {
        // A controller that joins after the warm-up step's estimate would never answer it.
        for (const group of Object.values(groups)) {
          await until(async () => (await groupMembers(broker, group)) > 0, `a member in ${group}`, {
            intervalMs: 200,
          });
        }
        const trainer = spawnLyap(
          [
            'train',
            ...common,
            ...['--dataset', 'least-squares', '--model', 'linear', '--backend', 'cpu'],
            ...['--steps', '300', '--probe-every', '5', '--run-id', runId],
            ...['--first-command-wait', '60000'],
          ],
          { LYAP_CONTROL_KEY: KEY },
        );
        assert.equal(await trainer.exited, 0, trainer.stderr());
        const lines = trainer.stderr().trimEnd().split('\n');
        for (const line of lines) {
          const entry = JSON.parse(line) as Record<string, unknown>;
          assert.notEqual(entry['level'], 'error', line);
        }
        assert.doesNotMatch(trainer.stderr(), /open handles remained|no learning-rate command within/);
        assert.match(lines.at(-1) ?? '', /"msg":"run \S+ completed after 300 steps/);

        const events = await readEvents(bus, [topics.gradients, topics.control]);
        const sent = new Set(
          events.flatMap((e) => (e.type === 'lr-command' && e.runId === runId ? [e.seq] : [])),
        );
        const applied = new Set(
          events.flatMap((e) =>
            e.type === 'gradient' && e.runId === runId && e.cmdSeq !== undefined ? [e.cmdSeq] : [],
          ),
        );
        assert.ok(applied.size > 0, `commands applied (sent: ${[...sent].join(', ')})`);
        for (const seq of applied) assert.ok(sent.has(seq), `applied seq ${seq} was sent`);
        const first = events.find((e) => e.type === 'gradient' && e.runId === runId && e.step === 1);
        assert.ok(
          first?.type === 'gradient' && first.cmdSeq !== undefined,
          'the warm-up’s answer sets step 1',
        );
        assert.equal(
          await groupMembers(broker, `lyap-trainer-${runId}`),
          0,
          'the intake thread left its group',
        );
      } finally {
        await stopGracefully(processor, controller);
        await bus.close();
      }
    });
  });
});
