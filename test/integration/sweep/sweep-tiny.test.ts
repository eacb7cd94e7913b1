import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFirstPhase } from '../../../src/sweep/plan.js';
import type { SweepResults } from '../../../src/sweep/report.js';
import { resolveSweepConfig } from '../../../src/sweep/sweep-options.js';
import { lyap } from '../../helpers/cli.js';

/** Slope of the least-squares line through (x, y), written out again here so the test does not trust src. */
function olsSlope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
  });
  return sxy / sxx;
}

describe('lyap sweep --preset tiny (child processes, in-process pipeline, report)', () => {
  it('writes a consistent report: every run, finite numbers, the slope recomputable from the runs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lyap-sweep-tiny-'));
    try {
      const started = performance.now();
      const r = await lyap(['sweep', '--preset', 'tiny', '--out', out, '--jobs', '2']);
      const seconds = (performance.now() - started) / 1000;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /sweep done in \d+ s: \d+ completed/);

      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SweepResults;
      const report = readFileSync(join(out, 'report.md'), 'utf8');

      // Every configured run is there: the first phase as planned, plus one cosine run per seed.
      const resolved = resolveSweepConfig('tiny', { jobs: 2 });
      assert.ok(resolved.ok);
      const planned = planFirstPhase(resolved.config).map((s) => s.id);
      const ids = results.runs.map((run) => run.id);
      assert.deepEqual(ids.slice(0, planned.length), planned);
      assert.deepEqual(
        results.runs.filter((run) => run.arm === 'schedule').map((run) => run.seed),
        resolved.config.seeds,
      );
      for (const id of ids) {
        assert.ok(report.includes(id), `${id} in report.md`);
        assert.ok(existsSync(join(out, 'runs', id, 'estimates.jsonl')), `${id}/estimates.jsonl`);
        assert.ok(existsSync(join(out, 'runs', id, 'summary.json')), `${id}/summary.json`);
      }

      // Every number is finite; what is missing is null, and only where the status allows it.
      const numbers: unknown[] = [];
      JSON.stringify(results, (_key, value: unknown) => {
        if (typeof value === 'number') numbers.push(value);
        return value;
      });
      assert.ok(numbers.every((n) => Number.isFinite(n)));
      for (const run of results.runs) {
        if (run.status !== 'completed') {
          assert.ok(['diverged', 'failed', 'stopped'].includes(run.status), run.id);
          continue;
        }
        assert.ok(run.late !== null, `${run.id} has late statistics`);
        assert.ok(Object.values(run.late).every(Number.isFinite), run.id);
        assert.ok(run.finalLoss !== null && run.finalAccuracy !== null, run.id);
        assert.ok(run.probes > 0 && run.stepsDone === resolved.config.steps, run.id);
      }

      // The reported slope is the OLS slope of log λ_max on log(1/η) over the listed runs.
      for (const group of results.analysis.groups) {
        assert.ok(group.fit !== null, `${group.group} has a fit`);
        const runs = group.fit.runIds.map((id) => results.runs.find((run) => run.id === id)!);
        assert.ok(runs.every((run) => run.arm === 'constant' && run.status === 'completed'));
        const slope = olsSlope(
          runs.map((run) => Math.log(1 / run.lr)),
          runs.map((run) => Math.log(run.late!.sharpness)),
        );
        assert.ok(Math.abs(slope - group.fit.slope) < 1e-9, `${slope} vs ${group.fit.slope}`);
        assert.ok(report.includes(`slope ${Number(group.fit.slope.toPrecision(4))}**`));
      }

      // The figures exist and are SVG.
      assert.ok(results.figures.length >= 6);
      for (const figure of results.figures) {
        const svg = readFileSync(join(out, figure.file), 'utf8');
        assert.match(svg, /^<svg[\s\S]*<\/svg>$/, figure.file);
      }

      // --rebuild recomputes the same analysis from the runs' summaries.
      const rebuilt = await lyap(['sweep', '--rebuild', out]);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      const again = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SweepResults;
      assert.deepEqual(again.analysis, results.analysis);
      assert.deepEqual(
        again.runs.map((run) => run.id),
        ids,
      );
      process.stderr.write(`# sweep --preset tiny took ${seconds.toFixed(1)} s\n`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
