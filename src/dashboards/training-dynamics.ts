/* eslint-disable @typescript-eslint/no-deprecated -- classic dashboard JSON, the format Grafana's file provisioning
   reads; the SDK's dashboardv2 needs Grafana 12's v2 APIs and feature flags (docs/observability.md). */
import {
  AnnotationPanelFilterBuilder,
  AnnotationQueryBuilder,
  MappingType,
  RowBuilder,
  type Dashboard,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { REGIMES, type Regime } from '../dynamics/index.js';
import { METRIC } from '../metrics/names.js';
import { DATASOURCE, stateTimeline, timeseries } from './panel-kit.js';
import { BY_RUN, RATE_WINDOW, selector, sumBy } from './promql.js';
import { RECORDING_RULE } from './recording-rules.js';
import { projectDashboard } from './dashboard-frame.js';
import { labelVariable } from './variables.js';

export const TRAINING_DYNAMICS_UID = 'lyap-training-dynamics';

const REGIME_COLOR: Record<Regime, string> = {
  converging: 'green',
  edge: 'yellow',
  unstable: 'orange',
  chaotic: 'purple',
  diverged: 'red',
  unknown: 'text',
};

/** Regime k of `REGIMES` is drawn as the number k + 1 (0 would read as "no value"). */
export function regimeCode(regime: Regime): number {
  return REGIMES.indexOf(regime) + 1;
}

/** One series per run whose value is the code of its current regime (the regime gauge at 1). */
export function regimeCodeQuery(): string {
  const branches = REGIMES.map(
    (regime) => `${regimeCode(regime)} * (${selector(METRIC.regime, BY_RUN, `regime="${regime}"`)} == 1)`,
  );
  return `max by (run_id) (${branches.join(' or ')})`;
}

function regimeMappings(): ValueMapping[] {
  const options = Object.fromEntries(
    REGIMES.map((regime, index) => [
      String(regimeCode(regime)),
      { text: regime, color: REGIME_COLOR[regime], index },
    ]),
  );
  return [{ type: MappingType.ValueToText, options }];
}

/** Annotations: a learning-rate command changed the counter, or its series just appeared. */
export function lrCommandsQuery(): string {
  const commands = selector(METRIC.lrCommandsTotal, BY_RUN);
  const changed = `${sumBy(['run_id', 'reason'], `changes(${commands}[${RATE_WINDOW}])`)} > 0`;
  const appeared = sumBy(['run_id', 'reason'], `${commands} unless ${commands} offset ${RATE_WINDOW}`);
  return `${changed} or ${appeared}`;
}

const PANEL = {
  loss: 1,
  learningRate: 2,
  gradNorm: 3,
  progress: 4,
  commands: 5,
  sharpness: 6,
  stabilityRatio: 7,
  regime: 8,
  exponents: 9,
  predicted: 10,
  curvature: 11,
} as const;

export function trainingDynamicsDashboard(): Dashboard {
  const run = (metric: string): string => selector(metric, BY_RUN);
  return projectDashboard({
    title: 'Lyapunov pipeline / Training dynamics',
    uid: TRAINING_DYNAMICS_UID,
    description:
      'Per-run stability of SGD as a dynamical system: loss, learning rate, sharpness against the ' +
      '1/η and 2/η limits, Lyapunov exponents, curvature and regime, from the processor metrics.',
  })
    .withVariable(
      labelVariable({
        name: 'run_id',
        label: 'Run',
        description: 'Training runs that have series now (runs are removed a TTL after they end).',
        metric: METRIC.trainingStep,
      }),
    )
    .annotation(
      new AnnotationQueryBuilder()
        .name('Learning-rate commands')
        .datasource(DATASOURCE)
        .enable(true)
        .hide(false)
        .iconColor('orange')
        .expr(lrCommandsQuery())
        .step('$__interval')
        .titleFormat('lr command: {{reason}}')
        .textFormat('run {{run_id}}')
        .tagKeys('run_id,reason')
        .useValueForTime(false)
        .filter(
          new AnnotationPanelFilterBuilder()
            .exclude(false)
            .ids([PANEL.learningRate, PANEL.commands, PANEL.sharpness, PANEL.stabilityRatio]),
        ),
    )
    .withRow(new RowBuilder('Loss and learning rate').id(100))
    .withPanel(
      timeseries({
        id: PANEL.loss,
        title: 'Loss',
        description:
          `Minibatch training loss of the last step (${METRIC.loss}). A gap or NaN means the run diverged; ` +
          'see the regime timeline.',
        unit: 'none',
        thresholds: ['green'],
        queries: [{ expr: run(METRIC.loss), legend: '{{run_id}}' }],
        width: 12,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: PANEL.learningRate,
        title: 'Learning rate η',
        description:
          'Learning rate the trainer used for its last step. Orange annotations mark learning-rate ' +
          'commands of the controller (reason in the tooltip).',
        unit: 'none',
        thresholds: ['green'],
        queries: [{ expr: run(METRIC.learningRate), legend: '{{run_id}}' }],
        logScale: true,
        width: 12,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: PANEL.gradNorm,
        title: 'Gradient norm',
        description: 'Norm of the minibatch gradient ‖∇L_B(θ)‖ of the last step (log scale).',
        unit: 'none',
        thresholds: ['green'],
        queries: [{ expr: run(METRIC.gradNorm), legend: '{{run_id}}' }],
        logScale: true,
        width: 12,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: PANEL.progress,
        title: 'Training progress',
        description: `Steps per second (derivative of ${METRIC.trainingStep}). Red: the run is not advancing.`,
        unit: 'suffix: steps/s',
        thresholds: ['red', [0.001, 'green']],
        queries: [{ expr: `deriv(${run(METRIC.trainingStep)}[${RATE_WINDOW}])`, legend: '{{run_id}}' }],
        width: 6,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: PANEL.commands,
        title: 'Learning-rate commands',
        description:
          'Commands of the controller per run and reason, per rate window. Repeated brakes mean the ' +
          'run keeps blowing up (alert LyapControllerBrakingRepeatedly).',
        unit: 'short',
        thresholds: ['green', [3, 'red']],
        queries: [
          {
            expr: sumBy(['run_id', 'reason'], `increase(${run(METRIC.lrCommandsTotal)}[${RATE_WINDOW}])`),
            legend: '{{run_id}} {{reason}}',
          },
        ],
        width: 6,
        height: 8,
      }),
    )
    .withRow(new RowBuilder('Stability').id(101))
    .withPanel(
      timeseries({
        id: PANEL.sharpness,
        title: 'Sharpness λ_max and batch sharpness against 1/η and 2/η',
        description:
          "Top Hessian eigenvalue (window median), the batch sharpness (curvature along the step's own " +
          'gradient, window median) with the dashed limits 1/η (the quasi-Newton rate) and 2/η (gradient ' +
          'descent is unstable above it; SGD settles its batch sharpness near it).',
        unit: 'none',
        thresholds: ['green'],
        queries: [
          { expr: run(METRIC.hessianMaxEigenvalue), legend: 'λ_max {{run_id}}' },
          { expr: run(METRIC.batchSharpness), legend: 'batch {{run_id}}' },
          { expr: `1 / ${run(METRIC.learningRate)}`, legend: '1/η {{run_id}}' },
          { expr: `2 / ${run(METRIC.learningRate)}`, legend: '2/η {{run_id}}' },
        ],
        dashedSeries: '^[12]/η .*',
        width: 12,
        height: 9,
      }),
    )
    .withPanel(
      timeseries({
        id: PANEL.stabilityRatio,
        title: 'Stability ratios η·λ_max and η·BS',
        description:
          'Learning rate times sharpness. Around 1: edge of stability, where SGD tends to hover; above 2: ' +
          'gradient descent is unstable along the sharpest direction (alert LyapStabilityRatioAboveTwo). ' +
          "η·BS, along the step's own gradient, is SGD's own edge: it settles near 2. The dashed bound is " +
          'what the alert judges by: 2, or 2(1 + μ) with heavy-ball momentum μ.',
        unit: 'none',
        thresholds: ['green', [1, 'yellow'], [2, 'red']],
        thresholdLines: true,
        queries: [
          { expr: run(METRIC.stabilityRatio), legend: 'η·λ_max {{run_id}}' },
          { expr: run(METRIC.batchStabilityRatio), legend: 'η·BS {{run_id}}' },
          { expr: run(METRIC.stabilityBound), legend: 'bound {{run_id}}' },
        ],
        dashedSeries: '^bound .*',
        softMin: 0,
        softMax: 2.5,
        width: 12,
        height: 9,
      }),
    )
    .withPanel(
      stateTimeline({
        id: PANEL.regime,
        title: 'Regime',
        description:
          `Regime the processor classifies each run in (${METRIC.regime} == 1): converging, edge, unstable, ` +
          'chaotic, diverged or unknown (too few probes yet).',
        unit: 'none',
        thresholds: ['text'],
        queries: [{ expr: regimeCodeQuery(), legend: '{{run_id}}' }],
        mappings: regimeMappings(),
        width: 24,
        height: 6,
      }),
    )
    .withRow(new RowBuilder('Lyapunov spectrum').id(102))
    .withPanel(
      timeseries({
        id: PANEL.exponents,
        title: 'Lyapunov exponents (top k)',
        description:
          'Finite-time Lyapunov exponents per step (window mean of the Benettin local exponents), one ' +
          'series per tangent vector k. Above the zero line nearby trajectories separate.',
        unit: 'suffix: /step',
        thresholds: ['green', [0, 'red']],
        thresholdLines: true,
        queries: [{ expr: run(METRIC.lyapunovExponent), legend: '{{run_id}} λ{{k}}' }],
        width: 12,
        height: 9,
      }),
    )
    .withPanel(
      timeseries({
        id: PANEL.predicted,
        title: 'Measured against predicted exponent',
        description:
          'Measured exponent k against ln|1 − η·h_k| from its curvature (recording rule ' +
          `${RECORDING_RULE.predictedLyapunovExponent}, dashed). They agree when the local quadratic ` +
          'model holds.',
        unit: 'suffix: /step',
        thresholds: ['green', [0, 'red']],
        thresholdLines: true,
        queries: [
          { expr: run(METRIC.lyapunovExponent), legend: 'measured {{run_id}} k={{k}}' },
          { expr: run(RECORDING_RULE.predictedLyapunovExponent), legend: 'predicted {{run_id}} k={{k}}' },
        ],
        dashedSeries: '^predicted .*',
        width: 12,
        height: 9,
      }),
    )
    .withPanel(
      timeseries({
        id: PANEL.curvature,
        title: 'Curvature',
        description:
          'Ritz values of the Lyapunov subspace (Hessian curvature h_k paired with exponent k) and, ' +
          'dashed, the most negative one per run: negative curvature is where small learning rates ' +
          'turn chaotic.',
        unit: 'none',
        thresholds: ['green', [0, 'blue']],
        thresholdLines: true,
        queries: [
          { expr: run(METRIC.curvature), legend: '{{run_id}} h{{k}}' },
          { expr: `min by (run_id) (${run(METRIC.curvature)})`, legend: 'most negative {{run_id}}' },
        ],
        dashedSeries: '^most negative .*',
        width: 24,
        height: 9,
      }),
    )
    .build();
}
