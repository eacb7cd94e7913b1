import { fitRuns, type SweepAnalysis } from '../analysis.js';
import type { RunRecord } from '../run-record.js';
import { fmt, SCHEMA, type Figure } from './figure.js';

export interface Bin {
  start: number;
  end: number;
  count: number;
}

/**
 * Equal-width bins of `width` from 0 to past the largest value (at least to `upTo`), counting
 * each value in the bin [start, end) that holds it; negative values go in the first bin.
 */
export function histogramBins(values: readonly number[], width: number, upTo: number): Bin[] {
  const finite = values.filter(Number.isFinite);
  const top = Math.max(upTo, ...finite);
  const n = Math.max(1, Math.floor(top / width) + 1);
  const bins = Array.from({ length: n }, (_, i) => ({ start: i * width, end: (i + 1) * width, count: 0 }));
  for (const v of finite) {
    const bin = bins[Math.min(n - 1, Math.max(0, Math.floor(v / width)))];
    if (bin !== undefined) bin.count++;
  }
  return bins;
}

/** Histogram of η·λ_max over the fitted runs (analysis.fitRuns) and a box per group, with rules at 1 and 2. */
export function etaLambdaFigure(records: readonly RunRecord[], analysis: SweepAnalysis): Figure {
  const runs = fitRuns(records);
  const values = runs.map((r) => ({ group: r.group, lr: r.lr, etaLambda: r.late?.etaLambda ?? null }));
  const groups = [...new Set(runs.map((r) => r.group))];
  // Stacked by hand (y0 to y1 per group within a bin): vega-lite stacks binned bars only
  // when it bins itself, and its own binning cannot share an axis with the rules at 1 and 2.
  const stacked = new Map<number, number>();
  const bins = groups.flatMap((group) =>
    histogramBins(
      runs.filter((r) => r.group === group).map((r) => r.late?.etaLambda ?? NaN),
      0.1,
      2.2,
    )
      .filter((b) => b.count > 0)
      .map((b) => {
        const y0 = stacked.get(b.start) ?? 0;
        stacked.set(b.start, y0 + b.count);
        return { group, ...b, y0, y1: y0 + b.count };
      }),
  );
  const top = Math.max(2.2, ...values.map((v) => v.etaLambda ?? 0)) * 1.02;
  const x = { type: 'quantitative' as const, title: 'η·λ_max', scale: { domain: [0, top] } };
  const rules = {
    data: { values: [{ x: 1 }, { x: 2 }] },
    mark: { type: 'rule' as const, strokeDash: [4, 3], color: 'black' },
    encoding: { x: { field: 'x', ...x } },
  };
  const d = analysis.etaLambda;
  return {
    file: 'eta-lambda.svg',
    title: 'η·λ_max of the constant-rate runs',
    spec: {
      $schema: SCHEMA,
      title:
        d === null
          ? 'η·λ_max: no completed runs'
          : `η·λ_max (late medians): median ${fmt(d.median)}, quartiles ${fmt(d.q1)}–${fmt(d.q3)}, n = ${d.n} (dashed: 1 and 2)`,
      vconcat: [
        {
          width: 440,
          height: 180,
          layer: [
            {
              data: { values: bins },
              mark: { type: 'bar', opacity: 0.85 },
              encoding: {
                x: { field: 'start', ...x },
                x2: { field: 'end' },
                y: { field: 'y1', type: 'quantitative', title: 'runs' },
                y2: { field: 'y0' },
                color: { field: 'group', type: 'nominal' },
              },
            },
            rules,
          ],
        },
        {
          width: 440,
          layer: [
            {
              data: { values },
              mark: { type: 'boxplot', extent: 'min-max' },
              encoding: {
                x: { field: 'etaLambda', ...x },
                y: { field: 'group', type: 'nominal', title: null },
                color: { field: 'group', type: 'nominal', legend: null },
              },
            },
            rules,
          ],
        },
      ],
    },
  };
}
