import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { LyapError } from '../errors.js';
import type { LyapEvent, TopicNames } from '../events/index.js';
import { startStage, type StageHandle } from '../stage/index.js';
import type { Bus } from '../transport/index.js';
import type { LiveDelta, LiveSnapshot } from './live-protocol.js';
import { RunView } from './run-view.js';

export interface LiveFeedOptions {
  topics: TopicNames;
  /** Rows kept per series of a run (gradients; estimates), decimated beyond (default 2000). */
  maxPointsPerRun?: number;
  /** Runs held at once; beyond it the oldest finished run is evicted (default 20). */
  maxRuns?: number;
  /** Changes are coalesced into one delta per interval (default 100 ms: at most 10 deltas/s). */
  flushIntervalMs?: number;
  /** Schedules the flushes (default `asyncScheduler`); a virtual-time scheduler in tests. */
  scheduler?: SchedulerLike;
}

export interface LiveFeedStats {
  /** Messages read from the bus. */
  readonly consumed: number;
  /** Messages that did not decode, of other types, of evicted runs, or duplicates. */
  readonly ignored: number;
  readonly deltas: number;
  /** Why the bus subscription failed, if it did. */
  readonly error?: string | undefined;
}

type ViewedEvent = Extract<LyapEvent, { type: 'run' | 'gradient' | 'estimate' | 'lr-command' | 'alert' }>;

const DEFAULTS = { maxPointsPerRun: 2000, maxRuns: 20, flushIntervalMs: 100 } as const;
/** Evicted run ids remembered (so their late events do not bring them back), per run held. */
const EVICTED_MEMORY_PER_RUN = 10;

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new LyapError('LYAP_E_CONFIG', `LiveFeed ${name} must be an integer >= ${min}, received ${value}`);
  }
  return value;
}

/**
 * What the live page shows, held in bounded memory and kept current from the bus: per run
 * its info, decimated loss/lr and estimate series, commands and alerts (see RunView). Every
 * change is coalesced into one delta per flush interval, sent to every listener.
 */
export class LiveFeed {
  readonly stats: LiveFeedStats;
  private readonly topics: TopicNames;
  private readonly maxPointsPerRun: number;
  private readonly maxRuns: number;
  private readonly flushIntervalMs: number;
  private readonly scheduler: SchedulerLike;
  /** In the order first seen. */
  private readonly runs = new Map<string, RunView>();
  private readonly lastActivity = new Map<string, number>();
  private readonly evicted = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly listeners = new Set<(delta: LiveDelta) => void>();
  private removed: string[] = [];
  private version = 0;
  private activity = 0;
  private flushTimer: Subscription | undefined;
  private consumer: StageHandle | undefined;
  /** Counts of consumers stopped before the current one, and of events that changed nothing. */
  private readonly counts = { consumed: 0, ignored: 0, deltas: 0, error: undefined as string | undefined };

  constructor(options: LiveFeedOptions) {
    this.topics = options.topics;
    this.maxPointsPerRun = positiveInteger(
      'maxPointsPerRun',
      options.maxPointsPerRun ?? DEFAULTS.maxPointsPerRun,
      2,
    );
    this.maxRuns = positiveInteger('maxRuns', options.maxRuns ?? DEFAULTS.maxRuns, 1);
    const interval = options.flushIntervalMs ?? DEFAULTS.flushIntervalMs;
    if (!Number.isFinite(interval) || interval < 0) {
      throw new LyapError('LYAP_E_CONFIG', `LiveFeed flushIntervalMs must be >= 0, received ${interval}`);
    }
    this.flushIntervalMs = interval;
    this.scheduler = options.scheduler ?? asyncScheduler;
    const { counts } = this;
    const current = (): StageHandle['stats'] | undefined => this.consumer?.stats;
    this.stats = {
      get consumed() {
        return counts.consumed + (current()?.consumed ?? 0);
      },
      get ignored() {
        const stage = current();
        return counts.ignored + (stage === undefined ? 0 : stage.invalid + stage.ignored);
      },
      get deltas() {
        return counts.deltas;
      },
      get error() {
        return counts.error;
      },
    };
  }

  /** Consumes runs, gradients, estimates, control and alerts topics of `bus` under consumer group `groupId` (fromBeginning true). */
  start(bus: Bus, groupId: string): void {
    if (this.consumer !== undefined) throw new Error('LiveFeed.start: already started; stop() it first');
    const t = this.topics;
    const consumer = startStage({
      bus,
      inputs: [t.runs, t.gradients, t.estimates, t.control, t.alerts],
      groupId,
      fromBeginning: true,
      accepts: ['run', 'gradient', 'estimate', 'lr-command', 'alert'],
      handle: (event) => {
        if (!this.view(event)) this.counts.ignored += 1;
      },
    });
    consumer.done.catch((error: unknown) => {
      this.counts.error = error instanceof Error ? error.message : String(error);
    });
    this.consumer = consumer;
  }

  /** Stops consuming and sends what is pending as a last delta; what is held stays readable. */
  stop(): void {
    const stopped = this.consumer;
    if (stopped !== undefined) {
      stopped.stop();
      this.counts.consumed += stopped.stats.consumed;
      this.counts.ignored += stopped.stats.invalid + stopped.stats.ignored;
    }
    this.consumer = undefined;
    if (this.flushTimer !== undefined) this.flush();
  }

  /** Everything held now, JSON-serialisable (for /live/snapshot and a new SSE client). */
  snapshot(): LiveSnapshot {
    const views = [...this.runs.values()];
    return {
      version: this.version,
      maxPointsPerRun: this.maxPointsPerRun,
      runs: views.map((v) => v.snapshot()),
      commands: views.flatMap((v) => v.commandItems()).sort((a, b) => a.ts - b.ts || a.seq - b.seq),
      alerts: views.flatMap((v) => v.alertItems()).sort((a, b) => a.ts - b.ts),
    };
  }

  /** Listener gets small JSON-serialisable deltas; returns an unsubscribe function. */
  subscribe(listener: (delta: LiveDelta) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Whether the event changed what is held. */
  private view(event: ViewedEvent): boolean {
    let run = this.runs.get(event.runId);
    if (run === undefined) {
      const restart = event.type === 'run' && event.phase === 'start';
      if (this.evicted.has(event.runId) && !restart) return false;
      this.evicted.delete(event.runId);
      run = new RunView(event.runId, this.maxPointsPerRun);
      this.runs.set(event.runId, run);
      this.evictBeyondCapacity(event.runId);
    }
    if (!run.ingest(event)) return false;
    this.lastActivity.set(event.runId, ++this.activity);
    this.dirty.add(event.runId);
    this.flushTimer ??= this.scheduler.schedule(() => {
      this.flush();
    }, this.flushIntervalMs);
    return true;
  }

  /** Evicts the finished run that ended first or, with none finished, the one silent longest. */
  private evictBeyondCapacity(keep: string): void {
    while (this.runs.size > this.maxRuns) {
      let victim: string | undefined;
      let victimEnd = Infinity;
      for (const [id, view] of this.runs) {
        if (id === keep || !view.finished) continue;
        const end = view.info.endedTs ?? -Infinity;
        if (victim === undefined || end < victimEnd) {
          victim = id;
          victimEnd = end;
        }
      }
      if (victim === undefined) {
        let quietest = Infinity;
        for (const [id] of this.runs) {
          const last = this.lastActivity.get(id) ?? 0;
          if (id !== keep && last < quietest) {
            victim = id;
            quietest = last;
          }
        }
      }
      if (victim === undefined) return;
      this.runs.delete(victim);
      this.lastActivity.delete(victim);
      this.dirty.delete(victim);
      this.removed.push(victim);
      this.evicted.add(victim);
      if (this.evicted.size > EVICTED_MEMORY_PER_RUN * this.maxRuns) {
        const oldest = this.evicted.values().next();
        if (oldest.done !== true) this.evicted.delete(oldest.value);
      }
    }
  }

  private flush(): void {
    this.flushTimer?.unsubscribe();
    this.flushTimer = undefined;
    this.version += 1;
    const delta: LiveDelta = {
      version: this.version,
      runs: [],
      removedRuns: this.removed,
      commands: [],
      alerts: [],
    };
    this.removed = [];
    for (const id of this.dirty) {
      const view = this.runs.get(id);
      if (view === undefined) continue;
      const { run, commands, alerts } = view.drain();
      delta.runs.push(run);
      delta.commands.push(...commands);
      delta.alerts.push(...alerts);
    }
    this.dirty.clear();
    this.counts.deltas += 1;
    for (const listener of [...this.listeners]) {
      try {
        listener(delta);
      } catch {
        // A failing listener (a broken connection) must not keep the others from their delta.
      }
    }
  }
}
