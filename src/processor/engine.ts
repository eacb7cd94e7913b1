import { decodeEvent, topicNames, type LyapEvent, type TopicNames } from '../events/index.js';
import type { BusMessage, Payload } from '../transport/index.js';
import type { ProcessorConfig } from './config.js';
import { EngineOutputs, type Output } from './engine-outputs.js';
import { isBlank } from '../stage/index.js';
import { LiveRuns } from './live-runs.js';
import type { ProcessorObserver } from './observer.js';
import { RecentSet } from './recent-set.js';
import { RunSnapshots, type SnapshotRecord } from './run-snapshots.js';
import type { RunState } from './run-state.js';
import { bump, emptyStats, type ProcessorStats } from './stats.js';

/**
 * The processor's logic, synchronous and free of I/O: bytes in, estimate and
 * dead-letter events out. `ingest` takes one bus message; `tick` releases steps whose
 * lateness has run out and expires silent runs; `flush` finalises everything (end of
 * input). Outputs accumulate until `drain`.
 *
 * Time: live pipelines run on wall time (`ingest(message, wallMs)`, `tick(wallMs)`);
 * `lyap replay` runs on event time (`ingest(message)`: now is the largest `ts` seen),
 * which makes its output a pure function of its input.
 */
export class ProcessorEngine {
  readonly topics: TopicNames;
  readonly stats: ProcessorStats = emptyStats();
  private readonly runs: LiveRuns;
  private readonly ended: RecentSet<string>;
  private readonly snapshots = new RunSnapshots();
  private readonly outputs: EngineOutputs;
  private lastSweepMs = -Infinity;
  private watermark = 0;
  private catchingUp = false;
  private readonly decodeOptions: { readonly maxBytes: number };

  constructor(
    private readonly config: Readonly<ProcessorConfig>,
    private readonly observer?: ProcessorObserver,
  ) {
    this.topics = topicNames(config.topicPrefix);
    this.decodeOptions = { maxBytes: config.maxEventBytes };
    this.ended = new RecentSet({ capacity: config.maxRuns });
    this.outputs = new EngineOutputs({ topics: this.topics, stats: this.stats, observer });
    this.runs = new LiveRuns({ config, stats: this.stats, snapshots: this.snapshots, outputs: this.outputs });
  }

  get liveRuns(): number {
    return this.runs.size;
  }

  /** The event-time clock: the largest `ts` of any valid event seen. */
  get watermarkMs(): number {
    return this.watermark;
  }

  /** `wallMs`: the wall clock now; omitted, the engine runs on event time (see the class comment). */
  ingest(message: BusMessage, wallMs?: number): void {
    bump(this.stats.eventsByTopic, message.topic);
    if (isBlank(message.value)) {
      this.stats.ignored++;
      return;
    }
    const decoded = decodeEvent(message.value, this.decodeOptions);
    if (decoded.ok && decoded.event.ts > this.watermark) this.watermark = decoded.event.ts;
    const nowMs = wallMs ?? this.watermark;
    if (!decoded.ok) {
      const { reason, message: error, runId } = decoded.error;
      this.outputs.deadLetter({ message, reason, error, nowMs, runId });
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
    this.snapshots.enable();
  }

  /**
   * The state-topic records for the runs changed since the last call: a `live` snapshot of
   * each, or a `closed` marker. Published with the outputs, before the input is acknowledged,
   * so the state topic is never behind the committed offsets.
   */
  drainSnapshots(): SnapshotRecord[] {
    return this.snapshots.drain((runId) => this.runs.get(runId)?.state());
  }

  /**
   * Partitions may have changed hands: every live run is set aside (its latest state is on
   * the state topic already) and `records`, the state topic read to its end, become the
   * runs this engine can take over. A run is restored from its snapshot when its next
   * event arrives; runs never seen stay dormant and emit nothing.
   */
  resetFromSnapshots(records: Iterable<Payload>): void {
    this.runs.clear();
    this.stats.snapshotsInvalid += this.snapshots.reset(records, this.ended);
  }

  tick(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const run of this.runs.values()) {
      if (nowMs - run.lastSeenMs >= this.config.runTtlMs) {
        this.runs.close(run, nowMs);
        this.stats.runsExpired++;
      } else {
        this.releaseRun(run, nowMs);
      }
    }
  }

  flush(nowMs: number): void {
    for (const run of [...this.runs.values()]) {
      this.runs.close(run, nowMs);
      if (run.ended) this.stats.runsEnded++;
    }
  }

  drain(): Output[] {
    return this.outputs.drain();
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
      // run stays open until it is ready to close (see RunState.readyToClose).
      const run = this.runs.admit(event.runId, message, nowMs);
      if (run === undefined || run.ended) return;
      this.snapshots.touch(run.runId);
      run.seeEnd(nowMs, event.lastStep);
      this.releaseRun(run, nowMs);
      return;
    }
    if (event.type === 'run' && this.ended.delete(event.runId)) {
      // A new start for a run id that ended: a fresh run under the same id.
    } else if (this.ended.has(event.runId)) {
      this.stats.afterEnd++;
      return;
    }
    const run = this.runs.admit(event.runId, message, nowMs);
    if (run === undefined) return;
    this.snapshots.touch(run.runId);
    if (event.type === 'run') {
      if (run.started) this.stats.duplicates++;
      run.start(event.config, nowMs);
      return;
    }
    const outcome =
      event.type === 'gradient'
        ? run.offer(event, nowMs, {
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
          })
        : run.offer(event, nowMs);
    if (outcome === 'duplicate') this.stats.duplicates++;
    else if (outcome === 'late') {
      this.outputs.deadLetter({
        message,
        reason: 'late',
        error:
          `late: ${event.type} of step ${event.step} arrived after the step was finalised ` +
          `(lateness ${this.config.latenessSteps} steps / ${this.config.latenessMs} ms)`,
        nowMs,
        runId: event.runId,
      });
    } else this.releaseRun(run, nowMs);
  }

  /** Emits what is final; closes an ended run that is ready to close. */
  private releaseRun(run: RunState, nowMs: number): void {
    const before = run.releasedThrough;
    this.outputs.estimates(
      run.release({
        nowMs,
        force: false,
        estimateTs: nowMs,
        byTime: !this.catchingUp,
        onFailure: this.outputs.estimateFailure,
      }),
    );
    if (run.releasedThrough !== before) this.snapshots.touch(run.runId);
    if (run.readyToClose(nowMs)) {
      this.runs.close(run, nowMs);
      this.stats.runsEnded++;
      this.ended.add(run.runId);
    }
  }
}
