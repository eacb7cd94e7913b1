import type { TopLevelSpec } from 'vega-lite';
import type { GroupAnalysis } from '../analysis.js';
import { armLabel } from '../arm-label.js';
import type { RunRecord } from '../run-record.js';
import { SCHEMA, type Figure } from './figure.js';

/** Controller against constant rates and schedules: smoothed loss and held-out accuracy against steps. */
export function armsCurves(g: GroupAnalysis, records: readonly RunRecord[]): Figure {
  const runs = records.filter((r) => r.group === g.group);
  const loss = runs.flatMap((r) =>
    r.lossCurve.step.map((step, i) => ({
      label: armLabel(r),
      arm: r.arm,
      seed: r.seed,
      step,
      value: r.lossCurve.loss[i] ?? null,
    })),
  );
  const accuracy = runs.flatMap((r) =>
    r.evals.step.map((step, i) => ({
      label: armLabel(r),
      arm: r.arm,
      seed: r.seed,
      step,
      value: r.evals.accuracy[i] ?? null,
    })),
  );
  const encode = (title: string, log: boolean) => ({
    x: { field: 'step', type: 'quantitative', title: 'step' },
    y: { field: 'value', type: 'quantitative', title, ...(log ? { scale: { type: 'log' } } : {}) },
    color: { field: 'label', type: 'nominal', title: 'arm' },
    strokeDash: { field: 'arm', type: 'nominal', title: 'kind' },
    detail: { field: 'seed', type: 'nominal' },
  });
  return {
    file: `arms-${g.group}.svg`,
    title: `${g.group}: controller, constant rates and schedule: loss and accuracy against steps`,
    spec: {
      $schema: SCHEMA,
      title: `${g.group}: smoothed training loss (target ${g.targetLoss}) and held-out accuracy`,
      hconcat: [
        {
          width: 340,
          height: 240,
          layer: [
            {
              data: { values: loss.filter((p) => p.value !== null && p.value > 0) },
              mark: { type: 'line', strokeWidth: 1.2 },
              encoding: encode('training loss (EMA)', true),
            },
            {
              data: { values: [{ y: g.targetLoss }] },
              mark: { type: 'rule', color: 'black', strokeDash: [2, 2] },
              encoding: { y: { field: 'y', type: 'quantitative' } },
            },
          ],
        },
        {
          width: 340,
          height: 240,
          data: { values: accuracy },
          mark: { type: 'line', strokeWidth: 1.2 },
          encoding: encode('held-out accuracy', false),
        },
      ],
    } as TopLevelSpec,
  };
}
