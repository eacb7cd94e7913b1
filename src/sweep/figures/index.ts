import type { SweepAnalysis } from '../analysis.js';
import type { RunRecord } from '../run-record.js';
import { armsCurves } from './arms-curves.js';
import { etaLambdaFigure } from './eta-lambda.js';
import { exponentFigure } from './exponent-vs-prediction.js';
import type { Figure } from './figure.js';
import { sharpnessOverTraining } from './sharpness-over-training.js';
import { sharpnessVsInverseLr } from './sharpness-vs-inverse-lr.js';
import { stepsToTargetFigure } from './steps-to-target.js';

export type { Figure } from './figure.js';
export { histogramBins } from './eta-lambda.js';

/** Every figure of a sweep: four per model × loss group, then η·λ_max and the exponents. */
export function sweepFigures(
  records: readonly RunRecord[],
  analysis: SweepAnalysis,
  steps: number,
): Figure[] {
  return [
    ...analysis.groups.flatMap((g) => [
      sharpnessOverTraining(g.group, records),
      sharpnessVsInverseLr(g, records),
      armsCurves(g, records),
      stepsToTargetFigure(g, steps),
    ]),
    etaLambdaFigure(records, analysis),
    exponentFigure(records, analysis),
  ];
}
