import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitNow, type CommitRuleInput } from '../../../src/processor/commit-rule.js';

const delivery: CommitRuleInput = {
  stateStore: true,
  work: 'batch',
  uncommitted: false,
  nowMs: 10_400,
  lastCommitMs: 10_000,
  intervalMs: 1_000,
};

describe('processor > the deferred-commit rule', () => {
  it('defers the commit of a delivery within the interval since the last commit', () => {
    assert.equal(commitNow(delivery), false);
    assert.equal(commitNow({ ...delivery, uncommitted: true }), false);
  });

  it('commits a delivery once the interval has passed since the last commit', () => {
    assert.equal(commitNow({ ...delivery, nowMs: 10_999 }), false);
    assert.equal(commitNow({ ...delivery, nowMs: 11_000 }), true);
  });

  it('commits the first delivery (no commit yet)', () => {
    assert.equal(commitNow({ ...delivery, lastCommitMs: -Infinity }), true);
  });

  it('commits every delivery with an interval of 0', () => {
    assert.equal(commitNow({ ...delivery, nowMs: delivery.lastCommitMs, intervalMs: 0 }), true);
  });

  it('commits on the commit timer what was acknowledged without a commit, and nothing when nothing was', () => {
    assert.equal(commitNow({ ...delivery, work: 'commit', uncommitted: true }), true);
    assert.equal(commitNow({ ...delivery, work: 'commit', uncommitted: false, nowMs: 1e12 }), false);
  });

  it('commits nothing on a sweep: what it changed is saved at the next commit', () => {
    assert.equal(commitNow({ ...delivery, work: 'tick', uncommitted: true, nowMs: 1e12 }), false);
  });

  it('never defers without a state store: there are no snapshots to keep the offsets with', () => {
    assert.equal(commitNow({ ...delivery, stateStore: false }), true);
    assert.equal(commitNow({ ...delivery, stateStore: false, work: 'commit', uncommitted: true }), false);
  });
});
