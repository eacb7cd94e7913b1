import {
  collapsed,
  COLLAPSED_ACCURACY,
  type GroupAnalysis,
  type SidePrediction,
  type SweepAnalysis,
} from './analysis.js';
import { num, table } from './markdown.js';
import { rulesSection } from './report-rules.js';
import type { RunRecord } from './run-record.js';
import { groupOf, SPIKE_FACTOR, type SweepConfig } from './sweep-config.js';

/** What results.json holds: the sweep's settings and machine, every run, the aggregates. */
export interface SweepResults {
  version: 1;
  command: string;
  config: SweepConfig;
  startedAt: string;
  wallSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  runs: RunRecord[];
  analysis: SweepAnalysis;
  figures: { file: string; title: string }[];
}

function runRows(runs: readonly RunRecord[]): string {
  return table(
    [
      'run',
      'η',
      'seed',
      'status',
      'late λ_max',
      '1/η',
      'η·λ_max',
      'top exponent',
      'log|1−ηh|',
      'log(1+η|min(h,0)|)',
      'h',
      'sin∠(v,Hv)',
      'final loss',
      'accuracy',
      'steps to target',
    ],
    runs.map((r) => [
      r.id,
      num(r.lr),
      String(r.seed),
      collapsed(r) ? 'collapsed' : r.status,
      num(r.late?.sharpness),
      num(1 / r.lr),
      num(r.late?.etaLambda),
      num(r.late?.topExponent),
      num(r.late?.predictedExponent),
      num(r.late?.negativeCurvaturePrediction),
      num(r.late?.curvature),
      num(r.late?.offEigenSine),
      num(r.finalLoss),
      num(r.finalAccuracy),
      r.stepsToTarget === null ? 'not reached' : String(r.stepsToTarget),
    ]),
  );
}

/** The measured exponent against both sides' predictions, and λ_max and BS against 1/η and 2/η. */
function sidesSection(g: GroupAnalysis): string[] {
  if (!g.sidesByLr.some((s) => s.stabilityPrediction !== null)) return [];
  const side = (s: SidePrediction): string =>
    s.n === 0
      ? 'no run measured it'
      : `Pearson r = ${num(s.pearson)}, median ratio ${num(s.medianRatio)}, median measured − predicted ${num(s.medianExcess)} per step (n = ${s.n})`;
  const bs = g.batchSharpnessFit;
  return [
    "### The exponent's two sides",
    '',
    `Top exponent against the stability side's log|1−η·λ_max|: ${side(g.exponent.stabilitySide)}. ` +
      `Against the negative-curvature side's log(1+η|h_min|): ${side(g.exponent.negativeCurvatureSide)}.`,
    '',
    bs === null
      ? 'Batch sharpness: too few runs for a fit.'
      : `log-log OLS of median late batch sharpness on 1/η over ${bs.n} runs: slope ${num(bs.slope, 4)}, ` +
        `95% CI [${num(bs.slopeCi95[0], 4)}, ${num(bs.slopeCi95[1], 4)}], BS ≈ ${num(bs.coefficient)}·(1/η)^${num(bs.slope)}, R² = ${num(bs.rSquared)}. ` +
        "SGD's own edge: η·BS = 2 (BS = 2/η).",
    '',
    'Per constant rate (medians over seeds of the late medians; "negative side": the share of late estimates whose top exponent\'s direction had negative curvature):',
    '',
    table(
      [
        'η',
        'runs',
        '1/η',
        '2/η',
        'λ_max',
        'BS',
        'η·λ_max',
        'η·BS',
        'top exponent',
        'log|1−ηλ_max|',
        'h_min',
        'log(1+η|h_min|)',
        'negative side',
      ],
      g.sidesByLr.map((s) => [
        num(s.lr),
        String(s.n),
        num(1 / s.lr),
        num(2 / s.lr),
        num(s.sharpness),
        num(s.batchSharpness),
        num(s.etaLambda),
        num(s.etaBatchSharpness),
        num(s.topExponent),
        num(s.stabilityPrediction),
        num(s.minCurvature),
        num(s.minCurvaturePrediction),
        num(s.negativeSideShare),
      ]),
    ),
    '',
  ];
}

function groupSection(g: GroupAnalysis, records: readonly RunRecord[]): string {
  const runs = records.filter((r) => r.group === g.group);
  const fit = g.fit;
  const fitLine =
    fit === null
      ? 'Too few completed constant-rate runs for a fit.'
      : `log-log OLS of median late λ_max on 1/η over ${fit.n} runs: **slope ${num(fit.slope, 4)}**, ` +
        `95% CI [${num(fit.slopeCi95[0], 4)}, ${num(fit.slopeCi95[1], 4)}] (standard error ${num(fit.slopeStdError, 3)}), ` +
        `λ_max ≈ ${num(fit.coefficient)}·(1/η)^${num(fit.slope)}, R² = ${num(fit.rSquared)}. ` +
        'The paper: slope 1, coefficient about 1 (λ_max ≈ 1/η).';
  const d = g.etaLambda;
  const e = g.exponent;
  return [
    `## ${g.group}`,
    '',
    fitLine,
    '',
    d === null
      ? 'η·λ_max: no completed constant-rate runs.'
      : `η·λ_max over the completed constant-rate runs: median ${num(d.median)}, quartiles ${num(d.q1)}–${num(d.q3)}, range ${num(d.min)}–${num(d.max)} (n = ${d.n}).`,
    '',
    `Top exponent against the prediction from the tracked curvature h: Pearson r = ${num(e.pearsonNegativeCurvature)} against log(1+η|min(h, 0)|), ` +
      `${num(e.pearsonPredicted)} against log|1−η·h|; median measured − log|1−η·h| = ${num(e.medianExcess)} per step, ` +
      `median ratio ${num(e.medianRatio)}, median sin∠(v, Hv) ${num(e.medianOffEigenSine)} (n = ${e.runIds.length}).`,
    '',
    'Per constant rate (medians over seeds; excess = mean over the late probes of ½ log G − log|1 − ηr|, ' +
      'exactly ½ log(1 + η²‖(H − r)v‖²/(1 − ηr)²)):',
    '',
    table(
      ['η', 'runs', 'top exponent', 'log|1−ηh|', 'excess', '2·excess/η²', 'sin∠(v,Hv)'],
      g.exponentByLr.map((e) => [
        num(e.lr),
        String(e.n),
        num(e.topExponent),
        num(e.predictedExponent),
        num(e.excess),
        num(e.excessOverHalfEta2),
        num(e.offEigenSine),
      ]),
    ),
    '',
    ...sidesSection(g),
    `Best constant rate (lowest mean final loss, every seed completed): ${num(g.bestConstantLr)}.`,
    '',
    '### Runs',
    '',
    runRows(runs),
    '',
    `### Steps to the target loss (${g.targetLoss}, EMA of the training loss)`,
    '',
    table(
      [
        'arm',
        'runs',
        'completed',
        'diverged',
        'failed',
        'median steps',
        'per run',
        'mean final loss',
        'mean accuracy',
      ],
      g.arms.map((a) => [
        a.label,
        String(a.runIds.length),
        String(a.completed),
        String(a.diverged),
        String(a.failed),
        a.medianStepsToTarget === null ? 'not reached' : String(a.medianStepsToTarget),
        a.stepsToTarget.map((s) => (s === null ? '–' : String(s))).join(', '),
        num(a.meanFinalLoss),
        num(a.meanFinalAccuracy),
      ]),
    ),
    '',
  ].join('\n');
}

function controllerArms(c: SweepConfig): string {
  const rules = c.rules
    .filter((rule) => rule !== 'quasi-newton' || c.alphas.length > 0)
    .map((rule) => (rule === 'quasi-newton' ? `quasi-newton (α ∈ {${c.alphas.join(', ')}})` : rule));
  return rules.length === 0
    ? 'none'
    : `${rules.join(', ')}, each from η ∈ {${c.controllerStartLrs.join(', ')}}, cool-down ${c.controllerCooldownSteps} steps` +
        (c.controllerTargetRatio === undefined ? '' : `, targetRatio ${c.controllerTargetRatio}`) +
        (c.controllerWarmupRatio === undefined ? '' : `, warmupRatio ${c.controllerWarmupRatio}`) +
        (c.controllerPolyakRatio === undefined ? '' : `, polyakRatio ${c.controllerPolyakRatio}`) +
        '; ' +
        `a spike: the smoothed loss above ${SPIKE_FACTOR}× its running minimum within ${c.spikeHorizonSteps} steps of a command`;
}

/** The runs' CPU time: what the sweep costs on an idle machine, whatever the load was. */
function cpuLine(runs: readonly RunRecord[]): string {
  const cpu = runs.reduce((a, r) => a + r.cpuSeconds, 0);
  const steps = runs.reduce((a, r) => a + r.stepsDone, 0);
  return steps === 0 || !(cpu > 0)
    ? ''
    : `CPU time of the runs ${cpu.toFixed(0)} s for ${steps} steps: ${((1000 * cpu) / steps).toFixed(1)} ms per step, child start-up included.`;
}

/** report.md: the settings, the aggregates, one section per model × loss, the figures, failures. */
export function renderReport(results: SweepResults): string {
  const { config: c, analysis: a } = results;
  const failures = results.runs.filter((r) => r.status === 'failed');
  const d = a.etaLambda;
  return [
    `# lyap sweep: preset ${c.preset}`,
    '',
    `\`${results.command}\``,
    '',
    `Started ${results.startedAt}; wall time ${results.wallSeconds.toFixed(0)} s on ${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}, ${c.jobs} jobs.`,
    '',
    table(
      ['setting', 'value'],
      [
        [
          'dataset',
          `${c.dataset} (${c.trainSamples} training, ${c.evalSamples} held-out samples${c.downsample > 1 ? `, pooled by ${c.downsample}` : ''})`,
        ],
        [
          'models',
          `${c.models.join(', ')} (MLP hidden ${c.hidden.join(',')}, CNN channels ${c.channels.join(',')}; ${c.activation ?? 'relu'})`,
        ],
        ['losses', c.losses.join(', ')],
        ['groups', c.groups.map((g) => groupOf(g.model, g.loss, g.momentum)).join(', ')],
        ['learning rates', c.lrs.join(', ')],
        ['seeds', c.seeds.join(', ')],
        ['steps, batch', `${c.steps}, ${c.batch}`],
        [
          'probe',
          `every ${c.probeEvery} steps, k_L = k_S = 1, window ${c.windowProbes} probes; late = last 50% of probes` +
            (c.sharpnessRounds === undefined ? '' : `; ${c.sharpnessRounds} Rayleigh–Ritz rounds`) +
            (c.probeSchedule === 'default' ? "; the trainer's default schedule" : '') +
            (c.sharpnessEvery === undefined ? '' : `; λ_max every ${c.sharpnessEvery} steps`) +
            (c.minCurvature === true ? '; h_min tracked' : ''),
        ],
        ['controller arms', controllerArms(c)],
        [
          'schedule arms',
          c.schedules.length === 0
            ? 'none'
            : `${c.schedules.join(', ')} from each group's best constant rate`,
        ],
        [
          'target loss',
          Object.entries(c.targetLoss)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        ['transport', c.brokers === undefined ? 'in-process MemoryBus' : `Kafka ${c.brokers}`],
      ],
    ),
    '',
    `Runs: ${a.counts.runs} (${a.counts.completed} completed, of which ${a.counts.collapsed} collapsed; ${a.counts.diverged} diverged, ${a.counts.failed} failed, ${a.counts.stopped} stopped). ` +
      `A collapsed run completed where a constant output would be (held-out accuracy below ${COLLAPSED_ACCURACY}, or a final loss within 5% of the constant prediction's): a dead network. Fits, η·λ_max and the exponent comparison leave it out. ` +
      cpuLine(results.runs),
    '',
    d === null
      ? ''
      : `η·λ_max over every completed constant-rate run: median ${num(d.median)}, quartiles ${num(d.q1)}–${num(d.q3)} (n = ${d.n}).`,
    '',
    ...a.groups.map((g) => groupSection(g, results.runs)),
    rulesSection(a.groups),
    '## Figures',
    '',
    ...results.figures.flatMap((f) => [`### ${f.title}`, '', `![${f.title}](${f.file})`, '']),
    ...(failures.length === 0
      ? []
      : [
          '## Failed runs',
          '',
          table(
            ['run', 'error'],
            failures.map((r) => [r.id, r.error ?? '']),
          ),
        ]),
    '',
  ].join('\n');
}
