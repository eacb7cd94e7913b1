import type { TopLevelSpec } from 'vega-lite';
import type { SweepAnalysis } from '../analysis.js';
import type { RunRecord } from '../run-record.js';
import { fmt, SCHEMA, type Figure } from './figure.js';

/** Measured top exponent against log(1 + η|h_min|) and against log|1 − η·h|, each with y = x. */
export function exponentFigure(records: readonly RunRecord[], analysis: SweepAnalysis): Figure {
  const values = records
    .filter((r) => analysis.exponent.runIds.includes(r.id))
    .map((r) => ({
      group: r.group,
      arm: r.arm,
      id: r.id,
      measured: r.late?.topExponent ?? null,
      negative: r.late?.negativeCurvaturePrediction ?? null,
      predicted: r.late?.predictedExponent ?? null,
    }));
  const all = values.flatMap((v) => [v.measured ?? 0, v.negative ?? 0, v.predicted ?? 0]);
  const lo = Math.min(0, ...all);
  const hi = Math.max(1e-9, ...all);
  const diagonal = [
    { t: lo, u: lo },
    { t: hi, u: hi },
  ];
  const e = analysis.exponent;
  const panel = (field: 'negative' | 'predicted', title: string, r: number | null) => ({
    width: 300,
    height: 260,
    title: `${title}: Pearson r = ${r === null ? 'n/a' : fmt(r)}`,
    layer: [
      {
        data: { values: diagonal },
        mark: { type: 'line', color: 'gray', strokeDash: [4, 3] },
        encoding: {
          x: { field: 't', type: 'quantitative' },
          y: { field: 'u', type: 'quantitative' },
        },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 45 },
        encoding: {
          x: { field: field, type: 'quantitative', title },
          y: { field: 'measured', type: 'quantitative', title: 'measured top exponent (per step)' },
          color: { field: 'group', type: 'nominal' },
          shape: { field: 'arm', type: 'nominal' },
          tooltip: { field: 'id', type: 'nominal' },
        },
      },
    ],
  });
  return {
    file: 'exponent-vs-prediction.svg',
    title: 'Lyapunov exponent against the curvature prediction',
    spec: {
      $schema: SCHEMA,
      title: 'Late top Lyapunov exponent against the prediction from the tracked curvature h (dashed: y = x)',
      hconcat: [
        panel('negative', 'log(1 + η|h_min|)', e.pearsonNegativeCurvature),
        panel('predicted', 'log|1 − η·h|', e.pearsonPredicted),
      ],
    } as TopLevelSpec,
  };
}
