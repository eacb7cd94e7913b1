import { Command, InvalidArgumentError, Option } from 'commander';
import { LyapError } from '../errors.js';
import { RunId, topicNames } from '../events/index.js';
import { DEFAULT_BUFFER_CAPACITY_EVENTS } from '../trainer/events/event-buffer.js';
import { copyTopics } from '../recording/index.js';
import { SCHEDULE_NAMES, type ScheduleName } from '../trainer/lr-schedule.js';
import {
  ACTIVATIONS,
  BACKEND_NAMES,
  DATASET_NAMES,
  DEFAULT_EPS0,
  HVP_MODES,
  isBackendName,
  LOSS_NAMES,
  MODEL_NAMES,
  type Activation,
  type DatasetName,
  type HvpMode,
  type LossName,
  type ModelName,
} from '../trainer/names.js';
import { MemoryBus, type Bus } from '../transport/index.js';
import { LyapMetrics } from '../metrics/index.js';
import { EXIT } from './exit-codes.js';
import { lineSink } from './io.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './options.js';
import { startMetricsEndpoint } from './service.js';

interface TrainFlags {
  brokers?: string;
  metricsPort?: number;
  metricsHost: string;
  runId?: string;
  dataset: DatasetName;
  model?: ModelName;
  hidden: number[];
  channels: number[];
  activation: Activation;
  loss?: LossName;
  lr: number;
  schedule: ScheduleName;
  momentum: number;
  batch: number;
  steps: number;
  epochs?: number;
  seed: number;
  probeEvery: number;
  kLyapunov: number;
  kSharpness: number;
  hvp: HvpMode;
  eps0: number;
  shadow?: number;
  backend?: string;
  dataDir?: string;
  samples?: number;
  downsample?: number;
  dim?: number;
  noise?: number;
  spectrum?: number[];
  out?: string;
  bufferEvents: number;
  topicPrefix: string;
  acceptUnsignedCommands: boolean;
  lrMin: number;
  lrMax: number;
}

export const DEFAULT_PROBE_EVERY = 10;

function number(name: string, test: (n: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !test(n)) {
      throw new InvalidArgumentError(`${name} must be ${expected}, got '${value}'`);
    }
    return n;
  };
}
const list = (name: string, parse: (value: string) => number) => (value: string) =>
  value.split(',').map((part) => {
    try {
      return parse(part.trim());
    } catch {
      throw new InvalidArgumentError(`${name} must be a comma-separated list, got '${value}'`);
    }
  });
const choice = (flags: string, description: string, values: readonly string[]): Option =>
  new Option(flags, description).choices(values);

export function trainCommand(setExit: (code: number) => void): Command {
  return new Command('train')
    .description(
      'Train a model with SGD on TensorFlow.js, measuring Lyapunov exponents and Hessian sharpness ' +
        'with the finite-difference probe, and emit v1 run/gradient/trajectory events.',
    )
    .addOption(choice('--dataset <name>', 'dataset', DATASET_NAMES).default('mnist'))
    .addOption(
      choice(
        '--model <name>',
        'model (default: linear for least-squares, quadratic for quadratic, else mlp)',
        MODEL_NAMES,
      ),
    )
    .addOption(
      new Option('--hidden <widths>', 'MLP hidden widths, comma-separated')
        .argParser(list('--hidden', positiveInteger('--hidden')))
        .default([128], '128'),
    )
    .addOption(
      new Option('--channels <filters>', 'CNN filters per conv block, comma-separated')
        .argParser(list('--channels', positiveInteger('--channels')))
        .default([8, 16], '8,16'),
    )
    .addOption(choice('--activation <fn>', 'hidden activation', ACTIVATIONS).default('relu'))
    .addOption(
      choice(
        '--loss <name>',
        'loss (default: cross-entropy for classification, mse for regression)',
        LOSS_NAMES,
      ),
    )
    .option('--lr <rate>', 'learning rate', positiveNumber('--lr'), 0.1)
    .addOption(
      choice(
        '--schedule <name>',
        'rate over the run: constant, step (×0.1 at 50% and 75%), cosine',
        SCHEDULE_NAMES,
      ).default('constant'),
    )
    .option(
      '--momentum <mu>',
      'heavy-ball momentum, 0 for plain SGD',
      number('--momentum', (n) => n >= 0 && n < 1, 'in [0, 1)'),
      0,
    )
    .option('--batch <n>', 'minibatch size', positiveInteger('--batch'), 64)
    .option('--steps <n>', 'training steps', positiveInteger('--steps'), 200)
    .option('--epochs <n>', 'train for this many epochs instead of --steps', positiveInteger('--epochs'))
    .option(
      '--seed <n>',
      'random seed (initialisation, minibatches, probe directions, synthetic data)',
      nonNegativeInteger('--seed'),
      1,
    )
    .option(
      '--probe-every <n>',
      'probe every n steps; 0 turns the probe off',
      nonNegativeInteger('--probe-every'),
      DEFAULT_PROBE_EVERY,
    )
    .option('--k-lyapunov <k>', 'tangent vectors in the Lyapunov subspace (0-8)', kOption('--k-lyapunov'), 1)
    .option('--k-sharpness <k>', 'vectors in the sharpness subspace (0-8)', kOption('--k-sharpness'), 1)
    .addOption(
      choice('--hvp <mode>', 'finite difference of the Hessian-vector products', HVP_MODES).default(
        'forward',
      ),
    )
    .option(
      '--eps0 <eps>',
      'relative finite-difference step: eps = eps0 (1 + |θ|) / |v|',
      positiveNumber('--eps0'),
      DEFAULT_EPS0,
    )
    .option(
      '--shadow <eps0>',
      'also run a shadow replica (two-trajectory exponent) renormalised to eps0 (1 + |θ₀|); plain SGD only',
      positiveNumber('--shadow'),
    )
    .addOption(
      choice('--backend <name>', 'TensorFlow.js backend (default: best available; env LYAP_TF_BACKEND)', [
        'auto',
        ...BACKEND_NAMES,
      ]),
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
      number('--noise', (n) => n >= 0, 'a non-negative number'),
    )
    .option(
      '--spectrum <values>',
      'quadratic: Hessian eigenvalues, comma-separated',
      list(
        '--spectrum',
        number('--spectrum', () => true, 'a number'),
      ),
    )
    .option(
      '-o, --out <file>',
      'write every emitted event as JSON lines (replayable by lyap replay); - for stdout',
    )
    .option('--run-id <id>', 'run id (default: <dataset>-<model>-s<seed>-<time>)')
    .option(
      '--metrics-port <port>',
      "serve the trainer process's metrics (/metrics, /healthz, /readyz); 0 picks a free port",
      nonNegativeInteger('--metrics-port'),
    )
    .option('--metrics-host <host>', 'address the metrics endpoint binds to', '127.0.0.1')
    .option(
      '--brokers <list>',
      'publish to Kafka, host:port[,…] (KAFKA_* settings: docs/kafka.md); default in-process',
    )
    .option(
      '--buffer-events <n>',
      'events queued for the bus before the oldest step events are dropped',
      positiveInteger('--buffer-events'),
      DEFAULT_BUFFER_CAPACITY_EVENTS,
    )
    .option('--topic-prefix <prefix>', 'topic prefix', 'lyap.')
    .option(
      '--accept-unsigned-commands',
      'apply unsigned lr-commands when LYAP_CONTROL_KEY is not set (warns)',
      false,
    )
    .option('--lr-min <rate>', 'lower bound for commanded learning rates', positiveNumber('--lr-min'), 1e-6)
    .option('--lr-max <rate>', 'upper bound for commanded learning rates', positiveNumber('--lr-max'), 10)
    .action(async (flags: TrainFlags, command: Command) => {
      setExit(await runTrain(flags, command.getOptionValueSource('backend') === 'config'));
    });
}

function kOption(name: string): (value: string) => number {
  const parse = nonNegativeInteger(name);
  return (value) => {
    const k = parse(value);
    if (k > 8) throw new InvalidArgumentError(`${name} must be at most 8, got '${value}'`);
    return k;
  };
}

async function runTrain(flags: TrainFlags, backendFromConfig: boolean): Promise<number> {
  const tty = process.stderr.isTTY;
  const log = (level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}): void => {
    process.stderr.write(
      tty
        ? `${level === 'warn' ? 'warning: ' : ''}${msg}\n`
        : `${JSON.stringify({ level, msg, ...fields })}\n`,
    );
  };
  // LYAP_TF_BACKEND, the older variable for --backend, ranks with the environment: after the
  // flag and LYAP_BACKEND, before a config file.
  const envBackend = process.env['LYAP_TF_BACKEND'];
  const requested =
    (backendFromConfig ? (envBackend ?? flags.backend) : (flags.backend ?? envBackend)) ?? 'auto';
  if (requested !== 'auto' && !isBackendName(requested)) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `LYAP_TF_BACKEND must be one of auto, ${BACKEND_NAMES.join(', ')}; got '${requested}'`,
    );
  }
  if (flags.runId !== undefined && !RunId.safeParse(flags.runId).success) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `--run-id must be 1-128 characters of [A-Za-z0-9._:-], got '${flags.runId}'`,
    );
  }
  if (flags.shadow !== undefined && flags.momentum > 0) {
    throw new LyapError('LYAP_E_CONFIG', '--shadow needs plain SGD (--momentum 0)');
  }
  if (flags.lrMin > flags.lrMax)
    throw new LyapError('LYAP_E_CONFIG', `--lr-min ${flags.lrMin} exceeds --lr-max ${flags.lrMax}`);
  const topics = topicsOrConfigError(flags.topicPrefix);
  if (flags.brokers !== undefined && flags.out !== undefined) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      '--out copies the in-process stream; with --brokers, read the topics instead',
    );
  }
  // Loaded here, not at the top: TensorFlow.js takes most of a second to import, which the
  // other commands (and `lyap train --help`) should not pay.
  const { BatchSampler, createProblem, Progress, runTrainingSession, selectBackend } =
    await import('../trainer/index.js');
  const backend = await selectBackend({ requested });
  const { dataset, model } = createProblem({
    ...definedProblemFlags(flags),
    dataset: flags.dataset,
    seed: flags.seed,
  });
  const k = Math.max(flags.kLyapunov, flags.kSharpness);
  if (flags.probeEvery > 0 && k > model.layout.size) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `${k} probe directions exceed the model's ${model.layout.size} parameters`,
    );
  }
  const steps =
    flags.epochs === undefined
      ? flags.steps
      : flags.epochs * new BatchSampler(dataset, { batchSize: flags.batch, seed: 0 }).stepsPerEpoch;
  const runId = flags.runId ?? `${dataset.name}-${model.name}-s${flags.seed}-${Date.now().toString(36)}`;

  const memory = flags.brokers === undefined ? new MemoryBus() : undefined;
  const bus: Bus = memory ?? kafkaBusFromFlags(flags.brokers);
  const trainerTopics = [topics.runs, topics.gradients, topics.trajectory];
  const written =
    flags.out === undefined
      ? Promise.resolve(0)
      : copyTopics({ bus: memory ?? bus, topics: trainerTopics, sink: lineSink(flags.out) });
  // The run's own numbers reach Prometheus through the processor; the trainer's endpoint
  // shows its process (CPU, heap, event loop) for the pipeline-health dashboard.
  const server =
    flags.metricsPort === undefined
      ? undefined
      : await startMetricsEndpoint({
          metrics: new LyapMetrics(),
          host: flags.metricsHost,
          port: flags.metricsPort,
          ready: () => true,
          log: (msg, fields) => {
            log('info', msg, fields);
          },
        });
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const progress = new Progress(steps);
  let lastDrawMs = 0;
  const fields = {
    runId,
    backend: backend.reportedName,
    model: model.name,
    params: model.layout.size,
    steps,
  };
  log(
    'info',
    `training ${model.name} (${model.layout.size} parameters) on ${dataset.name} with the ${backend.reportedName} backend`,
    fields,
  );
  try {
    const result = await runTrainingSession({
      bus,
      topics,
      runId,
      model,
      dataset,
      backend: backend.reportedName,
      lr: flags.lr,
      schedule: flags.schedule,
      momentum: flags.momentum,
      batchSize: flags.batch,
      steps,
      seed: flags.seed,
      probe: {
        every: flags.probeEvery,
        kLyapunov: flags.kLyapunov,
        kSharpness: flags.kSharpness,
        hvp: flags.hvp,
        eps0: flags.eps0,
      },
      ...(flags.shadow === undefined ? {} : { shadow: { eps0: flags.shadow } }),
      bufferEvents: flags.bufferEvents,
      lrBounds: { minLr: flags.lrMin, maxLr: flags.lrMax },
      acceptUnsignedCommands: flags.acceptUnsignedCommands,
      signingKey: process.env['LYAP_CONTROL_KEY'] === '' ? undefined : process.env['LYAP_CONTROL_KEY'],
      log,
      signal: controller.signal,
      onStep: ({ gradient }) => {
        progress.observe(gradient);
        const now = performance.now();
        if (tty && (now - lastDrawMs > 250 || gradient.step + 1 === steps)) {
          lastDrawMs = now;
          process.stderr.write(`\r${progress.line(gradient)}\u001b[K`);
        }
      },
    }).finally(() => {
      if (tty) process.stderr.write('\n');
      for (const topic of trainerTopics) memory?.seal(topic);
    });
    const lines = await written;
    const stepsDone = result.lastStep === undefined ? 0 : result.lastStep + 1;
    log(
      'info',
      `run ${runId} ${result.status} after ${stepsDone} steps, final loss ${result.finalLoss}, lr ${result.lr}` +
        (flags.out === undefined ? '' : `; ${lines} events written`) +
        (result.eventsDropped > 0 ? `; ${result.eventsDropped} events dropped` : ''),
      {
        runId,
        status: result.status,
        lastStep: result.lastStep,
        finalLoss: result.finalLoss,
        eventsWritten: lines,
        eventsDropped: result.eventsDropped,
      },
    );
    return EXIT.ok;
  } finally {
    await written.catch(() => 0);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await bus.close();
    await server?.close();
    model.dispose?.();
  }
}

function definedProblemFlags(flags: TrainFlags) {
  const { model, hidden, channels, activation, loss, dataDir, samples, downsample, dim, noise, spectrum } =
    flags;
  return Object.fromEntries(
    Object.entries({
      model,
      hidden,
      channels,
      activation,
      loss,
      dataDir,
      samples,
      downsample,
      dim,
      noise,
      spectrum,
    }).filter(([, v]) => v !== undefined),
  );
}

function topicsOrConfigError(prefix: string) {
  try {
    return topicNames(prefix);
  } catch (error) {
    throw new LyapError('LYAP_E_CONFIG', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}
