import type { BusMessage } from '../transport/index.js';
import type { ProcessorConfig } from './config.js';
import type { EngineOutputs } from './engine-outputs.js';
import { RunState } from './run-state.js';
import type { RunSnapshots } from './run-snapshots.js';
import type { ProcessorStats } from './stats.js';

export interface LiveRunsOptions {
  config: Readonly<ProcessorConfig>;
  stats: ProcessorStats;
  snapshots: RunSnapshots;
  outputs: EngineOutputs;
}

/**
 * The runs the engine holds, by id. A run is admitted with its first event: restored from
 * its snapshot when it is dormant, otherwise opened, unless `maxRuns` runs are live (the
 * event is then dead-lettered). Closing a run releases every step it still holds.
 */
export class LiveRuns {
  private readonly runs = new Map<string, RunState>();

  constructor(private readonly options: LiveRunsOptions) {}

  get size(): number {
    return this.runs.size;
  }

  get(runId: string): RunState | undefined {
    return this.runs.get(runId);
  }

  values(): IterableIterator<RunState> {
    return this.runs.values();
  }

  /** The run `message` (of run `runId`) belongs to; undefined when it was refused. */
  admit(runId: string, message: BusMessage, nowMs: number): RunState | undefined {
    const existing = this.runs.get(runId);
    if (existing !== undefined) return existing;
    const { config, stats, snapshots, outputs } = this.options;
    const restored = snapshots.wake(runId);
    if (restored !== undefined) {
      stats.runsRestored++;
      return this.hold(RunState.fromState(restored, config));
    }
    if (this.runs.size >= config.maxRuns) {
      outputs.deadLetter({
        message,
        reason: 'run-capacity',
        error: `run-capacity: ${config.maxRuns} runs are live; run ${runId} was not admitted`,
        nowMs,
        runId,
      });
      return undefined;
    }
    stats.runsOpened++;
    return this.hold(new RunState(runId, nowMs, config));
  }

  close(run: RunState, nowMs: number): void {
    const { outputs } = this.options;
    outputs.estimates(
      run.release({
        nowMs,
        force: true,
        estimateTs: nowMs,
        onFailure: outputs.estimateFailure,
      }),
    );
    this.runs.delete(run.runId);
    this.options.stats.liveRuns = this.runs.size;
    this.options.snapshots.close(run.runId, run.ended);
  }

  /** Sets every live run aside (partitions may have changed hands). */
  clear(): void {
    this.runs.clear();
    this.options.stats.liveRuns = 0;
  }

  private hold(run: RunState): RunState {
    this.runs.set(run.runId, run);
    this.options.stats.liveRuns = this.runs.size;
    return run;
  }
}
