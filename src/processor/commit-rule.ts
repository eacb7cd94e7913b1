export interface CommitRuleInput {
  /** Whether snapshots are kept (a state store): without one, nothing is deferred. */
  stateStore: boolean;
  /**
   * A delivery to acknowledge; a sweep (`tick`); or the commit timer, which the pipeline sets
   * when it defers a commit, for the moment the interval since the last commit runs out.
   */
  work: 'batch' | 'tick' | 'commit';
  /** Whether deliveries were acknowledged without a commit since the last commit. */
  uncommitted: boolean;
  nowMs: number;
  lastCommitMs: number;
  intervalMs: number;
}

/**
 * Whether to write the snapshots and commit the offsets now. They go together, snapshots
 * first, after the delivery's estimates are published, so the state topic is never behind
 * the committed offsets. With a state store they happen at most once per `intervalMs`,
 * caught up or catching up on a backlog: a delivery commits when the interval since the last
 * commit has passed, and is otherwise acknowledged without a commit (its offsets go with the
 * next one). Nothing acknowledged stays uncommitted past the interval: the commit timer
 * commits it when the interval runs out, also when no delivery comes. A sweep commits
 * nothing; what it changed is saved at the next commit. Without a state store every delivery
 * commits.
 */
export function commitNow(input: CommitRuleInput): boolean {
  if (!input.stateStore) return input.work === 'batch';
  switch (input.work) {
    case 'batch':
      return input.nowMs - input.lastCommitMs >= input.intervalMs;
    case 'commit':
      return input.uncommitted;
    case 'tick':
      return false;
  }
}
