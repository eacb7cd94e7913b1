import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import kafkajs from 'kafkajs';
import { topicNames, type LrCommandEvent } from '../../src/events/index.js';
import {
  runTrainingSession,
  selectBackend,
  type CommandRecord,
  type TrainingSessionOptions,
} from '../../src/trainer/index.js';
import { KafkaBus, kafkaClientOptions, type KafkaConfig } from '../../src/transport/kafka/index.js';
import { benchBroker } from './bench-broker.js';
import {
  alertLatencies,
  commandLedger,
  hopDurations,
  ledgerRows,
  loopTrainer,
  meanStepMs,
  percentile,
  type EstimateStamp,
  type LoopStamps,
  type ReadAlert,
  type StepStamp,
  type WatchLine,
} from './loop-latency.js';
import type { SuiteResult } from './types.js';

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/**
 * `node --import tsx <script> <args>`, its stderr kept; `onLine` hears its stdout's lines
 * (ignored without it).
 */
function startScript(
  name: string,
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  onLine?: (line: string) => void,
): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', onLine === undefined ? 'ignore' : 'pipe', 'pipe'],
  });
  if (onLine !== undefined && child.stdout !== null)
    createInterface({ input: child.stdout }).on('line', onLine);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { name, child, stderr: () => stderr, exited };
}

/** `lyap <args>` from the sources, as `npm run lyap` runs it, its stderr kept. */
function startService(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Service {
  return startScript(name, 'src/cli/run.ts', args, env);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`control-loop-kafka: ${what} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * Waits until each consumer group has a member. A service logs `started` before its consumer
 * has joined its group, and the controller reads a new group from the end of its topics: a
 * controller that joins after the warm-up run's estimates were published never sees them
 * (on a loaded machine its start can take longer than the warm-up run), and the bench then
 * failed with "no command for the warm-up run within 60000 ms".
 */
async function groupsJoined(
  config: KafkaConfig,
  groups: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const admin = new kafkajs.Kafka(kafkaClientOptions({ config, logger: () => undefined })).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const described = await admin.describeGroups([...groups]);
      const waiting = groups.filter(
        (g) => !described.groups.some((d) => d.groupId === g && d.state === 'Stable' && d.members.length > 0),
      );
      if (waiting.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`control-loop-kafka: groups ${waiting.join(', ')} not joined within ${timeoutMs} ms`);
      }
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Lines each service logged, by level (JSON lines; anything else counts as `text`). */
function logLevels(service: Service): string {
  const counts = new Map<string, number>();
  for (const line of service.stderr().split('\n')) {
    if (line.trim() === '') continue;
    let level = 'text';
    try {
      level = String((JSON.parse(line) as { level?: unknown }).level);
    } catch {
      // not a JSON line
    }
    counts.set(level, (counts.get(level) ?? 0) + 1);
  }
  return `${service.name}: ${[...counts].map(([level, n]) => `${n} ${level}`).join(', ') || 'nothing'}`;
}

/** Every stamp of each applied command of `runId` whose stamps are all known. */
function loopStamps(
  runId: string,
  seen: {
    gradients: readonly StepStamp[];
    estimates: readonly EstimateStamp[];
    commands: readonly LrCommandEvent[];
    records: readonly CommandRecord[];
    recordMs: ReadonlyMap<string, number>;
  },
): LoopStamps[] {
  const ts = (events: readonly { runId: string; step: number; ts: number }[]): Map<number, number> =>
    new Map(events.filter((e) => e.runId === runId).map((e) => [e.step, e.ts]));
  const stepTs = ts(seen.gradients);
  const estimateTs = ts(seen.estimates);
  const queued = new Map(seen.records.filter((r) => r.outcome === 'queued').map((r) => [r.seq, r.atMs]));
  const applied = new Map(seen.records.filter((r) => r.outcome === 'applied').map((r) => [r.seq, r.atMs]));
  const out: LoopStamps[] = [];
  for (const c of seen.commands) {
    if (c.runId !== runId) continue;
    const s = c.basedOnStep;
    const stamps = {
      stepTs: stepTs.get(s),
      stepRecordMs: seen.recordMs.get(`gradient ${runId} ${s}`),
      estimateTs: estimateTs.get(s),
      estimateRecordMs: seen.recordMs.get(`estimate ${runId} ${s}`),
      commandTs: c.ts,
      commandRecordMs: seen.recordMs.get(`lr-command ${runId} ${c.seq}`),
      queuedMs: queued.get(c.seq),
      appliedMs: applied.get(c.seq),
    };
    if (Object.values(stamps).every((v) => v !== undefined)) out.push(stamps as LoopStamps);
  }
  return out;
}

/**
 * The closed loop over Kafka as deployed: `lyap process`, `lyap control` and `lyap alert`, each
 * its own process on the broker (the project's local single-node KRaft broker on loopback, or
 * KAFKA_BROKERS), and the trainer in this process (full-batch least squares on the cpu backend,
 * probe every step), so that its command intake can report when each command arrived and when
 * its rate came into force; the intake reads in a worker thread, as `lyap train --brokers`'s does
 * (`--intake event-loop`: on the trainer's own thread, to compare). Every command is counted by seq (sent, received, applied,
 * superseded, refused and why, not received); the latency of each applied command runs from the
 * estimate it was based on (its `ts`), and from the probed step's gradient event, to the step
 * boundary that applied it. Then `alertRuns` short runs that ignore commands jump their rate 50x
 * past the stability edge at step 20 and diverge: every alert event's latency runs from its
 * step's gradient event to the alert record's timestamp (the alerter's send). Baseline: the mean
 * training step.
 */
export async function controlLoopKafkaSuite(params: {
  steps: number;
  alertRuns: number;
  alertSteps: number;
  /**
   * Where the trainer reads its commands: `thread` (a worker thread, as `lyap train --brokers`
   * does) or `event-loop` (the trainer's own thread, as before it), to compare the two.
   */
  intake: 'thread' | 'event-loop';
}): Promise<SuiteResult> {
  const loadBefore = loadavg();
  const backend = await selectBackend({ requested: 'cpu' });
  const broker = await benchBroker();
  const brokers = broker.bootstrap;
  const prefix = `bench-loop-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const key = `bench-${String(Math.random()).slice(2)}`;
  const bus = new KafkaBus({ config: broker.config, logger: () => undefined });
  const common = ['--brokers', brokers, '--topic-prefix', prefix];
  // Groups of this run's own: a broker named by KAFKA_BROKERS may hold other runs' members.
  const groups = {
    processor: `${prefix}processor`,
    controller: `${prefix}controller`,
    alerter: `${prefix}alerter`,
  };
  const services = [
    startService('processor', [
      'process',
      ...common,
      '--group-id',
      groups.processor,
      '--window',
      '5',
      '--lateness-steps',
      '0',
    ]),
    startService(
      'controller',
      [
        'control',
        ...common,
        '--group-id',
        groups.controller,
        '--mode',
        'control',
        '--cooldown-steps',
        '5',
        '--deadband-log',
        '0',
      ],
      { LYAP_CONTROL_KEY: key },
    ),
    startService('alerter', ['alert', ...common, '--group-id', groups.alerter]),
  ];
  const gradients: StepStamp[] = [];
  const estimates: EstimateStamp[] = [];
  const commands: LrCommandEvent[] = [];
  const alerts: ReadAlert[] = [];
  /** Broker record timestamps (the sender's clock at send) by `type runId step`. */
  const recordMs = new Map<string, number>();
  // The watch is a process of its own: reading and decoding the topics in this process would
  // hold up the event loop of the trainer whose command intake it measures.
  const watch = startScript(
    'watch',
    'bench/suites/loop-watch.ts',
    [brokers, prefix, `${prefix}watch`],
    {},
    (text) => {
      const line = JSON.parse(text) as WatchLine;
      if (line.type === 'alert') {
        alerts.push({ alert: line.event, recordMs: line.recordMs });
        return;
      }
      if (line.type === 'lr-command') {
        recordMs.set(`lr-command ${line.event.runId} ${line.event.seq}`, line.recordMs);
        commands.push(line.event);
        return;
      }
      recordMs.set(`${line.type} ${line.runId} ${line.step}`, line.recordMs);
      if (line.type === 'gradient') {
        const { runId, step, ts, stepMs, probeMs } = line;
        gradients.push({ runId, step, ts, stepMs, probeMs });
      } else estimates.push({ runId: line.runId, step: line.step, ts: line.ts });
    },
  );
  services.push(watch);
  const trainer = loopTrainer(backend.reportedName);
  // As `lyap train --brokers` runs: the commands read in a worker thread over a client of its own.
  const commandThread =
    params.intake === 'thread'
      ? { kafka: { config: broker.config }, kafkaLogger: () => undefined }
      : undefined;
  const session = (runId: string, steps: number, extra: Partial<TrainingSessionOptions> = {}) =>
    runTrainingSession({
      ...trainer,
      runId,
      steps,
      bus,
      topics,
      acceptUnsignedCommands: false,
      signingKey: key,
      log: () => undefined,
      ...(commandThread === undefined ? {} : { commandThread }),
      ...extra,
    });
  const seenEstimate = (runId: string, step: number | undefined): boolean =>
    estimates.some((e) => e.runId === runId && e.step === step);
  const records: CommandRecord[] = [];
  try {
    // Warm-up: the services have joined their groups and command a run before the measured one.
    await groupsJoined(broker.config, Object.values(groups), 120_000);
    await session('bench-warm-up', 30);
    await until(
      'no command for the warm-up run',
      () => commands.some((c) => c.runId === 'bench-warm-up'),
      60_000,
    );
    const run = await session('bench-loop', params.steps, {
      onCommand: (record) => records.push(record),
    });
    // Commands still in flight when the run ended count as sent and not received.
    await until('no estimate of the last step', () => seenEstimate('bench-loop', run.lastStep), 60_000);
    await sleep(1_000);
    const alertRunIds: { runId: string; lastStep: number | undefined }[] = [];
    for (let i = 0; i < params.alertRuns; i++) {
      const runId = `bench-alert-${i}`;
      // No key and unsigned commands refused: the controller cannot brake these runs.
      const r = await session(runId, params.alertSteps, {
        signingKey: undefined,
        lrJump: { atStep: 20, factor: 50 },
        commandJoinTimeoutMs: 1,
      });
      alertRunIds.push({ runId, lastStep: r.lastStep });
    }
    await until(
      'no estimate of an alert run',
      () => alertRunIds.every((r) => seenEstimate(r.runId, r.lastStep)),
      60_000,
    );
    await sleep(1_000);
    const loadAfter = loadavg();
    const ledger = commandLedger({ runId: 'bench-loop', commands, records, estimates, gradients });
    const stepMs = meanStepMs(gradients.filter((g) => g.runId === 'bench-loop'));
    const alertLatency = alertLatencies(alerts, gradients);
    const hops = hopDurations(
      loopStamps('bench-loop', { gradients, estimates, commands, records, recordMs }),
    );
    const q = (values: number[], p: number): number => Math.round(percentile(values, p) * 100) / 100;
    // The processor's hop over every probed step of the run, not only those that led to an
    // applied command: from the trainer's send of the step's gradient record to the estimate.
    const sentMs = (g: StepStamp): number | undefined => recordMs.get(`gradient ${g.runId} ${g.step}`);
    const sentByStep = new Map(
      gradients.filter((g) => g.runId === 'bench-loop').map((g) => [g.step, sentMs(g)]),
    );
    const processorHop = estimates.flatMap((e) => {
      const sent = e.runId === 'bench-loop' ? sentByStep.get(e.step) : undefined;
      return sent === undefined ? [] : [e.ts - sent];
    });
    return {
      suite: 'control-loop-kafka',
      params: {
        steps: params.steps,
        transport: 'Kafka (loopback, 1 broker)',
        backend: backend.name,
        alertRuns: params.alertRuns,
      },
      rows: [
        ...ledgerRows(ledger, stepMs),
        ...[...hops].flatMap(([hop, ms]) => [
          { measure: `${hop} p50, ms`, value: q(ms, 0.5) },
          { measure: `${hop} p99, ms`, value: q(ms, 0.99) },
        ]),
        { measure: 'every probed step: trainer send -> estimate p50, ms', value: q(processorHop, 0.5) },
        { measure: 'every probed step: trainer send -> estimate p99, ms', value: q(processorHop, 0.99) },
        { measure: 'alert events', value: alerts.length },
        { measure: 'probed step -> alert p50, ms', value: q(alertLatency.fromStepMs, 0.5) },
        { measure: 'probed step -> alert p99, ms', value: q(alertLatency.fromStepMs, 0.99) },
        { measure: 'estimate -> alert p50, ms', value: q(alertLatency.fromEstimateMs, 0.5) },
        { measure: 'estimate -> alert p99, ms', value: q(alertLatency.fromEstimateMs, 0.99) },
      ],
      notes: [
        `the trainer read its commands ${params.intake === 'thread' ? 'in a worker thread' : 'on its own event loop'} (--intake ${params.intake})`,
        `load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
        `log lines: ${services.map(logLevels).join('; ')}`,
      ],
    };
  } catch (error) {
    for (const s of services) process.stderr.write(`--- ${s.name}:\n${s.stderr()}\n`);
    const seen = (events: readonly { runId: string }[]): string => {
      const counts: Record<string, number> = {};
      for (const e of events) counts[e.runId] = (counts[e.runId] ?? 0) + 1;
      return JSON.stringify(counts);
    };
    process.stderr.write(
      `--- seen: gradients ${seen(gradients)}, estimates ${seen(estimates)}, commands ${seen(commands)}\n`,
    );
    throw error;
  } finally {
    for (const s of services) s.child.kill('SIGTERM');
    const codes = await Promise.all(services.map((s) => s.exited));
    await bus.close();
    await broker.stop();
    for (const [i, code] of codes.entries()) {
      const s = services[i];
      if (code !== 0 && s !== undefined) process.stderr.write(`${s.name} exited ${code}:\n${s.stderr()}\n`);
    }
  }
}
