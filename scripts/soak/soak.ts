import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CommandKeyring,
  decodeEvent,
  encodeEvent,
  parseCommandKeys,
  signCommand,
  topicNames,
  type LrCommandEvent,
} from '../../src/events/index.js';
import type { RecordedLine } from '../../src/recording/index.js';
import type { OutgoingMessage } from '../../src/transport/index.js';
import { KafkaBus, kafkaConfigFromEnv } from '../../src/transport/kafka/index.js';
import { adminFor, createPipelineTopics, grantRoleAcls } from '../kafka/acls.js';
import { clientEnv } from '../kafka/broker-security.js';
import { REPO_ROOT } from '../kafka/kafka-paths.js';
import { startLocalCluster, type LocalCluster } from '../kafka/local-cluster.js';
import type { Role } from '../kafka/roles.js';
import { checkRun, runViolations, type RunCheck, type RunSeen } from './run-check.js';
import { FAULT_KINDS, soakSchedule, type FaultKind, type ScheduledFault } from './schedule.js';

export interface SoakOptions {
  readonly minutes: number;
  /** Trainers running at once; each runs one short run after another (default 2). */
  readonly trainers?: number;
  /** Steps per training run (default 2000). */
  readonly stepsPerRun?: number;
  /** Every process as its role over SASL_SSL, with the ACLs (default false: plaintext). */
  readonly secure?: boolean;
  /**
   * The processors' `--lateness-ms` (default 60 s): a half-step whose partner is delayed longer
   * (a broker failover can) is estimated alone, and its estimate then differs from the replay.
   */
  readonly latenessMs?: number;
  /** Bound on each lyap process's resident set (default 768 MiB). */
  readonly rssBoundMb?: number;
  readonly log?: (line: string) => void;
}

export interface SoakReport {
  readonly minutes: number;
  readonly secure: boolean;
  readonly wallMs: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly runs: number;
  readonly runsChecked: number;
  readonly estimatesChecked: number;
  readonly estimateCopies: number;
  readonly commandsPublished: number;
  readonly commandsByKey: Readonly<Record<string, number>>;
  readonly commandsApplied: number;
  readonly forgedInjected: number;
  readonly forgedRejected: number;
  readonly garbageSent: number;
  readonly garbageDeadLettered: number;
  readonly deadLetters: number;
  readonly peakRssMb: Readonly<Record<string, number>>;
  readonly rssBoundMb: number;
  readonly violations: readonly string[];
}

const OLD_KEY = 'soak-k1:first-soak-secret';
const NEW_KEY = 'soak-k2:second-soak-secret';
const FORGED_SEQ_BASE = 1_000_000_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One `lyap` process of the soak: its log on disk, its RSS sampled, its stderr lines counted. */
class LyapChild {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  peakRssKb = 0;
  killedOnPurpose = false;
  private text = '';

  constructor(
    readonly role: string,
    readonly name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    logFile: string,
    keepText: boolean,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const out = createWriteStream(logFile, { flags: 'a' });
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      out.write(s);
      if (keepText) this.text += s;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code) => {
        out.end();
        resolve(code);
      }),
    );
  }

  get stderr(): string {
    return this.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  sampleRss(): void {
    if (this.child.pid === undefined || !this.running) return;
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      this.peakRssKb = Math.max(this.peakRssKb, kb);
    } catch {
      // exited between the check and the read
    }
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    this.killedOnPurpose = true;
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** Five kinds of malformed payload, each carrying `tag` so that its dead letter can be found. */
function garbage(tag: string, i: number): OutgoingMessage {
  const key = `junk-${i % 7}`;
  switch (i % 5) {
    case 0:
      return { key, value: `not json {${tag}` };
    case 1:
      return { key, value: JSON.stringify({ v: 2, type: 'gradient', runId: 'junk', note: tag }) };
    case 2:
      return { key, value: JSON.stringify({ v: 1, type: 'gradient', runId: tag, ts: 1, step: -1, lr: 0.1 }) };
    case 3:
      return { key, value: JSON.stringify({ v: 1, type: 'no-such-type', runId: tag, ts: 1 }) };
    default:
      return { key, value: `[${JSON.stringify(tag)}]` };
  }
}

const TAG = /soak-junk-\d+-\d+/;

/**
 * The fault soak (docs/reliability.md): a 3-node KRaft cluster; trainers (each a series of
 * short `lyap train` runs), two `lyap process`, `lyap control` and `lyap alert`, every one a
 * real process; the faults of `soakSchedule` injected on time; the invariants checked as it
 * goes (each run once it has ended, garbage once a minute old, RSS every 5 s) and at the end.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[soak] ${line}\n`));
  const launchedAt = Date.now();
  const totalMs = options.minutes * 60_000;
  const rssBoundMb = options.rssBoundMb ?? 768;
  const secure = options.secure === true;
  const dir = mkdtempSync(join(tmpdir(), 'lyap-soak-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const violations: string[] = [];
  const violation = (what: string): void => {
    if (violations.length < 200) violations.push(what);
    log(`VIOLATION ${what}`);
  };
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

  log(`starting a 3-node cluster${secure ? ' (SASL_SSL, ACLs)' : ''} in ${dir}`);
  const cluster: LocalCluster = await startLocalCluster({
    nodes: 3,
    dir: join(dir, 'cluster'),
    heapMb: 384,
    ownerPid: process.pid,
    secure,
    extraProperties: { 'broker.session.timeout.ms': 6000, 'broker.heartbeat.interval.ms': 1500 },
    log,
  });
  const security = cluster.security;
  const envOf = (role: Role | 'admin'): Record<string, string> =>
    security === undefined
      ? { KAFKA_BROKERS: cluster.bootstrap }
      : clientEnv(security, cluster.bootstrap, role === 'admin' ? security.admin : security.users[role]);
  const prefix = `soak-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const admin = adminFor(kafkaConfigFromEnv(envOf('admin')));
  await admin.connect();
  await createPipelineTopics(admin, { prefix, partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 });
  if (secure) await grantRoleAcls({ admin, prefix });
  await admin.disconnect();

  // The key files: trainers and controller each their own, so that a rotation goes trainers first.
  const keyFile = (name: string): string => join(dir, name);
  const writeKeys = (name: string, text: string): void => {
    writeFileSync(`${keyFile(name)}.next`, `${text.split(',').join('\n')}\n`, { mode: 0o600 });
    renameSync(`${keyFile(name)}.next`, keyFile(name));
  };
  writeKeys('trainers.keys', OLD_KEY);
  writeKeys('controller.keys', OLD_KEY);
  const allKeys = new CommandKeyring(parseCommandKeys(`${OLD_KEY},${NEW_KEY}`, 'soak'));
  const realKeyIds = allKeys.ids;

  const bus = new KafkaBus({
    config: kafkaConfigFromEnv(envOf(secure ? 'admin' : 'viewer')),
    logger: () => undefined,
    consumer: { heartbeatIntervalMs: 1000, sessionTimeoutMs: 15_000, maxWaitTimeMs: 500, closeGraceMs: 3000 },
    producer: { retries: 12 },
  });

  // What the observer sees on the topics, per run, until the run is checked.
  const runs = new Map<string, RunSeen & { seenOffsets: Set<string>; seq: number }>();
  const checked = new Map<string, RunCheck>();
  const garbageSentAt = new Map<string, number>();
  const garbageSeen = new Set<string>();
  let deadLetters = 0;
  let commandsPublished = 0;
  const commandsByKey: Record<string, number> = {};
  const runOf = (runId: string): RunSeen & { seenOffsets: Set<string>; seq: number } => {
    let r = runs.get(runId);
    if (r === undefined)
      runs.set(
        runId,
        (r = { lines: [], estimates: new Map(), commands: new Map(), seenOffsets: new Set(), seq: 0 }),
      );
    return r;
  };
  const decoder = new TextDecoder();
  const observer = bus
    .consume(
      [topics.runs, topics.gradients, topics.trajectory, topics.estimates, topics.control, topics.dlq],
      {
        groupId: `soak-observer-${prefix}`,
        fromBeginning: true,
        maxBatchSize: 2000,
      },
    )
    .subscribe({
      next: (delivery) => {
        for (const m of delivery.messages) {
          const text = typeof m.value === 'string' ? m.value : decoder.decode(m.value);
          if (m.topic === topics.dlq) {
            const d = decodeEvent(text);
            if (d.ok && d.event.type === 'dead-letter') {
              deadLetters++;
              const tag = TAG.exec(d.event.raw)?.[0];
              if (tag !== undefined) garbageSeen.add(tag);
            }
            continue;
          }
          const key = m.key;
          if (key === undefined || !key.startsWith('soak-r')) continue;
          if (checked.has(key) && m.topic !== topics.estimates) continue;
          const run = runOf(key);
          const offset = `${m.topic}:${m.partition}:${m.offset}`;
          if (run.seenOffsets.has(offset)) continue;
          run.seenOffsets.add(offset);
          const decoded = decodeEvent(text);
          if (!decoded.ok) continue;
          const event = decoded.event;
          if (event.type === 'estimate') {
            const copies = run.estimates.get(event.step) ?? [];
            copies.push(event);
            run.estimates.set(event.step, copies);
            const done = checked.get(key);
            if (done !== undefined && !done.missing.includes(event.step) && copies.length === 1) {
              // An estimate for a step the check found none for, after the check.
              violation(`${key}: an estimate for step ${event.step} arrived after the run was checked`);
            }
          } else if (event.type === 'lr-command') {
            const copies = run.commands.get(event.seq) ?? [];
            copies.push(event);
            run.commands.set(event.seq, copies);
            if (event.seq < FORGED_SEQ_BASE) {
              commandsPublished++;
              commandsByKey[event.keyId ?? 'none'] = (commandsByKey[event.keyId ?? 'none'] ?? 0) + 1;
            }
          } else if (event.type === 'run' || event.type === 'gradient' || event.type === 'trajectory') {
            const step = event.type === 'run' ? (event.phase === 'end' ? Infinity : -1) : event.step;
            const rank =
              event.type === 'run' ? (event.phase === 'end' ? 9 : 0) : event.type === 'gradient' ? 1 : 2;
            const line: RecordedLine = { text, ts: event.ts, step, rank, seq: run.seq++ };
            run.lines.push(line);
            if (event.type === 'run' && event.phase === 'end') run.endedAtMs = Date.now();
          }
        }
        delivery.ack();
      },
      error: (error: unknown) => {
        violation(`the soak's own observer failed: ${String(error)}`);
      },
    });

  // The long-lived roles.
  const children: LyapChild[] = [];
  // Interrupted: no lyap process outlives the soak (the brokers have their own watchdog).
  const interrupted = (): void => {
    for (const c of children) c.child.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const peakRss = new Map<string, number>();
  const startChild = (
    role: string,
    name: string,
    args: string[],
    env: Record<string, string>,
    keepText = false,
  ): LyapChild => {
    const c = new LyapChild(role, name, args, env, join(logs, `${name}.log`), keepText);
    children.push(c);
    void c.exited.then((code) => {
      peakRss.set(role, Math.max(peakRss.get(role) ?? 0, c.peakRssKb));
      if (!c.killedOnPurpose && role !== 'trainer') violation(`${name} exited by itself (code ${code})`);
    });
    return c;
  };
  const common = ['--brokers', cluster.bootstrap, '--topic-prefix', prefix];
  const processorGroup = `lyap-processor-${prefix}`;
  const processors: LyapChild[] = [];
  let processorStarts = 0;
  const startProcessor = (i: number): void => {
    processors[i] = startChild(
      'processor',
      `processor-${i}-${processorStarts++}`,
      [
        'process',
        ...common,
        '--group-id',
        processorGroup,
        '--lateness-ms',
        String(options.latenessMs ?? 60_000),
      ],
      envOf('processor'),
    );
  };
  startProcessor(0);
  startProcessor(1);
  let controller!: LyapChild;
  let controllerStarts = 0;
  const startController = (): void => {
    controller = startChild(
      'controller',
      `controller-${controllerStarts++}`,
      [
        'control',
        ...common,
        '--mode',
        'control',
        '--cooldown-steps',
        '20',
        '--group-id',
        `lyap-controller-${prefix}`,
      ],
      { ...envOf('controller'), LYAP_CONTROL_KEYS_FILE: keyFile('controller.keys') },
    );
  };
  startController();
  const alerter = startChild(
    'alerter',
    'alerter',
    ['alert', ...common, '--group-id', `lyap-alerter-${prefix}`],
    envOf('alerter'),
  );
  // The soak's clock starts once the cluster is up and the roles are launched.
  const startedAt = Date.now();

  // Trainers: each slot one short run after another until the soak's time is up.
  let stopping = false;
  let runCount = 0;
  const liveRuns = new Map<string, LyapChild>();
  const trainerChildren: LyapChild[] = [];
  const slot = async (s: number): Promise<void> => {
    for (let n = 0; !stopping; n++) {
      const runId = `soak-r${s}-${n}`;
      runCount++;
      const t = startChild(
        'trainer',
        `trainer-${runId}`,
        [
          'train',
          ...common,
          '--dataset',
          'least-squares',
          '--model',
          'linear',
          '--steps',
          String(options.stepsPerRun ?? 2000),
          '--probe-every',
          '10',
          '--backend',
          'cpu',
          '--seed',
          String(n + 1),
          '--run-id',
          runId,
          '--first-command-wait',
          '20000',
          '--buffer-events',
          '100000',
        ],
        { ...envOf('trainer'), LYAP_CONTROL_KEYS_FILE: keyFile('trainers.keys') },
        true,
      );
      trainerChildren.push(t);
      liveRuns.set(runId, t);
      const code = await t.exited;
      liveRuns.delete(runId);
      if (code !== 0)
        violation(`trainer ${runId} exited with ${code}: ${t.stderr.split('\n').slice(-3).join(' | ')}`);
      await sleep(2000);
    }
  };
  const slots = Array.from({ length: options.trainers ?? 2 }, (_, s) => slot(s));

  // The faults.
  let garbageBursts = 0;
  let forgedInjected = 0;
  const inject = async (fault: ScheduledFault): Promise<void> => {
    faults[fault.kind]++;
    log(
      `${((Date.now() - startedAt) / 1000).toFixed(0)} s: ${fault.kind}${fault.target === undefined ? '' : ` ${fault.target}`}`,
    );
    switch (fault.kind) {
      case 'garbage-burst': {
        const burst = garbageBursts++;
        const messages = Array.from({ length: 150 }, (_, i) => {
          const tag = `soak-junk-${burst}-${i}`;
          garbageSentAt.set(tag, Date.now());
          return garbage(tag, i);
        });
        await bus.publish(topics.gradients, messages.slice(0, 100));
        await bus.publish(topics.estimates, messages.slice(100));
        return;
      }
      case 'forged-commands': {
        for (const runId of liveRuns.keys()) {
          const base: LrCommandEvent = {
            v: 1,
            type: 'lr-command',
            runId,
            ts: Date.now(),
            seq: FORGED_SEQ_BASE + forgedInjected,
            lr: 0.0123,
            previousLr: 0.1,
            reason: 'manual',
            basedOnStep: 0,
          };
          const forged = [
            base,
            {
              ...signCommand(
                { ...base, seq: base.seq + 1 },
                { id: realKeyIds[0] ?? 'x', secret: 'not-the-secret' },
              ),
            },
            signCommand({ ...base, seq: base.seq + 2 }, { id: 'intruder', secret: 'intruder-secret' }),
          ];
          forgedInjected += forged.length;
          await bus.publish(
            topics.control,
            forged.map((c) => ({ key: runId, value: encodeEvent(c) })),
          );
        }
        return;
      }
      case 'processor-kill': {
        const i = fault.target as number;
        await processors[i]?.kill('SIGKILL');
        await sleep(5000);
        startProcessor(i);
        return;
      }
      case 'broker-kill': {
        const node = fault.target as number;
        await cluster.kill(node);
        await sleep(15_000);
        await cluster.restart(node);
        return;
      }
      case 'controller-restart': {
        await controller.kill(fault.target as NodeJS.Signals);
        await sleep(2000);
        startController();
        return;
      }
      case 'rotation-trainers':
        writeKeys('trainers.keys', `${OLD_KEY},${NEW_KEY}`);
        return;
      case 'rotation-controller':
        writeKeys('controller.keys', `${OLD_KEY},${NEW_KEY}`);
        return;
      case 'rotation-retire':
        writeKeys('trainers.keys', NEW_KEY);
        writeKeys('controller.keys', NEW_KEY);
        return;
    }
  };
  const schedule = soakSchedule({ minutes: options.minutes });
  // Each fault on time, whether or not the one before (a broker restart, say) has finished.
  const faultsDone = Promise.all(
    schedule.map(async (fault) => {
      await sleep(Math.max(0, startedAt + fault.atMs - Date.now()));
      await inject(fault).catch((error: unknown) => {
        violation(`injecting ${fault.kind}: ${String(error)}`);
      });
    }),
  );

  // As it goes: RSS every 5 s; ended runs checked once settled; garbage once a minute old.
  const checkEndedRuns = async (final: boolean): Promise<void> => {
    for (const [runId, seen] of runs) {
      if (checked.has(runId) || seen.endedAtMs === undefined) continue;
      const age = Date.now() - seen.endedAtMs;
      if (age < 15_000 && !final) continue;
      const check = await checkRun(runId, seen, allKeys);
      if (check.missing.length > 0 && age < 150_000) continue; // processors may still be catching up
      checked.set(runId, check);
      for (const v of runViolations(check)) violation(v);
      seen.lines.length = 0;
      seen.seenOffsets.clear();
    }
  };
  const checkGarbage = (olderThanMs: number): void => {
    for (const [tag, at] of garbageSentAt) {
      if (Date.now() - at < olderThanMs) continue;
      if (!garbageSeen.has(tag))
        violation(`garbage ${tag} is not in the dead-letter topic ${olderThanMs / 1000} s after it was sent`);
      garbageSentAt.delete(tag);
    }
  };
  let rounds = 0;
  const watch = setInterval(() => {
    for (const c of children) {
      c.sampleRss();
      if (c.peakRssKb > rssBoundMb * 1024 && !c.killedOnPurpose) {
        violation(
          `${c.name} holds ${(c.peakRssKb / 1024).toFixed(0)} MiB, above the ${rssBoundMb} MiB bound`,
        );
        c.killedOnPurpose = true; // reported once
      }
    }
    if (++rounds % 6 === 0) {
      checkGarbage(120_000);
      void checkEndedRuns(false);
    }
  }, 5000);

  await sleep(Math.max(0, startedAt + totalMs - Date.now()));
  stopping = true;
  log('time is up: no new runs; letting the runs in flight end');
  await Promise.all(slots);
  await faultsDone;
  // Every run has ended: wait for its estimates, then check it.
  const drainDeadline = Date.now() + 180_000;
  while (Date.now() < drainDeadline) {
    await checkEndedRuns(false);
    if ([...runs.keys()].every((r) => checked.has(r))) break;
    await sleep(5000);
  }
  await checkEndedRuns(true);
  for (const [runId, seen] of runs)
    if (seen.endedAtMs === undefined) violation(`${runId}: its run end never reached lyap.runs`);
  checkGarbage(0);
  clearInterval(watch);

  // Trainers' own word on commands: every forged one rejected, none lost to the rotation.
  let forgedRejected = 0;
  for (const t of trainerChildren) {
    for (const line of t.stderr.split('\n')) {
      if (!line.includes('rejected lr-command seq')) continue;
      const seq = Number(/seq (\d+)/.exec(line)?.[1]);
      if (seq >= FORGED_SEQ_BASE) {
        forgedRejected++;
        continue;
      }
      for (const id of realKeyIds) {
        if (line.includes(`key id ${id},`))
          violation(`${t.name} rejected a command of the soak's own key ${id}: ${line.slice(0, 200)}`);
      }
    }
  }

  log('stopping');
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  observer.unsubscribe();
  for (const c of [...processors, controller, alerter]) await c.kill('SIGTERM');
  for (const c of children) peakRss.set(c.role, Math.max(peakRss.get(c.role) ?? 0, c.peakRssKb));
  await bus.close();
  await cluster.stop();
  const all = [...checked.values()];
  const report: SoakReport = {
    minutes: options.minutes,
    secure,
    wallMs: Date.now() - launchedAt,
    faults,
    runs: runCount,
    runsChecked: all.length,
    estimatesChecked: all.reduce((n, c) => n + c.replayed, 0),
    estimateCopies: all.reduce((n, c) => n + c.liveCopies, 0),
    commandsPublished,
    commandsByKey,
    commandsApplied: all.reduce((n, c) => n + c.applied, 0),
    forgedInjected,
    forgedRejected,
    garbageSent: garbageBursts * 150,
    garbageDeadLettered: garbageSeen.size,
    deadLetters,
    peakRssMb: Object.fromEntries([...peakRss].map(([role, kb]) => [role, Math.round(kb / 1024)])),
    rssBoundMb,
    violations,
  };
  if (violations.length === 0) rmSync(dir, { recursive: true, force: true });
  else log(`logs kept in ${logs}`);
  return report;
}

/** The report as a markdown table (docs/reliability.md). */
export function reportTable(r: SoakReport): string {
  const rows: [string, string][] = [
    [
      'duration (wall clock, drain included)',
      `${(r.wallMs / 60_000).toFixed(1)} min (${r.minutes} min of faults)`,
    ],
    ['transport', r.secure ? 'SASL_SSL, ACLs per role' : 'plaintext'],
    ['broker SIGKILLs (node restarted 15 s later)', String(r.faults['broker-kill'])],
    ['processor SIGKILLs (restarted 5 s later)', String(r.faults['processor-kill'])],
    ['controller restarts (SIGTERM / SIGKILL in turn)', String(r.faults['controller-restart'])],
    ['garbage bursts (150 messages each)', `${r.faults['garbage-burst']} (${r.garbageSent} messages)`],
    ['garbage messages found in the dead-letter topic', `${r.garbageDeadLettered} of ${r.garbageSent}`],
    [
      'forged or unsigned commands injected / rejected by trainers',
      `${r.forgedInjected} / ${r.forgedRejected}`,
    ],
    [
      'key rotations (trainers, controller, retire)',
      String(
        Math.min(r.faults['rotation-trainers'], r.faults['rotation-controller'], r.faults['rotation-retire']),
      ),
    ],
    ['training runs', `${r.runs} (${r.runsChecked} checked)`],
    [
      'estimates checked against the replay (distinct steps)',
      `${r.estimatesChecked} (${r.estimateCopies} live copies)`,
    ],
    [
      'commands published (by key id)',
      `${r.commandsPublished} (${Object.entries(r.commandsByKey)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')})`,
    ],
    ['commands applied, each verified', String(r.commandsApplied)],
    [
      'peak RSS by role (MiB)',
      Object.entries(r.peakRssMb)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['RSS bound per process', `${r.rssBoundMb} MiB`],
    [
      'invariant violations',
      r.violations.length === 0 ? '0' : `${r.violations.length}: ${r.violations.slice(0, 5).join('; ')}`,
    ],
  ];
  return ['| what | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
