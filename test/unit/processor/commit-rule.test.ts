import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitNow, type CommitRuleInput } from '../../../src/processor/commit-rule.js';

const behind: CommitRuleInput = {
  stateStore: true,
  work: 'batch',
  lag: 500,
  nowMs: 10_400,
  lastCommitMs: 10_000,
  intervalMs: 1_000,
};

describe('processor > the deferred-commit rule', () => {
  it('defers the commit of a delivery behind its partition end within the interval', () => {
    assert.equal(commitNow(behind), false);
  });

  it('commits a delivery behind its partition end once the interval has passed since the last commit', () => {
    assert.equal(commitNow({ ...behind, nowMs: 10_999 }), false);
    assert.equal(commitNow({ ...behind, nowMs: 11_000 }), true);
  });

  it('commits a caught-up delivery at once, so an input that goes quiet leaves nothing uncommitted', () => {
    assert.equal(commitNow({ ...behind, lag: 0 }), true);
  });

  it('commits a delivery whose bus does not report lag', () => {
    assert.equal(commitNow({ ...behind, lag: undefined }), true);
  });

  it('commits every delivery with an interval of 0', () => {
    assert.equal(commitNow({ ...behind, nowMs: behind.lastCommitMs, intervalMs: 0 }), true);
  });

  it('commits nothing on a sweep with a state store: there is no delivery to acknowledge', () => {
    assert.equal(commitNow({ ...behind, work: 'tick', lag: undefined, nowMs: 1e12 }), false);
  });

  it('never defers without a state store: there are no snapshots to keep the offsets with', () => {
    assert.equal(commitNow({ ...behind, stateStore: false }), true);
  });
});
