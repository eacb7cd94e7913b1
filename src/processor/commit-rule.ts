export interface CommitRuleInput {
  /** Whether snapshots are kept (a state store): without one, nothing is deferred. */
  stateStore: boolean;
  /** A delivery to acknowledge, or a sweep (which has nothing to acknowledge). */
  work: 'batch' | 'tick';
  /** Messages behind the end of the delivery's partition; undefined where the bus does not say. */
  lag: number | undefined;
  nowMs: number;
  lastCommitMs: number;
  intervalMs: number;
}

/**
 * Whether to write the snapshots and commit the offsets now (they go together, so the state
 * topic is never behind the committed offsets). Commits are deferred only while a partition
 * is behind its end (catching up on a backlog), for at most `intervalMs`: a caught-up
 * delivery commits, so an input that goes quiet leaves nothing uncommitted. A sweep commits
 * nothing; what it changed is saved at the next commit.
 */
export function commitNow(input: CommitRuleInput): boolean {
  if (!input.stateStore) return true;
  if (input.work !== 'batch') return false;
  return input.lag === undefined || input.lag === 0 || input.nowMs - input.lastCommitMs >= input.intervalMs;
}
