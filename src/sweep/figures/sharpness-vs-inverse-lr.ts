import type { GroupAnalysis } from '../analysis.js';
import type { RunRecord } from '../run-record.js';
import { fmt, SCHEMA, type Figure } from './figure.js';

/**
 * Median late λ_max (and the batch sharpness, where measured) against 1/η on log-log axes, the
 * OLS line of λ_max, the paper's λ_max = 1/η and SGD's edge 2/η.
 */
export function sharpnessVsInverseLr(g: GroupAnalysis, records: readonly RunRecord[]): Figure {
  const fitted = records.filter((r) => g.fit?.runIds.includes(r.id) === true);
  const points = fitted.flatMap((r) => [
    { invLr: 1 / r.lr, sharpness: r.late?.sharpness ?? null, seed: r.seed, measure: 'λ_max' },
    ...(r.late?.batchSharpness === undefined
      ? []
      : [{ invLr: 1 / r.lr, sharpness: r.late.batchSharpness, seed: r.seed, measure: 'batch sharpness' }]),
  ]);
  const xs = points.map((p) => p.invLr);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const lines =
    g.fit === null
      ? []
      : [lo, hi].flatMap((x) => [
          {
            invLr: x,
            line: `fit: slope ${fmt(g.fit?.slope ?? NaN)}`,
            value: (g.fit?.coefficient ?? NaN) * x ** (g.fit?.slope ?? NaN),
          },
          { invLr: x, line: 'λ_max = 1/η', value: x },
          { invLr: x, line: 'λ_max = 2/η', value: 2 * x },
        ]);
  const fit = g.fit;
  const title =
    fit === null
      ? `${g.group}: too few runs for a fit`
      : `${g.group}: slope ${fmt(fit.slope)} ± ${fmt((fit.slopeCi95[1] - fit.slopeCi95[0]) / 2, 2)} ` +
        `(95% CI [${fmt(fit.slopeCi95[0])}, ${fmt(fit.slopeCi95[1])}], n = ${fit.n})`;
  return {
    file: `sharpness-vs-inverse-lr-${g.group}.svg`,
    title: `${g.group}: median late λ_max and batch sharpness against 1/η (log-log)`,
    spec: {
      $schema: SCHEMA,
      title,
      width: 360,
      height: 280,
      layer: [
        {
          data: { values: lines },
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'invLr', type: 'quantitative', scale: { type: 'log' }, title: '1/η' },
            y: {
              field: 'value',
              type: 'quantitative',
              scale: { type: 'log' },
              title: 'median late λ_max, batch sharpness',
            },
            color: { field: 'line', type: 'nominal', title: null },
            strokeDash: { field: 'line', type: 'nominal', title: null },
          },
        },
        {
          data: { values: points },
          mark: { type: 'point', filled: true, size: 50 },
          encoding: {
            x: { field: 'invLr', type: 'quantitative', scale: { type: 'log' } },
            y: { field: 'sharpness', type: 'quantitative', scale: { type: 'log' } },
            shape: { field: 'seed', type: 'nominal', title: 'seed' },
            fill: {
              field: 'measure',
              type: 'nominal',
              title: null,
              scale: { domain: ['λ_max', 'batch sharpness'], range: ['black', '#d62728'] },
            },
            stroke: {
              field: 'measure',
              type: 'nominal',
              legend: null,
              scale: { domain: ['λ_max', 'batch sharpness'], range: ['black', '#d62728'] },
            },
          },
        },
      ],
    },
  };
}
