import { InvalidArgumentError, Option, type Command } from 'commander';
import { MAX_K } from '../events/index.js';
import { TRAIN_BACKEND_NAMES, TRAINER_DEFAULTS as D } from '../trainer/config.js';
import { lrJumpProblem, type LrJump } from '../trainer/lr-jump.js';
import { SCHEDULE_NAMES } from '../trainer/lr-schedule.js';
import { ACTIVATIONS, DATASET_NAMES, HVP_MODES, LOSS_NAMES, MODEL_NAMES } from '../trainer/names.js';
import { defineCommand } from './define-command.js';
import {
  choiceOption,
  commaList,
  finiteNumber,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
  subspaceSize,
} from './options.js';
import type { TrainFlags } from './train-flags.js';
import { pipelineOptions } from './train-pipeline-options.js';
import { runTrain } from './train-run.js';

// The options of `lyap train`, their defaults from TrainerConfig (src/trainer/config.ts); what
// they do is in train-run.ts, which loads TensorFlow.js only once a run starts.

export const trainCommand = defineCommand<TrainFlags>({
  name: 'train',
  description:
    'Train a model with SGD on TensorFlow.js, measuring Lyapunov exponents and Hessian sharpness ' +
    'with the finite-difference probe, and emit v1 run/gradient/trajectory events.',
  options: (command) => pipelineOptions(dataOptions(probeOptions(optimiserOptions(problemOptions(command))))),
  run: (flags, command) =>
    runTrain(flags, { backendFromConfig: command.getOptionValueSource('backend') === 'config' }),
});

function problemOptions(command: Command): Command {
  return command
    .addOption(choiceOption('--dataset <name>', 'dataset', DATASET_NAMES, D.dataset))
    .addOption(
      choiceOption(
        '--model <name>',
        'model (default: linear for least-squares, quadratic for quadratic, else mlp)',
        MODEL_NAMES,
      ),
    )
    .addOption(
      new Option('--hidden <widths>', 'MLP hidden widths, comma-separated')
        .argParser(commaList('--hidden', positiveInteger('--hidden')))
        .default(D.hidden, D.hidden.join(',')),
    )
    .addOption(
      new Option('--channels <filters>', 'CNN filters per conv block, comma-separated')
        .argParser(commaList('--channels', positiveInteger('--channels')))
        .default(D.channels, D.channels.join(',')),
    )
    .addOption(choiceOption('--activation <fn>', 'hidden activation', ACTIVATIONS, D.activation))
    .addOption(
      choiceOption(
        '--loss <name>',
        'loss (default: cross-entropy for classification, mse for regression)',
        LOSS_NAMES,
      ),
    );
}

function optimiserOptions(command: Command): Command {
  return command
    .option('--lr <rate>', 'learning rate', positiveNumber('--lr'), D.lr)
    .addOption(
      choiceOption(
        '--schedule <name>',
        'rate over the run: constant, step (×0.1 at 50% and 75%), cosine',
        SCHEDULE_NAMES,
        D.schedule,
      ),
    )
    .option(
      '--lr-jump <step:factor[:ramp]>',
      'multiply the rate by factor from that step on, e.g. 150:4, or reach it geometrically over ramp steps, e.g. 150:4:50 (a learning-rate command still overrides)',
      lrJumpValue('--lr-jump'),
    )
    .option(
      '--momentum <mu>',
      'heavy-ball momentum, 0 for plain SGD',
      finiteNumber('--momentum', 'in [0, 1)', (n) => n >= 0 && n < 1),
      D.momentum,
    )
    .option('--batch <n>', 'minibatch size', positiveInteger('--batch'), D.batch)
    .option('--steps <n>', 'training steps', positiveInteger('--steps'), D.steps)
    .option('--epochs <n>', 'train for this many epochs instead of --steps', positiveInteger('--epochs'))
    .option(
      '--seed <n>',
      'random seed (initialisation, minibatches, probe directions, synthetic data)',
      nonNegativeInteger('--seed'),
      D.seed,
    );
}

function probeOptions(command: Command): Command {
  const k = `(0-${MAX_K})`;
  return command
    .option(
      '--probe-every <n>',
      'probe every n steps; 0 turns the probe off',
      nonNegativeInteger('--probe-every'),
      D.probeEvery,
    )
    .option(
      '--k-lyapunov <k>',
      `tangent vectors in the Lyapunov subspace ${k}`,
      subspaceSize('--k-lyapunov'),
      D.kLyapunov,
    )
    .option(
      '--k-sharpness <k>',
      `vectors in the sharpness subspace ${k}`,
      subspaceSize('--k-sharpness'),
      D.kSharpness,
    )
    .option(
      '--sharpness-rounds <n>',
      'Rayleigh–Ritz rounds of the sharpness per probe, fewer once converged (1: only the products the probe has anyway)',
      positiveInteger('--sharpness-rounds'),
      D.sharpnessRounds,
    )
    .option(
      '--sharpness-every <n>',
      'measure λ_max (and h_min) every n steps, a multiple of --probe-every (default: 16 probes); the probes between measure the batch sharpness',
      positiveInteger('--sharpness-every'),
    )
    .option(
      '--min-curvature',
      'also track the most negative curvature h_min (a product per probe and round; 20 rounds for 2 % on a minibatch)',
      D.minCurvature,
    )
    .addOption(
      choiceOption('--hvp <mode>', 'finite difference of the Hessian-vector products', HVP_MODES, D.hvp),
    )
    .option(
      '--lyapunov-every <n>',
      'start a Lyapunov burst every n steps, a multiple of --probe-every (default: 8 probes)',
      positiveInteger('--lyapunov-every'),
    )
    .option(
      '--lyapunov-burst <k>',
      'carry the Lyapunov subspace through k consecutive steps per burst (default: 4, at most --lyapunov-every)',
      positiveInteger('--lyapunov-burst'),
    )
    .option(
      '--lyapunov-discard <d>',
      "a burst's first d steps re-align the subspace and are not counted (default: half the burst)",
      nonNegativeInteger('--lyapunov-discard'),
    )
    .option(
      '--eps0 <eps>',
      'relative finite-difference step: eps = eps0 (1 + |θ|) / |v|',
      positiveNumber('--eps0'),
      D.eps0,
    )
    .option(
      '--shadow <eps0>',
      'also run a shadow replica (two-trajectory exponent) renormalised to eps0 (1 + |θ₀|); plain SGD only',
      positiveNumber('--shadow'),
    );
}

/** The backend, and the dataset's details. */
function dataOptions(command: Command): Command {
  return command
    .addOption(
      choiceOption(
        '--backend <name>',
        'TensorFlow.js backend (default: best available; env LYAP_TF_BACKEND)',
        TRAIN_BACKEND_NAMES,
      ),
    )
    .option('--data-dir <dir>', 'folder of the CIFAR-10 binary batches (cifar-10-batches-bin)')
    .option(
      '--samples <n>',
      'mnist/cifar10: use the first n samples; synthetic: generate n',
      positiveInteger('--samples'),
    )
    .option(
      '--downsample <f>',
      'mnist: average-pool the images by f (2 → 14×14, 4 → 7×7)',
      positiveInteger('--downsample'),
    )
    .option('--dim <n>', 'synthetic datasets: input dimension', positiveInteger('--dim'))
    .option(
      '--noise <sigma>',
      'synthetic datasets: target noise',
      finiteNumber('--noise', 'a non-negative number', (n) => n >= 0),
    )
    .option(
      '--spectrum <values>',
      'quadratic: Hessian eigenvalues, comma-separated',
      commaList('--spectrum', finiteNumber('--spectrum', 'a number')),
    );
}

/** `STEP:FACTOR[:RAMP]`: a non-negative integer step, a positive factor, a ramp of RAMP steps. */
export function lrJumpValue(name: string): (value: string) => LrJump {
  return (value) => {
    const match = /^\s*(\d+)\s*:\s*([^:\s]+)\s*(?::\s*(\d+)\s*)?$/.exec(value);
    const rampSteps = Number(match?.[3] ?? 0);
    const jump: LrJump = {
      atStep: Number(match?.[1]),
      factor: Number(match?.[2]),
      ...(rampSteps === 0 ? {} : { rampSteps }),
    };
    if (match === null || lrJumpProblem(jump) !== undefined) {
      throw new InvalidArgumentError(
        `${name} must be STEP:FACTOR or STEP:FACTOR:RAMP, a non-negative integer step, a positive factor and a ramp of a non-negative integer number of steps, got '${value}'`,
      );
    }
    return jump;
  };
}
