import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveProcessorConfig } from '../../../src/processor/index.js';
import { RunState } from '../../../src/processor/run-state.js';
import { gradient, probe, runEvent, trajectory } from '../../helpers/events.js';

const options = resolveProcessorConfig({ latenessSteps: 0, endGraceMs: 1_000 });
const { config } = runEvent('r', 'start');

function joined(run: RunState, step: number, nowMs: number): void {
  run.offer(gradient('r', step, { probe: probe(2, 0.1) }), nowMs);
  run.offer(trajectory('r', step), nowMs);
}

describe('processor > RunState lifecycle', () => {
  it('is started by its start event, which carries its configuration', () => {
    const run = new RunState('r', 0, options);
    assert.equal(run.started, false);
    run.start(config, 50);
    assert.equal(run.started, true);
    assert.equal(run.lastSeenMs, 50);
    assert.deepEqual(run.state().config, config);
  });

  it('is last seen when a gradient or trajectory is offered', () => {
    const run = new RunState('r', 0, options);
    run.offer(gradient('r', 0), 70);
    assert.equal(run.lastSeenMs, 70);
  });

  it('is not ready to close before its end is seen, however long it waits', () => {
    const run = new RunState('r', 0, options);
    assert.equal(run.ended, false);
    assert.equal(run.readyToClose(1e12), false);
  });

  it('without a last step, is ready to close endGraceMs after its end', () => {
    const run = new RunState('r', 0, options);
    run.seeEnd(100, undefined);
    assert.equal(run.ended, true);
    assert.equal(run.readyToClose(1_099), false);
    assert.equal(run.readyToClose(1_100), true);
  });

  it('with a last step, waits for that step to be released, past the grace', () => {
    const run = new RunState('r', 0, options);
    run.seeEnd(100, 1);
    joined(run, 0, 100);
    run.release({ nowMs: 5_000, force: false, estimateTs: 5_000 });
    assert.equal(run.readyToClose(5_000), false, 'step 1 is not out yet');
    joined(run, 1, 5_000);
    run.release({ nowMs: 5_000, force: false, estimateTs: 5_000 });
    assert.equal(run.readyToClose(5_000), true);
  });

  it('keeps its lifecycle through a snapshot', () => {
    const run = new RunState('r', 0, options);
    run.start(config, 10);
    run.seeEnd(20, 3);
    const restored = RunState.fromState(run.state(), options);
    assert.deepEqual(restored.state(), run.state());
    assert.equal(restored.started, true);
    assert.equal(restored.ended, true);
  });
});

describe('processor > RunState release', () => {
  it('stamps its estimates with estimateTs and, forced, releases steps whose partner is missing', () => {
    const run = new RunState('r', 0, options);
    run.offer(gradient('r', 0, { probe: probe(2, 0.1) }), 0);
    assert.deepEqual(run.release({ nowMs: 10, force: false, estimateTs: 10 }), []);
    const out = run.release({ nowMs: 10, force: true, estimateTs: 42 });
    assert.deepEqual(
      out.map((e) => [e.step, e.ts]),
      [[0, 42]],
    );
  });

  it('holds a half-step past latenessMs while its input is read from a backlog (byTime false)', () => {
    const run = new RunState('r', 0, resolveProcessorConfig({ latenessSteps: 10, latenessMs: 100 }));
    run.offer(gradient('r', 0, { probe: probe(2, 0.1) }), 0);
    assert.deepEqual(run.release({ nowMs: 500, force: false, estimateTs: 500, byTime: false }), []);
    assert.equal(run.release({ nowMs: 500, force: false, estimateTs: 500 }).length, 1);
  });

  it("carries its probe's own sharpness and batch sharpness, and the run's momentum, into the estimate", () => {
    const run = new RunState('r', 0, options);
    run.start({ ...config, optimizer: 'sgd-momentum-0.9', momentum: 0.9 }, 0);
    for (const [step, h] of [
      [0, 2],
      [1, 4],
    ] as const) {
      run.offer(gradient('r', step, { lr: 0.5, probe: { ...probe(h, 0.5), batchSharpness: h / 2 } }), step);
      run.offer(trajectory('r', step), step);
    }
    const out = run.release({ nowMs: 10, force: true, estimateTs: 10 });
    assert.deepEqual(
      out.map((e) => [e.probeSharpness, e.probeBatchSharpness, e.sharpness, e.momentum]),
      [
        [2, 1, 2, 0.9],
        [4, 2, 3, 0.9],
      ],
      'the probe values unsmoothed, beside the rolling median',
    );
    // λ̂ = median(2, 4, 5, 5) = 4.5: η·λ̂ = 2.25 is past plain SGD's edge, not past 2·1.9.
    for (const step of [2, 3]) {
      run.offer(gradient('r', step, { lr: 0.5, probe: probe(5, 0.5) }), step);
      run.offer(trajectory('r', step), step);
    }
    const last = run.release({ nowMs: 10, force: true, estimateTs: 10 }).at(-1);
    assert.ok(last !== undefined && last.stabilityRatio === 2.25, `${last?.stabilityRatio}`);
    assert.ok(last.regime !== 'unstable' && last.regime !== 'edge', last.regime);
  });
});

describe('processor > RunState > a probe that overflowed', () => {
  it('makes an estimate of the regime diverged, without the probe values, and does not throw', () => {
    // A run blowing up: its loss still finite (1e36), its probe's Rayleigh matrix past float32.
    // The processor threw here (ritzValues: non-finite Rayleigh matrix) and its stage failed.
    const run = new RunState('r', 0, options);
    run.start(config, 0);
    joined(run, 0, 0);
    run.offer(
      gradient('r', 1, {
        loss: 1e36,
        probe: { ...probe(2, 0.1), sharpness: { rayleigh: [[Number.POSITIVE_INFINITY]] } },
      }),
      0,
    );
    run.offer(trajectory('r', 1), 0);
    const estimates = run.release({ nowMs: 0, force: true, estimateTs: 0 });
    const last = estimates.at(-1);
    assert.equal(last?.step, 1);
    assert.equal(last?.regime, 'diverged');
    assert.equal(last?.probeSharpness, undefined);
    assert.equal(last?.loss, 1e36);
  });

  it("carries the probed step's loss and gradient norm when finite, and leaves a non-finite one out", () => {
    const run = new RunState('r', 0, options);
    run.start(config, 0);
    run.offer(gradient('r', 0, { loss: 2.5, gradNorm: 3, probe: probe(2, 0.1) }), 0);
    run.offer(trajectory('r', 0), 0);
    run.offer(gradient('r', 1, { loss: 2, gradNorm: Number.NaN, probe: probe(2, 0.1) }), 1);
    run.offer(trajectory('r', 1), 1);
    const out = run.release({ nowMs: 10, force: true, estimateTs: 10 });
    assert.deepEqual(
      out.map((e) => [e.step, e.loss, e.gradNorm]),
      [
        [0, 2.5, 3],
        [1, 2, undefined],
      ],
    );
  });
});
