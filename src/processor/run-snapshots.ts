import type { Payload } from '../transport/index.js';
import { isBlank } from '../stage/index.js';
import type { RecentSet } from './recent-set.js';
import { decodeRunSnapshot, encodeRunSnapshot, type RunStateData } from './run-snapshot.js';

/** A record for the processors' state topic (key = run id). */
export interface SnapshotRecord {
  key: string;
  value: string;
}

/**
 * The engine's side of the state topic. Once enabled, it tracks the runs changed since the
 * last `drain` and the runs closed since (true: ended). After a `reset` it holds the runs
 * read from the topic that the engine has not seen events of (yet): dormant until `wake`.
 */
export class RunSnapshots {
  private enabled = false;
  private readonly touched = new Set<string>();
  private readonly closedSince = new Map<string, boolean>();
  private dormant = new Map<string, RunStateData>();

  enable(): void {
    this.enabled = true;
  }

  touch(runId: string): void {
    if (this.enabled) this.touched.add(runId);
  }

  close(runId: string, ended: boolean): void {
    if (!this.enabled) return;
    this.touched.delete(runId);
    this.closedSince.set(runId, ended);
  }

  /** A `closed` marker for each run closed, then a `live` snapshot of each run changed (and still live). */
  drain(stateOf: (runId: string) => RunStateData | undefined): SnapshotRecord[] {
    if (!this.enabled || (this.touched.size === 0 && this.closedSince.size === 0)) return [];
    const out: SnapshotRecord[] = [];
    for (const [runId, ended] of this.closedSince) {
      out.push({ key: runId, value: encodeRunSnapshot({ kind: 'closed', runId, ended }) });
    }
    for (const runId of this.touched) {
      const data = stateOf(runId);
      if (data !== undefined) out.push({ key: runId, value: encodeRunSnapshot({ kind: 'live', data }) });
    }
    this.touched.clear();
    this.closedSince.clear();
    return out;
  }

  /**
   * Forgets what changed and holds `records`, the state topic read to its end, as the dormant
   * runs. A run closed after it ended is remembered in `ended`; a live one is forgotten there.
   * Returns how many records could not be used.
   */
  reset(records: Iterable<Payload>, ended: RecentSet<string>): number {
    this.touched.clear();
    this.closedSince.clear();
    const dormant = new Map<string, RunStateData>();
    const decoder = new TextDecoder();
    let unusable = 0;
    for (const value of records) {
      if (isBlank(value)) continue;
      const decoded = decodeRunSnapshot(typeof value === 'string' ? value : decoder.decode(value));
      if (!decoded.ok) {
        unusable++;
        continue;
      }
      const { snapshot } = decoded;
      if (snapshot.kind === 'closed') {
        dormant.delete(snapshot.runId);
        if (snapshot.ended) ended.add(snapshot.runId);
      } else {
        dormant.set(snapshot.data.runId, snapshot.data);
        ended.delete(snapshot.data.runId);
      }
    }
    this.dormant = dormant;
    return unusable;
  }

  /** The snapshot of a dormant run, which is dormant no more. */
  wake(runId: string): RunStateData | undefined {
    const data = this.dormant.get(runId);
    if (data !== undefined) this.dormant.delete(runId);
    return data;
  }
}
