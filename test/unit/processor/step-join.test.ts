import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StepJoin } from '../../../src/processor/index.js';
import { gradient, trajectory } from '../../helpers/events.js';

const join = (latenessSteps = 2, latenessMs = Infinity, maxSkewSteps = 1_000): StepJoin =>
  new StepJoin({ latenessSteps, latenessMs, maxSkewSteps, dedupSteps: 16 });

describe('processor > StepJoin', () => {
  it('releases a step as soon as both halves are there, in step order', () => {
    const j = join();
    assert.equal(j.offer(gradient('r', 0), 0), 'accepted');
    assert.deepEqual(j.release({ nowMs: 0 }), []);
    assert.equal(j.offer(trajectory('r', 0), 0), 'accepted');
    const out = j.release({ nowMs: 0 });
    assert.deepEqual(
      out.map((r) => [r.step, r.gradient?.type, r.trajectory?.type]),
      [[0, 'gradient', 'trajectory']],
    );
  });

  it('joins halves that arrive out of order within the lateness', () => {
    const j = join(2);
    j.offer(trajectory('r', 1), 0);
    j.offer(gradient('r', 0), 0);
    j.offer(gradient('r', 1), 0);
    assert.deepEqual(j.release({ nowMs: 0 }), [], 'step 0 waits for its trajectory');
    j.offer(trajectory('r', 0), 0);
    assert.deepEqual(
      j.release({ nowMs: 0 }).map((r) => r.step),
      [0, 1],
    );
  });

  it('holds a complete step until earlier steps are final', () => {
    const j = join(3);
    j.offer(gradient('r', 1), 0);
    j.offer(trajectory('r', 1), 0);
    j.offer(gradient('r', 0), 0);
    assert.deepEqual(j.release({ nowMs: 0 }), []);
    j.offer(trajectory('r', 0), 0);
    assert.deepEqual(
      j.release({ nowMs: 0 }).map((r) => r.step),
      [0, 1],
    );
  });

  it('releases a half-step once both inputs are latenessSteps past it, partner missing', () => {
    const j = join(2);
    j.offer(gradient('r', 0), 0);
    j.offer(gradient('r', 1), 0);
    j.offer(trajectory('r', 1), 0);
    j.offer(gradient('r', 2), 0);
    assert.deepEqual(j.release({ nowMs: 0 }), [], 'trajectories have only reached step 1');
    j.offer(trajectory('r', 2), 0);
    const out = j.release({ nowMs: 0 });
    assert.deepEqual(
      out.map((r) => r.step),
      [0, 1, 2],
    );
    assert.equal(out[0]?.trajectory, undefined);
  });

  it('waits for an input that lags behind, as when a backlog is read topic by topic', () => {
    const j = join(2);
    for (let s = 0; s < 40; s++) j.offer(gradient('r', s), 0);
    assert.deepEqual(j.release({ nowMs: 0 }), [], 'no trajectory yet: nothing is final');
    for (let s = 0; s < 40; s++) j.offer(trajectory('r', s), 0);
    const out = j.release({ nowMs: 0 });
    assert.equal(out.length, 40);
    assert.ok(out.every((r) => r.gradient !== undefined && r.trajectory !== undefined));
  });

  it('gives up on a lagging input once the other is maxSkewSteps ahead', () => {
    const j = join(2, Infinity, 5);
    for (let s = 0; s < 5; s++) j.offer(gradient('r', s), 0);
    assert.deepEqual(j.release({ nowMs: 0 }), []);
    j.offer(gradient('r', 5), 0);
    assert.deepEqual(
      j.release({ nowMs: 0 }).map((r) => r.step),
      [0],
    );
    assert.equal(j.pendingSteps, 5);
  });

  it('releases a half-step after latenessMs of waiting', () => {
    const j = join(100, 500);
    j.offer(gradient('r', 0), 1_000);
    assert.deepEqual(j.release({ nowMs: 1_499 }), []);
    assert.deepEqual(
      j.release({ nowMs: 1_500 }).map((r) => r.step),
      [0],
    );
  });

  it('does not time a half-step out while its input is read from a backlog (byTime false)', () => {
    const j = join(100, 500);
    j.offer(trajectory('r', 0), 1_000);
    assert.deepEqual(j.release({ nowMs: 5_000, byTime: false }), [], 'its gradient is still to be read');
    j.offer(gradient('r', 0), 5_000);
    const out = j.release({ nowMs: 5_000, byTime: false });
    assert.equal(out.length, 1);
    assert.ok(out[0]?.gradient !== undefined && out[0].trajectory !== undefined, 'joined, not half-released');
  });

  it('tells duplicates from late halves', () => {
    const j = join(1);
    j.offer(gradient('r', 0), 0);
    assert.equal(j.offer(gradient('r', 0), 0), 'duplicate', 'pending duplicate');
    j.offer(gradient('r', 1), 0);
    j.offer(trajectory('r', 1), 0);
    assert.deepEqual(
      j.release({ nowMs: 0 }).map((r) => r.step),
      [0, 1],
    );
    assert.equal(j.offer(gradient('r', 0), 0), 'duplicate', 'released duplicate');
    assert.equal(j.offer(trajectory('r', 0), 0), 'late', 'its partner came after release');
  });

  it('force releases everything pending, in order', () => {
    const j = join(10);
    j.offer(gradient('r', 5), 0);
    j.offer(trajectory('r', 3), 0);
    assert.deepEqual(
      j.release({ nowMs: 0, force: true }).map((r) => r.step),
      [3, 5],
    );
    assert.equal(j.pendingSteps, 0);
  });
});
