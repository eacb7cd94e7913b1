import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDemoSummary } from '../../../src/cli/summary-table.js';
import { FINAL_LOSS_STEPS, RunBoard } from '../../../src/demo/run-board.js';
import { summarizeRun } from '../../../src/demo/run-summary.js';
import { alert, command, estimate, gradient } from './board-events.js';

/** A braked run: 30 steps, estimates every 10 steps, two commands (one applied), one critical alert. */
function brakedRun(): RunBoard {
  const b = new RunBoard();
  b.add('r3-lr20', 20, 30);
  for (let step = 0; step < 30; step++)
    b.gradient(gradient('r3-lr20', step, 100 - step, step < 20 ? 20 : 10));
  b.estimate(estimate('r3-lr20', 0, { window: 0, sharpness: 0, stabilityRatio: 0, regime: 'unknown' }));
  b.estimate(
    estimate('r3-lr20', 10, { sharpness: 0.3, stabilityRatio: 6, regime: 'unstable', lyapunov: [1.2] }),
  );
  b.estimate(
    estimate('r3-lr20', 20, { sharpness: 0.5, stabilityRatio: 10, regime: 'unstable', lyapunov: [0.8] }),
  );
  b.estimate(estimate('r3-lr20', 10, { sharpness: 99, regime: 'edge' })); // a redelivery: ignored
  b.estimate(
    estimate('r3-lr20', 25, { sharpness: 0.4, stabilityRatio: 4, regime: 'chaotic', lyapunov: [0.5] }),
  );
  b.command(command('r3-lr20', 20, 20, 10));
  b.command(command('r3-lr20', 29, 10, 5));
  b.alert(alert('r3-lr20', 20, 'firing'));
  b.alert(alert('r3-lr20', 25, 'resolved'));
  b.alert(alert('r3-lr20', 29, 'firing', { name: 'LyapEdgeOfStability', severity: 'warning' }));
  b.finish('r3-lr20', { status: 'completed', commandsApplied: 1 });
  return b;
}

describe('demo > run summary', () => {
  it('sums a run up: lr start and end, mean of the last losses, median sharpness, last estimate, regimes, commands, alerts', () => {
    const [run] = brakedRun().runs;
    assert.ok(run !== undefined);
    const s = summarizeRun(run);
    // Losses 100 … 71; the last FINAL_LOSS_STEPS of them are 90 … 71.
    assert.equal(FINAL_LOSS_STEPS, 20);
    assert.equal(s.finalLoss, (90 + 71) / 2);
    assert.deepEqual(
      { ...s, finalLoss: undefined },
      {
        runId: 'r3-lr20',
        status: 'completed',
        steps: 30,
        initialLr: 20,
        firstUpdateLr: 20,
        finalLr: 10,
        finalLoss: undefined,
        accuracy: undefined,
        medianSharpness: 0.4,
        stabilityRatio: 4,
        topExponent: 0.5,
        regimes: ['unknown', 'unstable', 'chaotic'],
        commandsApplied: 1,
        commandsSent: 2,
        alertsFired: 2,
        criticalFired: 1,
      },
    );
  });

  it('shows the rate of the first update: the warm-up command when it came before any, after the measurement step at lr 0', () => {
    const b = new RunBoard();
    b.add('r3-lr20', 20, 3);
    for (let step = 0; step < 3; step++) b.gradient(gradient('r3-lr20', step, 2.3, step === 0 ? 0 : 0.394));
    const s = summarizeRun(b.runs[0]!);
    assert.equal(s.initialLr, 20);
    assert.equal(s.firstUpdateLr, 0.394);
    assert.match(formatDemoSummary([s]), /r3-lr20 +running +3 +20\.00 → 0\.3940 +0\.3940 +2\.300 /);
  });

  it('leaves out what a run never measured', () => {
    const b = new RunBoard();
    b.add('quiet', 0.1, 10);
    const s = summarizeRun(b.runs[0]!);
    assert.equal(s.firstUpdateLr, undefined);
    assert.equal(s.medianSharpness, undefined);
    assert.equal(s.stabilityRatio, undefined);
    assert.equal(s.topExponent, undefined);
    assert.ok(Number.isNaN(s.finalLoss));
    assert.equal(s.status, 'running');
  });

  it('keeps a diverged run: NaN losses are a regime, not a crash', () => {
    const b = new RunBoard();
    b.add('blown', 50, 10);
    b.gradient(gradient('blown', 0, 2.3, 50));
    b.gradient(gradient('blown', 1, Number.NaN, 50));
    b.estimate(
      estimate('blown', 1, { regime: 'diverged', window: 0, lyapunov: [], sharpness: 0, stabilityRatio: 0 }),
    );
    b.finish('blown', { status: 'diverged', commandsApplied: 0 });
    const s = summarizeRun(b.runs[0]!);
    assert.ok(Number.isNaN(s.finalLoss));
    assert.deepEqual(s.regimes, ['diverged']);
    assert.match(
      formatDemoSummary([s]),
      /blown +diverged +2 +50\.00 → 50\.00 +50\.00 +NaN +- +- +- +- +diverged +0\/0 +0/,
    );
  });

  it('prints one aligned row per run under a header', () => {
    const table = formatDemoSummary(brakedRun().runs.map(summarizeRun));
    const [header, rule, row, end] = table.split('\n');
    assert.equal(end, '');
    assert.match(
      header ?? '',
      /^run +status +steps +lr start → end +first update lr +final loss +train acc +median λmax +η·λmax +lyapunov\[0\] +regimes seen +commands applied\/sent +alerts fired$/,
    );
    assert.match(rule ?? '', /^-+( +-+)+$/);
    assert.match(
      row ?? '',
      /^r3-lr20 +completed +30 +20\.00 → 10\.00 +20\.00 +80\.50 +- +0\.4000 +4\.000 +0\.5000 +unknown, unstable, chaotic +1\/2 +2 \(1 critical\)$/,
    );
    assert.equal(header?.indexOf('final loss'), row?.indexOf('80.50'));
  });

  it('with a comparison: each run against the best constant rate, in points, and which rate that is', () => {
    const runs = brakedRun().runs.map(summarizeRun);
    const run = runs[0];
    assert.ok(run !== undefined);
    const table = formatDemoSummary(
      [
        { ...run, accuracy: 0.968 },
        { ...run, runId: 'dead', accuracy: undefined },
      ],
      {
        best: { lr: 0.5, finalLoss: 0.114, accuracy: 0.979 },
        source: 'from somewhere',
      },
    );
    const lines = table.split('\n');
    assert.match(lines[0] ?? '', /train acc +vs best constant +median λmax/);
    assert.match(lines[2] ?? '', / 96\.8% +−1\.1 pt +/);
    assert.match(lines[3] ?? '', /^dead .* - +- +/);
    assert.equal(lines[4], '');
    assert.equal(
      lines[5],
      'best constant rate: lr 0.5000, train acc 97.9%, final loss 0.1140: from somewhere',
    );
    assert.doesNotMatch(formatDemoSummary(runs), /vs best constant|best constant rate/);
  });
});
