import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSweep } from '../../../src/sweep/analysis.js';
import { renderReport } from '../../../src/sweep/report.js';
import { PRESETS } from '../../../src/sweep/presets.js';
import { compareRules, gridBaseline, meetsAims } from '../../../src/sweep/rule-comparison.js';
import type { RunRecord } from '../../../src/sweep/run-record.js';
import { record } from './support.js';

const spike = { step: 10, fromLr: 0.01, lr: 0.02, peakRatio: 3, spike: true };
const calm = { step: 20, fromLr: 0.02, lr: 0.04, peakRatio: 1.1, spike: false };

/** A controller run of the given rule and starting rate. */
function ctl(
  rule: 'edge' | 'gradient-newton',
  lr: number,
  seed: number,
  fields: Partial<RunRecord> = {},
): RunRecord {
  return record(
    { lr, seed, arm: 'controller', rule, id: `mlp-ce-${rule}-from${lr}-s${seed}` },
    { appliedCommands: [calm], ...fields },
  );
}

/** The grid: η = 0.1 reaches the target first (median 100 steps); η = 1 is faster in one seed only. */
const grid = [
  record({ lr: 0.01, seed: 1 }, { stepsToTarget: 400, finalAccuracy: 0.9 }),
  record({ lr: 0.01, seed: 2 }, { stepsToTarget: null, finalAccuracy: 0.88 }),
  record({ lr: 0.1, seed: 1 }, { stepsToTarget: 90, finalAccuracy: 0.95 }),
  record({ lr: 0.1, seed: 2 }, { stepsToTarget: 110, finalAccuracy: 0.93 }),
  record({ lr: 1, seed: 1 }, { stepsToTarget: 50, finalAccuracy: 0.96 }),
  record({ lr: 1, seed: 2 }, { stepsToTarget: null, status: 'diverged', breakdown: 'diverged' }),
];

describe('sweep > rule comparison', () => {
  it('takes the constant rate with the fewest median steps to the target as the baseline', () => {
    const b = gridBaseline(grid);
    assert.deepEqual([b?.lr, b?.medianStepsToTarget, b?.runIds.length], [0.1, 100, 2]);
    assert.ok(Math.abs((b?.medianAccuracy ?? NaN) - 0.94) < 1e-12);
    assert.equal(gridBaseline([record({ lr: 0.1 }, { stepsToTarget: null })]), null);
  });

  it('judges each arm by its steps ratio, accuracy, spikes and breakdowns, and marks every miss', () => {
    const runs = [
      ...grid,
      // Meets every aim: 105/100 ≤ 1.1, accuracy 0.935 is 0.5 points below, no spike.
      ctl('edge', 0.01, 1, { stepsToTarget: 100, finalAccuracy: 0.94 }),
      ctl('edge', 0.01, 2, { stepsToTarget: 110, finalAccuracy: 0.93 }),
      // Slow, one spike, and a diverged seed that counts at chance accuracy.
      ctl('gradient-newton', 10, 1, { stepsToTarget: 150, appliedCommands: [spike, calm], commandSpikes: 1 }),
      ctl('gradient-newton', 10, 2, {
        stepsToTarget: null,
        status: 'diverged',
        breakdown: 'diverged',
        finalAccuracy: 0.9,
      }),
      record({ lr: 0.1, seed: 1, arm: 'schedule', schedule: 'cosine' }, { stepsToTarget: 95 }),
      record({ lr: 0.1, seed: 2, arm: 'schedule', schedule: 'cosine' }, { stepsToTarget: 100 }),
    ];
    const { rows } = compareRules(runs);
    assert.deepEqual(
      rows.map((r) => [r.label, meetsAims(r)]),
      [
        ['edge from η = 0.01', true],
        ['gradient-newton from η = 10', false],
        ['cosine from η = 0.1', false],
      ],
    );
    const [edge, newton, cosine] = rows;
    assert.ok(Math.abs((edge?.stepsRatio ?? NaN) - 1.05) < 1e-12);
    assert.ok(Math.abs((edge?.accuracyDelta ?? NaN) + 0.005) < 1e-12);
    assert.deepEqual(newton?.misses, { steps: true, accuracy: true, spikes: true, failures: true });
    assert.deepEqual([newton?.commandSpikes, newton?.commandsApplied, newton?.diverged], [1, 3, 1]);
    // Median of 0.9 and chance (0.1), not of the diverged run's last evaluation.
    assert.ok(Math.abs((newton?.medianAccuracy ?? NaN) - 0.5) < 1e-12);
    // The support records' accuracy (0.9) is 4 points below the baseline's 0.94.
    assert.deepEqual(cosine?.misses, { steps: false, accuracy: true, spikes: false, failures: false });

    const md = renderReport({
      version: 1,
      command: 'lyap sweep --preset controller-tiny',
      config: { ...PRESETS['controller-tiny'], jobs: 2 },
      startedAt: '2026-01-01T00:00:00.000Z',
      wallSeconds: 1,
      machine: { cpus: 2, cpuModel: 'test cpu', node: 'v20', platform: 'linux-x64' },
      runs,
      analysis: analyzeSweep(runs),
      figures: [],
    });
    assert.match(md, /## Controller rules against the grid/);
    assert.match(md, /Best constant rate of the grid: η = 0\.1, median 100 steps/);
    assert.match(md, /\| edge from η = 0\.01 \| 2 \| 105 \| 1\.05 \| −0\.5 \| 0 \/ 2 \| 0 \| met \|/);
    assert.match(
      md,
      /\| gradient-newton from η = 10 \| 2 \| not reached \| not reached ✗ \| −44 ✗ \| 1 \/ 3 ✗ \| 1 diverged of 2 ✗ \| missed \|/,
    );
    assert.match(
      md,
      /\| cosine from η = 0\.1 \| 2 \| 97\.5 \| 0\.975 \| −4 ✗ \| no commands \| 0 \| missed \|/,
    );
    assert.match(md, /1 of 3 arms meet every aim\./);
  });

  it('cannot judge steps and accuracy without a baseline, and says so', () => {
    const runs = [record({ lr: 0.1 }, { stepsToTarget: null }), ctl('edge', 0.01, 1, { stepsToTarget: 80 })];
    const { baseline, rows } = compareRules(runs);
    assert.equal(baseline, null);
    const [edge] = rows;
    assert.ok(edge !== undefined);
    assert.deepEqual(edge.misses, { steps: null, accuracy: null, spikes: false, failures: false });
    assert.equal(meetsAims(edge), false);
  });
});
