import type { EstimateEvent, GradientEvent, LrCommandEvent } from '../events/index.js';

const MAX_REMEMBERED = 64;

/**
 * The closed-loop latency: from the estimate a learning-rate command was based on
 * (`basedOnStep`) to the first training step that reports the command as applied
 * (`cmdSeq`), on the events' own timestamps. Keeps the last few estimates and commands
 * per run.
 */
export class ControlLoop {
  private readonly runs = new Map<
    string,
    { estimates: Map<number, number>; commands: Map<number, number>; lastApplied: number }
  >();

  estimate(event: EstimateEvent): void {
    const run = this.run(event.runId);
    run.estimates.set(event.step, event.ts);
    trim(run.estimates);
  }

  command(event: LrCommandEvent): void {
    const run = this.run(event.runId);
    const estimateTs = run.estimates.get(event.basedOnStep);
    if (estimateTs !== undefined) run.commands.set(event.seq, estimateTs);
    trim(run.commands);
  }

  /** Milliseconds from estimate to application when this step first applies a known command. */
  applied(event: GradientEvent): number | undefined {
    if (event.cmdSeq === undefined) return undefined;
    const run = this.runs.get(event.runId);
    if (run === undefined || event.cmdSeq <= run.lastApplied) return undefined;
    run.lastApplied = event.cmdSeq;
    const estimateTs = run.commands.get(event.cmdSeq);
    return estimateTs === undefined ? undefined : Math.max(0, event.ts - estimateTs);
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }

  private run(runId: string): {
    estimates: Map<number, number>;
    commands: Map<number, number>;
    lastApplied: number;
  } {
    let run = this.runs.get(runId);
    if (run === undefined) {
      run = { estimates: new Map(), commands: new Map(), lastApplied: -1 };
      this.runs.set(runId, run);
    }
    return run;
  }
}

function trim(map: Map<number, number>): void {
  if (map.size <= MAX_REMEMBERED) return;
  const oldest = map.keys().next();
  if (oldest.done !== true) map.delete(oldest.value);
}
