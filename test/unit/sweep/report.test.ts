import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSweep } from '../../../src/sweep/analysis.js';
import { histogramBins, sweepFigures } from '../../../src/sweep/figures/index.js';
import { PRESETS } from '../../../src/sweep/presets.js';
import { renderSvg } from '../../../src/sweep/render-svg.js';
import { renderReport, type SweepResults } from '../../../src/sweep/report.js';
import { late, record } from './support.js';

function results(): SweepResults {
  const runs = [
    ...[0.02, 0.05, 0.1].map((lr) =>
      record({ lr }, { late: late({ sharpness: 0.4 / lr ** 0.9, etaLambda: 0.4 * lr ** 0.1 }) }),
    ),
    record({ lr: 0.9 }, { status: 'diverged', late: null, finalLoss: null, stepsToTarget: null }),
    record({ lr: 0.1, arm: 'controller', alpha: 1 }),
    record({ lr: 0.1, arm: 'schedule', schedule: 'cosine' }, { stepsToTarget: null }),
    record({ lr: 0.3, seed: 2 }, { status: 'failed', error: 'child exited with code 1: boom', late: null }),
  ];
  const analysis = analyzeSweep(runs);
  return {
    version: 1,
    command: 'lyap sweep --preset tiny',
    config: { ...PRESETS.tiny, jobs: 2 },
    startedAt: '2026-01-01T00:00:00.000Z',
    wallSeconds: 12,
    machine: { cpus: 2, cpuModel: 'test cpu', node: 'v20', platform: 'linux-x64' },
    runs,
    analysis,
    figures: sweepFigures(runs, analysis, 100).map((f) => ({ file: f.file, title: f.title })),
  };
}

describe('sweep > report', () => {
  it('lists every run, the fitted slope with its interval, each arm and each failure', () => {
    const r = results();
    const md = renderReport(r);
    for (const run of r.runs) assert.ok(md.includes(`| ${run.id} |`) || md.includes(run.id), run.id);
    const fit = r.analysis.groups[0]?.fit;
    assert.ok(fit !== null && fit !== undefined);
    assert.ok(md.includes(`slope ${Number(fit.slope.toPrecision(4))}**`), 'slope in the report');
    assert.ok(
      md.includes(`[${Number(fit.slopeCi95[0].toPrecision(4))}, ${Number(fit.slopeCi95[1].toPrecision(4))}]`),
    );
    assert.match(md, /\| quasi-newton α = 1 from η = 0\.1 \|/);
    assert.match(md, /\| cosine from η = 0\.1 \| 1 \| 1 \| 0 \| 0 \| not reached \|/);
    assert.match(md, /## Failed runs[\s\S]*boom/);
    assert.ok(!md.includes('NaN') && !md.includes('undefined'));
    for (const f of r.figures) assert.ok(md.includes(`](${f.file})`), f.file);
  });

  it('escapes the pipes of |1 − ηh| inside table cells', () => {
    const header = renderReport(results())
      .split('\n')
      .find((l) => l.startsWith('| run |'));
    assert.ok(header?.includes('log\\|1−ηh\\|'));
  });

  it('survives a JSON round trip unchanged (no NaN or undefined hidden in it)', () => {
    const r = results();
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });
});

describe('sweep > figures', () => {
  it('bins η·λ_max from 0 past the largest value', () => {
    const bins = histogramBins([0.05, 0.15, 0.19, 2.5, -1], 0.1, 2.2);
    assert.equal(bins.length, 26);
    assert.deepEqual(
      bins.filter((b) => b.count > 0).map((b) => [Number(b.start.toFixed(1)), b.count]),
      [
        [0, 2],
        [0.1, 2],
        [2.5, 1],
      ],
    );
  });

  it('draws four figures per group and two overall, each as SVG', async () => {
    const r = results();
    const figures = sweepFigures(r.runs, r.analysis, 100);
    assert.deepEqual(
      figures.map((f) => f.file),
      [
        'sharpness-over-training-mlp-ce.svg',
        'sharpness-vs-inverse-lr-mlp-ce.svg',
        'arms-mlp-ce.svg',
        'steps-to-target-mlp-ce.svg',
        'eta-lambda.svg',
        'exponent-vs-prediction.svg',
      ],
    );
    for (const f of figures) {
      const svg = await renderSvg(f.spec);
      assert.match(svg, /^<svg[\s\S]*<\/svg>$/, f.file);
    }
    const fit = r.analysis.groups[0]?.fit;
    const title = figures[1]?.spec.title;
    assert.ok(typeof title === 'string' && title.includes(`slope ${Number(fit?.slope.toPrecision(3))}`));
  });
});
