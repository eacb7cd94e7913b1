import { join } from 'node:path';
import { CONTROL_RULES, type ControlRule } from '../controller/config.js';
import { LyapError } from '../errors.js';
import { defaultJobs } from '../sweep/presets.js';
import {
  PRESET_NAMES,
  SWEEP_DATASETS,
  SWEEP_MODELS,
  type PresetName,
  type SweepGroup,
  type SweepModel,
} from '../sweep/sweep-config.js';
import { resolveSweepConfig, type SweepOverrides } from '../sweep/sweep-options.js';
import { TRAIN_BACKEND_NAMES } from '../trainer/config.js';
import type { ScheduleName } from '../trainer/lr-schedule.js';
import { PROBE_SCHEDULES } from '../trainer/probe-schedule.js';
import { ACTIVATIONS, type LossName } from '../trainer/names.js';
import { defineCommand } from './define-command.js';
import { EXIT } from './exit-codes.js';
import {
  choiceOption,
  commaList,
  finiteNumber,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
} from './options.js';
import { brokersOption } from './service-options.js';

interface SweepFlags extends Omit<SweepOverrides, 'jobs' | 'spikeHorizonSteps'> {
  preset: PresetName;
  spikeHorizon?: number;
  out?: string;
  jobs?: number;
  rebuild?: string;
}

const modelItem = (part: string): SweepModel | undefined =>
  (SWEEP_MODELS as readonly string[]).includes(part) ? (part as SweepModel) : undefined;
const lossItem = (part: string): LossName | undefined =>
  part === 'ce' || part === 'cross-entropy' ? 'cross-entropy' : part === 'mse' ? 'mse' : undefined;
const scheduleItem = (part: string): Exclude<ScheduleName, 'constant'> | undefined =>
  part === 'step' || part === 'cosine' ? part : undefined;
const ruleItem = (part: string): ControlRule | undefined =>
  (CONTROL_RULES as readonly string[]).includes(part) ? (part as ControlRule) : undefined;
/** `mlp-ce`, `cnn-mse`, `mlp-ce-m0.9` (heavy-ball momentum 0.9). */
const groupItem = (part: string): SweepGroup | undefined => {
  const match = /^([a-z]+)-(ce|mse)(?:-m(\d*\.?\d+))?$/.exec(part);
  const model = modelItem(match?.[1] ?? '');
  const loss = lossItem(match?.[2] ?? '');
  const momentum = Number(match?.[3] ?? 0);
  return model === undefined || loss === undefined || !(momentum >= 0 && momentum < 1)
    ? undefined
    : { model, loss, momentum };
};
/** `none` for an empty list (no arms of that kind). */
const orNone =
  <T>(parse: (value: string) => T[]) =>
  (value: string): T[] =>
    value.trim() === 'none' ? [] : parse(value);

export const sweepCommand = defineCommand<SweepFlags>({
  name: 'sweep',
  description:
    'Train many runs (learning rates × seeds × groups of model, loss and momentum, plus controller arms ' +
    'per rule and starting rate, and schedule arms), ' +
    'each in its own process through the pipeline, and write a report: λ_max against 1/η, η·λ_max, ' +
    'the Lyapunov exponent against the curvature, steps to a target loss (docs/sweep.md).',
  options: (command) =>
    command
      .addOption(choiceOption('--preset <name>', 'sizes and grids to start from', PRESET_NAMES, 'quick'))
      .option('-o, --out <dir>', 'report folder (default: sweep-out/<preset>-<time>)')
      .option(
        '--lrs <rates>',
        'constant learning rates, comma-separated',
        commaList('--lrs', positiveNumber('--lrs'), 'positive numbers'),
      )
      .option(
        '--seeds <list>',
        'seeds, comma-separated',
        commaList('--seeds', nonNegativeInteger('--seeds'), 'non-negative integers'),
      )
      .option('--steps <n>', 'training steps per run', positiveInteger('--steps'))
      .option('--batch <n>', 'minibatch size', positiveInteger('--batch'))
      .option('--probe-every <n>', 'probe every n steps', positiveInteger('--probe-every'))
      .option(
        '--min-curvature',
        'the probes also track the most negative curvature h_min (lyap train --min-curvature), for the exponent against log(1 + η|h_min|)',
      )
      .option(
        '--sharpness-every <n>',
        "measure λ_max every n steps, a multiple of --probe-every (lyap train --sharpness-every; default: the --probe-schedule's)",
        positiveInteger('--sharpness-every'),
      )
      .addOption(
        choiceOption(
          '--probe-schedule <name>',
          "λ_max and Lyapunov bursts: dense (every 4 probes, bursts of 8: what the reports in docs/results were made with) or default (the trainer's own, what lyap train runs: λ_max every 16 probes, bursts of 4 every 8) (default: dense)",
          PROBE_SCHEDULES,
        ),
      )
      .option(
        '--sharpness-rounds <n>',
        "Rayleigh–Ritz rounds per probe (lyap train --sharpness-rounds; default: the trainer's)",
        positiveInteger('--sharpness-rounds'),
      )
      .addOption(
        choiceOption(
          '--activation <fn>',
          'hidden activation of the MLP and the CNN (default: relu)',
          ACTIVATIONS,
        ),
      )
      .option('--models <list>', 'models: mlp, cnn', commaList('--models', modelItem, 'mlp or cnn'))
      .option(
        '--losses <list>',
        'losses: ce (cross-entropy), mse',
        commaList('--losses', lossItem, 'ce or mse'),
      )
      .option(
        '--groups <list>',
        'groups instead of models × losses: <model>-<loss>[-m<momentum>], e.g. mlp-ce,cnn-ce,mlp-ce-m0.9',
        commaList('--groups', groupItem, 'groups like mlp-ce, cnn-mse or mlp-ce-m0.9'),
      )
      .option(
        '--rules <list>',
        `controller arms' rules: ${CONTROL_RULES.join(', ')}; none for no controller arm`,
        orNone(commaList('--rules', ruleItem, CONTROL_RULES.join(', '))),
      )
      .option(
        '--alphas <list>',
        'the quasi-newton arms η = α/λ̂_max, comma-separated; none for no quasi-newton arm',
        orNone(commaList('--alphas', positiveNumber('--alphas'), 'positive numbers')),
      )
      .option(
        '--schedules <list>',
        'schedule arms from the best constant rate: step, cosine; none for none',
        orNone(commaList('--schedules', scheduleItem, 'step or cosine')),
      )
      .option(
        '--controller-start-lrs <rates>',
        'learning rates the controller arms start from, comma-separated (each rule from each)',
        commaList('--controller-start-lrs', positiveNumber('--controller-start-lrs'), 'positive numbers'),
      )
      .option(
        '--controller-start-lr <rate>',
        'one learning rate the controller arms start from (--controller-start-lrs of one)',
        positiveNumber('--controller-start-lr'),
      )
      .option(
        '--target-ratio <r>',
        "the controller arms' targetRatio: the edge rule keeps η·BS at r (default: the controller's, 1.5)",
        positiveNumber('--target-ratio'),
      )
      .option(
        '--warmup-ratio <r>',
        "the controller arms' warmupRatio: the edge rule's first rate is r/λ at θ0 (default: the controller's, 3)",
        positiveNumber('--warmup-ratio'),
      )
      .option(
        '--polyak-ratio <a>',
        "the controller arms' polyakRatio: the edge rule's rate is at least a·(1 − μ²)·L/‖g‖² (0: off, the controller's default)",
        finiteNumber('--polyak-ratio', 'a number >= 0', (n) => n >= 0),
      )
      .option(
        '--spike-horizon <steps>',
        'a command spikes when the smoothed loss exceeds 2× its running minimum within this many steps after it',
        positiveInteger('--spike-horizon'),
      )
      .option(
        '--target-loss <loss>',
        'steps-to-target threshold of the smoothed training loss',
        positiveNumber('--target-loss'),
      )
      .option('--jobs <n>', 'child processes at once (default: number of cores)', positiveInteger('--jobs'))
      .addOption(choiceOption('--dataset <name>', 'dataset', SWEEP_DATASETS))
      .option('--data-dir <dir>', 'CIFAR-10: the extracted cifar-10-batches-bin folder')
      .option('--train-samples <n>', 'training samples (the first n)', positiveInteger('--train-samples'))
      .option(
        '--eval-samples <n>',
        'held-out samples for accuracy (the next n)',
        positiveInteger('--eval-samples'),
      )
      .addOption(choiceOption('--backend <name>', 'TensorFlow.js backend of the runs', TRAIN_BACKEND_NAMES))
      .addOption(
        brokersOption('run every run through Kafka, host:port[,…] (KAFKA_* settings: docs/kafka.md)'),
      )
      .option(
        '--rebuild <dir>',
        "rebuild a sweep folder's results.json, figures and report.md from its runs, without training",
      ),
  run: runSweepCommand,
});

async function runSweepCommand(flags: SweepFlags): Promise<number> {
  const { preset, out, jobs, rebuild, spikeHorizon, ...overrides } = flags;
  if (rebuild !== undefined) {
    const { rebuildSweep } = await import('../sweep/sweep.js');
    const results = await rebuildSweep(rebuild);
    process.stderr.write(`rebuilt ${join(rebuild, 'report.md')} from ${results.runs.length} runs\n`);
    return EXIT.ok;
  }
  const resolved = resolveSweepConfig(preset, {
    ...overrides,
    ...(spikeHorizon === undefined ? {} : { spikeHorizonSteps: spikeHorizon }),
    jobs: jobs ?? defaultJobs(),
  });
  if (!resolved.ok) throw new LyapError('LYAP_E_CONFIG', resolved.problems.join('; '));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const outDir = out ?? join('sweep-out', `${preset}-${stamp}`);
  const abort = new AbortController();
  const stop = (): void => {
    abort.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // Loaded here: the sweep pulls in vega, which `lyap --help` should not pay for.
    const { runSweep } = await import('../sweep/sweep.js');
    const results = await runSweep({
      config: resolved.config,
      outDir,
      command: ['lyap', 'sweep', ...process.argv.slice(3)].join(' '),
      log: (line) => process.stderr.write(`${line}\n`),
      signal: abort.signal,
    });
    const { counts } = results.analysis;
    process.stderr.write(
      `sweep done in ${results.wallSeconds.toFixed(0)} s: ${counts.completed} completed, ${counts.diverged} diverged, ` +
        `${counts.failed} failed; report in ${join(outDir, 'report.md')}\n`,
    );
    return abort.signal.aborted ? EXIT.failure : EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
