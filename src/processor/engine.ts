import {
  decodeEvent,
  makeDeadLetter,
  topicNames,
  type DeadLetterEvent,
  type EstimateEvent,
  type LyapEvent,
  type TopicNames,
} from '../events/index.js';
import type { BusMessage, Payload } from '../transport/index.js';
import type { ProcessorConfig } from './config.js';
import { decodeRunSnapshot, encodeRunSnapshot } from './run-snapshot.js';
import { RunState, type RunStateData } from './run-state.js';
import { bump, emptyStats, invalidKey, type InvalidReason, type ProcessorStats } from './stats.js';

/** What a process wants to know of the engine's traffic (metrics implement it). */
export interface ProcessorObserver {
  consumed(event: LyapEvent, topic: string, nowMs: number): void;
  record(event: LyapEvent, nowMs: number): void;
  invalid(topic: string, reason: string): void;
  /** Messages behind the end of a consumed partition (Kafka). */
  lag?(topic: string, partition: number, messages: number): void;
}

export interface Output {
  topic: string;
  key: string;
  event: EstimateEvent | DeadLetterEvent;
}

/** A record for the processors' state topic (key = run id). */
export interface SnapshotRecord {
  key: string;
  value: string;
}

/**
 * The processor's logic, synchronous and free of I/O: bytes in, estimate and
 * dead-letter events out. `ingest` takes one bus message at the time `nowMs`;
 * `tick` releases steps whose lateness has run out and expires silent runs;
 * `flush` finalises everything (end of input). Outputs accumulate until `drain`.
 *
 * Time: `nowMs` is whatever clock the caller runs on. Live pipelines pass wall time;
 * `lyap replay` passes event time (the largest `ts` seen), which makes its output a
 * pure function of its input.
 */
export class ProcessorEngine {
  readonly topics: TopicNames;
  readonly stats: ProcessorStats = emptyStats();
  private readonly runs = new Map<string, RunState>();
  private readonly ended = new Set<string>();
  private readonly endedOrder: string[] = [];
  private outputs: Output[] = [];
  private lastSweepMs = -Infinity;
  private watermark = 0;
  private snapshotting = false;
  private catchingUp = false;
  /** Runs changed since the last `drainSnapshots`, and runs closed since (true: ended). */
  private readonly touched = new Set<string>();
  private readonly closedSince = new Map<string, boolean>();
  /** Runs known from the state topic that this engine has not seen events of (yet). */
  private dormant = new Map<string, RunStateData>();

  constructor(
    private readonly config: Readonly<ProcessorConfig>,
    private readonly observer?: ProcessorObserver,
  ) {
    this.topics = topicNames(config.topicPrefix);
  }

  get liveRuns(): number {
    return this.runs.size;
  }

  /** The event-time clock: the largest `ts` of any valid event seen. */
  get watermarkMs(): number {
    return this.watermark;
  }

  /** `nowMs` omitted: run on event time (see the class comment). */
  ingest(message: BusMessage, wallMs?: number): void {
    bump(this.stats.eventsByTopic, message.topic);
    if (isBlank(message.value)) {
      this.stats.ignored++;
      return;
    }
    const decoded = decodeEvent(message.value, { maxBytes: this.config.maxEventBytes });
    if (decoded.ok && decoded.event.ts > this.watermark) this.watermark = decoded.event.ts;
    const nowMs = wallMs ?? this.watermark;
    if (!decoded.ok) {
      this.deadLetter(message, decoded.error.reason, decoded.error.message, nowMs, decoded.error.runId);
    } else {
      this.observer?.consumed(decoded.event, message.topic, nowMs);
      this.route(decoded.event, message, nowMs);
    }
    if (nowMs - this.lastSweepMs >= this.config.sweepIntervalMs) this.tick(nowMs);
  }

  /**
   * Whether the input is being read from a backlog (some input partition is behind its end).
   * While it is, a half-step waiting for its partner is not finalised by `latenessMs`: on a
   * backlog the partner is in the log, still to be read (one topic's batch comes before the
   * other's), not late. The step rules and `maxSkewSteps` still apply.
   */
  setCatchingUp(catchingUp: boolean): void {
    this.catchingUp = catchingUp;
  }

  /** From now on, `drainSnapshots` returns the state of every run that changed. */
  enableSnapshots(): void {
    this.snapshotting = true;
  }

  /**
   * The state-topic records for the runs changed since the last call: a `live` snapshot of
   * each, or a `closed` marker. Published with the outputs, before the input is acknowledged,
   * so the state topic is never behind the committed offsets.
   */
  drainSnapshots(): SnapshotRecord[] {
    if (!this.snapshotting || (this.touched.size === 0 && this.closedSince.size === 0)) return [];
    const out: SnapshotRecord[] = [];
    for (const [runId, ended] of this.closedSince) {
      out.push({ key: runId, value: encodeRunSnapshot({ kind: 'closed', runId, ended }) });
    }
    for (const runId of this.touched) {
      const run = this.runs.get(runId);
      if (run !== undefined)
        out.push({ key: runId, value: encodeRunSnapshot({ kind: 'live', data: run.state() }) });
    }
    this.touched.clear();
    this.closedSince.clear();
    return out;
  }

  /**
   * Partitions may have changed hands: every live run is set aside (its latest state is on
   * the state topic already) and `records`, the state topic read to its end, become the
   * runs this engine can take over. A run is restored from its snapshot when its next
   * event arrives; runs never seen stay dormant and emit nothing.
   */
  resetFromSnapshots(records: Iterable<Payload>): void {
    this.runs.clear();
    this.stats.liveRuns = 0;
    this.touched.clear();
    this.closedSince.clear();
    const dormant = new Map<string, RunStateData>();
    const decoder = new TextDecoder();
    for (const value of records) {
      if (isBlank(value)) continue;
      const decoded = decodeRunSnapshot(typeof value === 'string' ? value : decoder.decode(value));
      if (!decoded.ok) {
        this.stats.snapshotsInvalid++;
        continue;
      }
      const { snapshot } = decoded;
      if (snapshot.kind === 'closed') {
        dormant.delete(snapshot.runId);
        if (snapshot.ended) this.rememberEnded(snapshot.runId);
      } else {
        dormant.set(snapshot.data.runId, snapshot.data);
        this.ended.delete(snapshot.data.runId);
      }
    }
    this.dormant = dormant;
  }

  tick(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const run of this.runs.values()) {
      if (nowMs - run.lastSeenMs >= this.config.runTtlMs) {
        this.closeRun(run, nowMs);
        this.stats.runsExpired++;
      } else {
        this.releaseRun(run, nowMs);
      }
    }
  }

  flush(nowMs: number): void {
    for (const run of [...this.runs.values()]) {
      this.closeRun(run, nowMs);
      if (run.endSeenMs !== undefined) this.stats.runsEnded++;
    }
  }

  drain(): Output[] {
    const out = this.outputs;
    this.outputs = [];
    return out;
  }

  private route(event: LyapEvent, message: BusMessage, nowMs: number): void {
    if (event.type !== 'run' && event.type !== 'gradient' && event.type !== 'trajectory') {
      this.stats.ignored++;
      return;
    }
    if (event.type === 'run' && event.phase === 'end') {
      if (this.ended.has(event.runId)) {
        this.stats.duplicates++;
        return;
      }
      // The end may overtake the run's last steps (they travel on other topics), so the
      // run stays open until its last step is out or the end grace has passed.
      const run = this.runFor(event.runId, message, nowMs);
      if (run === undefined || run.endSeenMs !== undefined) return;
      this.touch(run.runId);
      run.endSeenMs = nowMs;
      if (event.lastStep !== undefined) run.lastStep = event.lastStep;
      this.releaseRun(run, nowMs);
      return;
    }
    if (event.type === 'run' && this.ended.delete(event.runId)) {
      // A new start for a run id that ended: a fresh run under the same id.
    } else if (this.ended.has(event.runId)) {
      this.stats.afterEnd++;
      return;
    }
    const run = this.runFor(event.runId, message, nowMs);
    if (run === undefined) return;
    this.touch(run.runId);
    if (event.type === 'run') {
      if (run.started) this.stats.duplicates++;
      run.started = true;
      run.config = event.config;
      run.lastSeenMs = nowMs;
      return;
    }
    const outcome = run.offer(event, nowMs);
    if (outcome === 'duplicate') this.stats.duplicates++;
    else if (outcome === 'late') {
      this.deadLetter(
        message,
        'late',
        `late: ${event.type} of step ${event.step} arrived after the step was finalised ` +
          `(lateness ${this.config.latenessSteps} steps / ${this.config.latenessMs} ms)`,
        nowMs,
        event.runId,
      );
    } else this.releaseRun(run, nowMs);
  }

  /** Emits what is final; closes a run whose end was seen once its last step is out or its grace ran out. */
  private releaseRun(run: RunState, nowMs: number): void {
    const before = run.releasedThrough;
    this.emit(run.release(nowMs, false, nowMs, !this.catchingUp));
    if (run.releasedThrough !== before) this.touch(run.runId);
    if (run.endSeenMs === undefined) return;
    // With the last step announced, wait for it (a silent run still expires by its TTL);
    // without, give stragglers endGraceMs.
    const closing =
      run.lastStep !== undefined
        ? run.releasedThrough >= run.lastStep
        : nowMs - run.endSeenMs >= this.config.endGraceMs;
    if (closing) {
      this.closeRun(run, nowMs);
      this.stats.runsEnded++;
      this.rememberEnded(run.runId);
    }
  }

  private runFor(runId: string, message: BusMessage, nowMs: number): RunState | undefined {
    const existing = this.runs.get(runId);
    if (existing !== undefined) return existing;
    const restored = this.dormant.get(runId);
    if (restored !== undefined) {
      this.dormant.delete(runId);
      const run = RunState.fromState(restored, this.config);
      this.runs.set(runId, run);
      this.stats.runsRestored++;
      this.stats.liveRuns = this.runs.size;
      return run;
    }
    if (this.runs.size >= this.config.maxRuns) {
      this.deadLetter(
        message,
        'run-capacity',
        `run-capacity: ${this.config.maxRuns} runs are live; run ${runId} was not admitted`,
        nowMs,
        runId,
      );
      return undefined;
    }
    const run = new RunState(runId, nowMs, this.config);
    this.runs.set(runId, run);
    this.stats.runsOpened++;
    this.stats.liveRuns = this.runs.size;
    return run;
  }

  private closeRun(run: RunState, nowMs: number): void {
    this.emit(run.release(nowMs, true, nowMs));
    this.runs.delete(run.runId);
    this.stats.liveRuns = this.runs.size;
    if (this.snapshotting) {
      this.touched.delete(run.runId);
      this.closedSince.set(run.runId, run.endSeenMs !== undefined);
    }
  }

  private touch(runId: string): void {
    if (this.snapshotting) this.touched.add(runId);
  }

  private rememberEnded(runId: string): void {
    if (this.ended.has(runId)) return;
    this.ended.add(runId);
    this.endedOrder.push(runId);
    if (this.endedOrder.length > this.config.maxRuns) {
      const old = this.endedOrder.shift();
      if (old !== undefined) this.ended.delete(old);
    }
  }

  private emit(estimates: EstimateEvent[]): void {
    for (const event of estimates) {
      this.outputs.push({ topic: this.topics.estimates, key: event.runId, event });
      this.stats.estimates++;
      this.observer?.record(event, event.ts);
    }
  }

  private deadLetter(
    message: BusMessage,
    reason: InvalidReason,
    error: string,
    nowMs: number,
    runId: string | undefined,
  ): void {
    bump(this.stats.invalid, invalidKey(message.topic, reason));
    this.observer?.invalid(message.topic, reason);
    const input: Parameters<typeof makeDeadLetter>[0] = {
      sourceTopic: message.topic,
      partition: message.partition,
      offset: message.offset,
      error,
      raw: message.value,
      ts: nowMs,
    };
    if (message.key !== undefined) input.key = message.key;
    if (runId !== undefined) input.runId = runId;
    const event = makeDeadLetter(input);
    this.outputs.push({ topic: this.topics.dlq, key: event.runId, event });
    this.stats.deadLetters++;
  }
}

/** Empty payloads (tombstones on the compacted runs topic, blank lines in a replay file). */
function isBlank(value: string | Uint8Array): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = typeof value === 'string' ? value.charCodeAt(i) : (value[i] ?? 0);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
