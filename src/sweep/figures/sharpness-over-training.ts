import type { RunRecord } from '../run-record.js';
import { SCHEMA, type Figure } from './figure.js';

const WIDTH = 220;
const HEIGHT = 160;

/** λ_max over training, one panel per constant rate, against the lines 1/η and 2/η. */
export function sharpnessOverTraining(group: string, records: readonly RunRecord[]): Figure {
  const runs = records.filter((r) => r.group === group && r.arm === 'constant');
  const values = runs.flatMap((r) => [
    ...r.series.step.map((step, i) => ({
      lr: r.lr,
      seed: r.seed,
      kind: 'λ_max',
      step,
      value: r.series.sharpness[i] ?? null,
    })),
    { lr: r.lr, seed: r.seed, kind: '1/η', value: 1 / r.lr },
    { lr: r.lr, seed: r.seed, kind: '2/η', value: 2 / r.lr },
  ]);
  return {
    file: `sharpness-over-training-${group}.svg`,
    title: `${group}: λ_max over training against 1/η and 2/η`,
    spec: {
      $schema: SCHEMA,
      title: `${group}: λ_max over training (lines: 1/η solid, 2/η dashed)`,
      data: { values },
      facet: { field: 'lr', type: 'ordinal', title: 'η' },
      columns: 3,
      spec: {
        width: WIDTH,
        height: HEIGHT,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'λ_max' && datum.value > 0" }],
            mark: { type: 'line', strokeWidth: 1 },
            encoding: {
              x: { field: 'step', type: 'quantitative', title: 'step' },
              y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'λ_max' },
              detail: { field: 'seed', type: 'nominal' },
              color: { field: 'seed', type: 'nominal', title: 'seed' },
            },
          },
          {
            transform: [{ filter: "datum.kind !== 'λ_max'" }],
            mark: { type: 'rule', color: 'black' },
            encoding: {
              y: { field: 'value', type: 'quantitative' },
              strokeDash: {
                field: 'kind',
                type: 'nominal',
                title: 'reference',
                scale: {
                  domain: ['1/η', '2/η'],
                  range: [
                    [1, 0],
                    [4, 3],
                  ],
                },
              },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}
