import type { DecodeFailureReason } from '../events/index.js';

export type InvalidReason = DecodeFailureReason | 'late' | 'run-capacity' | 'estimate-failed';

/** What the processor has seen and done, as plain counters (exported as metrics elsewhere). */
export interface ProcessorStats {
  eventsByTopic: Map<string, number>;
  invalid: Map<string, number>;
  duplicates: number;
  ignored: number;
  afterEnd: number;
  estimates: number;
  deadLetters: number;
  runsOpened: number;
  runsEnded: number;
  runsExpired: number;
  liveRuns: number;
  /** Runs taken over from a state snapshot (restart, rebalance). */
  runsRestored: number;
  /** State snapshots that could not be used (the run then starts empty). */
  snapshotsInvalid: number;
}

export function emptyStats(): ProcessorStats {
  return {
    eventsByTopic: new Map(),
    invalid: new Map(),
    duplicates: 0,
    ignored: 0,
    afterEnd: 0,
    estimates: 0,
    deadLetters: 0,
    runsOpened: 0,
    runsEnded: 0,
    runsExpired: 0,
    liveRuns: 0,
    runsRestored: 0,
    snapshotsInvalid: 0,
  };
}

export function invalidKey(topic: string, reason: InvalidReason): string {
  return `${topic}\u0000${reason}`;
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
