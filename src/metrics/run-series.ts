/**
 * Which runs currently have series, so that label cardinality stays bounded: a run's
 * series are removed once it ended, or went silent, more than `ttlMs` ago; at most
 * `maxRuns` runs have series at once, and samples of further runs are refused (and
 * counted by the caller).
 */
export class RunSeries {
  private readonly runs = new Map<string, { lastSeenMs: number; endedMs?: number; labelSets: Set<string> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxRuns: number,
  ) {}

  get size(): number {
    return this.runs.size;
  }

  /** Whether `runId` may have series now (registering it if there is room). */
  admit(runId: string, nowMs: number): boolean {
    const run = this.runs.get(runId);
    if (run !== undefined) {
      run.lastSeenMs = nowMs;
      delete run.endedMs;
      return true;
    }
    if (this.runs.size >= this.maxRuns) return false;
    this.runs.set(runId, { lastSeenMs: nowMs, labelSets: new Set() });
    return true;
  }

  /** Records a label set (serialised) that belongs to the run, to remove it later. */
  track(runId: string, labelSetKey: string): void {
    this.runs.get(runId)?.labelSets.add(labelSetKey);
  }

  ended(runId: string, nowMs: number): void {
    const run = this.runs.get(runId);
    if (run !== undefined) run.endedMs = nowMs;
  }

  /** Runs whose series are due for removal at `nowMs`, with their label sets; forgotten here. */
  expire(nowMs: number): { runId: string; labelSets: string[] }[] {
    const out: { runId: string; labelSets: string[] }[] = [];
    for (const [runId, run] of this.runs) {
      const since = run.endedMs ?? run.lastSeenMs;
      if (nowMs - since >= this.ttlMs) {
        out.push({ runId, labelSets: [...run.labelSets] });
        this.runs.delete(runId);
      }
    }
    return out;
  }
}
