import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { startLocalCluster } from '../../scripts/kafka/local-cluster.js';
import {
  topicNames,
  type EstimateEvent,
  type GradientEvent,
  type LrCommandEvent,
} from '../../src/events/index.js';
import { startStage } from '../../src/stage/index.js';
import {
  runTrainingSession,
  selectBackend,
  type CommandRecord,
  type TrainingSessionOptions,
} from '../../src/trainer/index.js';
import { KafkaBus, kafkaConfigFromEnv } from '../../src/transport/kafka/index.js';
import {
  alertLatencies,
  commandLedger,
  hopDurations,
  ledgerRows,
  loopTrainer,
  meanStepMs,
  percentile,
  type LoopStamps,
  type ReadAlert,
} from './loop-latency.js';
import type { SuiteResult } from './types.js';

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** `lyap <args>` from the sources, as `npm run lyap` runs it, its stderr kept. */
function startService(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { name, child, stderr: () => stderr, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`control-loop-kafka: ${what} within ${timeoutMs} ms`);
    await sleep(20);
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
    gradients: readonly GradientEvent[];
    estimates: readonly EstimateEvent[];
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
 * its rate came into force. Every command is counted by seq (sent, received, applied,
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
}): Promise<SuiteResult> {
  const loadBefore = loadavg();
  const backend = await selectBackend({ requested: 'cpu' });
  const named = process.env['KAFKA_BROKERS'];
  const cluster = named === undefined || named === '' ? await startLocalCluster({ nodes: 1 }) : undefined;
  const brokers = cluster?.bootstrap ?? named ?? '';
  const prefix = `bench-loop-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const key = `bench-${String(Math.random()).slice(2)}`;
  const bus = new KafkaBus({
    config: kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: brokers }),
    logger: () => undefined,
  });
  const common = ['--brokers', brokers, '--topic-prefix', prefix];
  const services = [
    startService('processor', ['process', ...common, '--window', '5', '--lateness-steps', '0']),
    startService(
      'controller',
      ['control', ...common, '--mode', 'control', '--cooldown-steps', '5', '--deadband-log', '0'],
      { LYAP_CONTROL_KEY: key },
    ),
    startService('alerter', ['alert', ...common]),
  ];
  const gradients: GradientEvent[] = [];
  const estimates: EstimateEvent[] = [];
  const commands: LrCommandEvent[] = [];
  const alerts: ReadAlert[] = [];
  /** Broker record timestamps (the sender's clock at send) by `type runId step`. */
  const recordMs = new Map<string, number>();
  const watch = startStage({
    bus,
    inputs: [topics.gradients, topics.estimates, topics.control, topics.alerts],
    groupId: `${prefix}watch`,
    fromBeginning: true,
    accepts: ['gradient', 'estimate', 'lr-command', 'alert'],
    handle: (event, message) => {
      if (event.type !== 'alert') {
        const step = event.type === 'lr-command' ? event.seq : event.step;
        recordMs.set(`${event.type} ${event.runId} ${step}`, message.timestampMs);
      }
      if (event.type === 'gradient') gradients.push(event);
      else if (event.type === 'estimate') estimates.push(event);
      else if (event.type === 'lr-command') commands.push(event);
      else alerts.push({ alert: event, recordMs: message.timestampMs });
      return undefined;
    },
  });
  const trainer = loopTrainer(backend.reportedName);
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
      ...extra,
    });
  const seenEstimate = (runId: string, step: number | undefined): boolean =>
    estimates.some((e) => e.runId === runId && e.step === step);
  const records: CommandRecord[] = [];
  try {
    // Warm-up: the services have joined their groups and command a run before the measured one.
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
        { measure: 'alert events', value: alerts.length },
        { measure: 'probed step -> alert p50, ms', value: q(alertLatency.fromStepMs, 0.5) },
        { measure: 'probed step -> alert p99, ms', value: q(alertLatency.fromStepMs, 0.99) },
        { measure: 'estimate -> alert p50, ms', value: q(alertLatency.fromEstimateMs, 0.5) },
        { measure: 'estimate -> alert p99, ms', value: q(alertLatency.fromEstimateMs, 0.99) },
      ],
      notes: [
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
    watch.stop();
    for (const s of services) s.child.kill('SIGTERM');
    const codes = await Promise.all(services.map((s) => s.exited));
    await bus.close();
    await cluster?.stop();
    for (const [i, code] of codes.entries()) {
      const s = services[i];
      if (code !== 0 && s !== undefined) process.stderr.write(`${s.name} exited ${code}:\n${s.stderr()}\n`);
    }
  }
}
