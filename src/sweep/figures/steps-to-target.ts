import type { GroupAnalysis } from '../analysis.js';
import { SCHEMA, type Figure } from './figure.js';

/** Median steps to the target loss per arm; arms that did not reach it drawn at the run length. */
export function stepsToTargetFigure(g: GroupAnalysis, steps: number): Figure {
  const values = g.arms.map((a) => ({
    label: a.label,
    arm: a.arm,
    steps: a.medianStepsToTarget ?? steps,
    reached: a.medianStepsToTarget === null ? 'not reached' : 'reached',
    text: a.medianStepsToTarget === null ? 'not reached' : String(a.medianStepsToTarget),
  }));
  return {
    file: `steps-to-target-${g.group}.svg`,
    title: `${g.group}: steps to the target loss`,
    spec: {
      $schema: SCHEMA,
      title: `${g.group}: median steps until the smoothed training loss ≤ ${g.targetLoss}`,
      width: 420,
      data: { values },
      encoding: {
        y: { field: 'label', type: 'nominal', sort: null, title: null },
        x: { field: 'steps', type: 'quantitative', title: 'steps', scale: { domain: [0, steps * 1.15] } },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            color: { field: 'arm', type: 'nominal', title: 'kind' },
            opacity: {
              field: 'reached',
              type: 'ordinal',
              scale: { domain: ['reached', 'not reached'], range: [1, 0.3] },
              title: null,
            },
          },
        },
        { mark: { type: 'text', align: 'left', dx: 3 }, encoding: { text: { field: 'text' } } },
      ],
    },
  };
}
