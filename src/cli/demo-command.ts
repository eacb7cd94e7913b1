import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CONTROL_MODES, type ControlMode } from '../controller/index.js';
import type { BaselineSettings } from '../demo/baselines.js';
import { bestBaseline, type BaselineComparison } from '../demo/comparison.js';
import { formatNumber, alertLine } from '../demo/progress-view.js';
import { MAX_DEMO_RUNS, spreadLearningRates } from '../demo/lr-spread.js';
import { RECORDED_FILE_NAMES, type RecordedFile } from '../recording/index.js';
import { RunBoard } from '../demo/run-board.js';
import { summarizeRun, type DemoRunSummary } from '../demo/run-summary.js';
import { ProgressDisplay } from '../demo/progress-display.js';
import { LyapError } from '../errors.js';
import { DEFAULT_TOPIC_PREFIX, topicNames } from '../events/index.js';
import { loadWebConfig, LyapMetrics } from '../metrics/index.js';
import { TRAIN_BACKEND_NAMES, TRAINER_DEFAULTS } from '../trainer/config.js';
import { probeSchedule } from '../trainer/probe-schedule.js';
import { DEFAULT_EPS0, type BackendName } from '../trainer/names.js';
import { MemoryBus, type Bus } from '../transport/index.js';
import { KafkaBus } from '../transport/kafka/index.js';
import { defineCommand } from './define-command.js';
import { startDemoServer, type DemoServer } from './demo-server.js';
import { EXIT } from './exit-codes.js';
import { interruptHandler } from './interrupt.js';
import { lineSink } from './io.js';
import { packageVersion } from './package-version.js';
import { commandThreadFrom, kafkaSettingsFromFlags } from './kafka-from-flags.js';
import { atMost, choiceOption, nonNegativeInteger, positiveInteger, positiveNumber } from './options.js';
import { brokersOption, webConfigOption } from './service-options.js';
import { formatDemoSummary } from './summary-table.js';

interface DemoFlags {
  steps: number;
  lr: number;
  runs: number;
  controller: ControlMode;
  port: number;
  host: string;
  webConfig?: string;
  live: boolean;
  seed: number;
  probeEvery: number;
  out?: string;
  brokers?: string;
  backend: BackendName | 'auto';
  baseline: boolean;
}

export const DEMO_DEFAULTS = {
  steps: 600,
  lr: 0.5,
  runs: 3,
  controller: 'control',
  port: 9464,
  host: '127.0.0.1',
  seed: 1,
  probeEvery: 5,
  backend: 'wasm',
  batchSize: 64,
  hidden: [128],
  /** In control mode: each run's warm-up waits this long for the controller's first decision. */
  firstCommandWaitMs: 10_000,
} as const;

/** A second Ctrl-C quits at once with the shell's code for SIGINT. */
const EXIT_INTERRUPTED = 130;

/** Commanded learning rates stay within these (the `lyap train` defaults). */
const LR_BOUNDS = { minLr: TRAINER_DEFAULTS.lrMin, maxLr: TRAINER_DEFAULTS.lrMax } as const;

export const demoCommand = defineCommand<DemoFlags>({
  name: 'demo',
  description:
    'Train an MLP on MNIST digits (shipped, nothing to download) with the whole pipeline in this ' +
    'process: trainers, processor, controller and alerter over an in-memory bus, live page and ' +
    '/metrics, every event recorded for `lyap replay`. Ctrl-C stops after the current step.',
  options: (command) =>
    command
      .option('--steps <n>', 'training steps per run', positiveInteger('--steps'), DEMO_DEFAULTS.steps)
      .option('--lr <rate>', 'learning rate (the middle of --runs)', positiveNumber('--lr'), DEMO_DEFAULTS.lr)
      .option(
        '--runs <n>',
        `runs side by side, learning rates log-spaced from lr/40 to lr·40 (at most ${MAX_DEMO_RUNS})`,
        atMost('--runs', MAX_DEMO_RUNS, positiveInteger('--runs')),
        DEMO_DEFAULTS.runs,
      )
      .addOption(
        choiceOption(
          '--controller <mode>',
          'learning-rate controller: decide only, advise, or set the rate',
          CONTROL_MODES,
          DEMO_DEFAULTS.controller,
        ),
      )
      .option(
        '--port <port>',
        'port of the live page and /metrics; 0 picks a free one',
        nonNegativeInteger('--port'),
        DEMO_DEFAULTS.port,
      )
      .option('--host <host>', 'address the live page binds to', DEMO_DEFAULTS.host)
      .addOption(webConfigOption())
      .option('--no-live', 'serve neither the live page nor /metrics')
      .option(
        '--seed <n>',
        'random seed, the same for every run',
        nonNegativeInteger('--seed'),
        DEMO_DEFAULTS.seed,
      )
      .option(
        '--probe-every <n>',
        'probe the Lyapunov exponent and the sharpness every n steps',
        positiveInteger('--probe-every'),
        DEMO_DEFAULTS.probeEvery,
      )
      .option('-o, --out <dir>', 'folder for the recorded events (default demo-out/<time>/)')
      .addOption(
        brokersOption(
          'run the same demo over Kafka, host:port[,…] (KAFKA_* settings: docs/kafka.md), on topics of its own',
        ),
      )
      .addOption(
        choiceOption('--backend <name>', 'TensorFlow.js backend', TRAIN_BACKEND_NAMES, DEMO_DEFAULTS.backend),
      )
      .option(
        '--no-baseline',
        'under the controller, do not compare each run with its rates trained as constants ' +
          '(trained once after the demo, then cached: docs/demo.md)',
      ),
  run: runDemoCommand,
});

async function runDemoCommand(flags: DemoFlags): Promise<number> {
  const out = (text: string): void => {
    process.stdout.write(text);
  };
  const warn = (message: string): void => {
    process.stderr.write(`warning: ${message}\n`);
  };
  const started = new Date();
  const stamp = started
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const outDir = resolve(flags.out ?? join('demo-out', stamp));
  const lrs = spreadLearningRates(flags.lr, flags.runs);
  const kafka = flags.brokers !== undefined;
  // On a shared broker the demo gets topics and consumer groups of its own.
  const id = `lyap-demo-${started.getTime().toString(36)}`;
  const topicPrefix = kafka ? `${id}.` : DEFAULT_TOPIC_PREFIX;
  const groupPrefix = kafka ? `${id}-` : '';
  const runs = lrs.map((lr, i) => ({
    runId: `r${i + 1}-lr${lr}${kafka ? `-${started.getTime().toString(36)}` : ''}`,
    lr,
  }));
  const kafkaSettings = kafka ? kafkaSettingsFromFlags(flags.brokers, 'demo') : undefined;
  const bus: Bus = kafkaSettings === undefined ? new MemoryBus() : new KafkaBus(kafkaSettings);
  const topics = topicNames(topicPrefix);
  const metrics = new LyapMetrics();
  const board = new RunBoard();
  const display = new ProgressDisplay({
    board,
    write: out,
    tty: process.stdout.isTTY,
    columns: process.stdout.columns,
    logEverySteps: Math.max(1, Math.ceil(flags.steps / 10)),
  });
  const abort = new AbortController();
  const onSignal = interruptHandler({
    stop: () => {
      abort.abort();
      display.note('stopping after the current step (Ctrl-C again to quit at once)');
    },
    quit: () => process.exit(EXIT_INTERRUPTED),
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let server: DemoServer | undefined;
  let dispose: (() => void) | undefined;
  try {
    // The port first: a busy one fails at once, before TensorFlow.js loads.
    if (flags.live) {
      server = await startDemoServer({
        bus,
        topics,
        groupPrefix,
        metrics,
        host: flags.host,
        port: flags.port,
        ...(flags.webConfig === undefined ? {} : { webConfig: loadWebConfig(flags.webConfig) }),
      });
    }
    makeFolder(outDir);
    // Loaded here, not at the top: TensorFlow.js takes most of a second to import.
    const { createProblem, selectBackend } = await import('../trainer/index.js');
    const { runDemo } = await import('../demo/demo.js');
    const backend = await selectBackend({ requested: flags.backend });
    const { dataset, model } = createProblem({
      dataset: 'mnist',
      model: 'mlp',
      hidden: DEMO_DEFAULTS.hidden,
      seed: flags.seed,
    });
    dispose = model.dispose?.bind(model);
    out(
      `lyap demo: ${runs.length} run${runs.length === 1 ? '' : 's'} of ${model.name} (${model.layout.size} parameters) ` +
        `on ${dataset.name} (${dataset.size} digits), ${backend.reportedName} backend, ${flags.steps} steps, ` +
        `lr ${lrs.map(formatNumber).join(', ')}, controller ${flags.controller}` +
        `${kafka ? `, Kafka topics ${topicPrefix}*` : ''}\n`,
    );
    if (server !== undefined) out(`live page: ${server.url}/   metrics: ${server.url}/metrics\n`);
    out(`recording to ${shown(outDir)}\n`);
    // What makes a run the run it is, but its rate: the demo's runs and their baselines alike.
    const runSettings = {
      model,
      dataset,
      backend: backend.reportedName,
      batchSize: DEMO_DEFAULTS.batchSize,
      steps: flags.steps,
      seed: flags.seed,
    };
    const result = await runDemo({
      bus,
      topicPrefix,
      groupPrefix,
      runs,
      trainer: {
        ...runSettings,
        probe: {
          every: flags.probeEvery,
          kLyapunov: 1,
          kSharpness: 1,
          hvp: 'forward',
          eps0: DEFAULT_EPS0,
          // The dense schedule: the demo shows every signal over a short run (docs/demo.md).
          ...probeSchedule('dense', flags.probeEvery),
        },
        lrBounds: LR_BOUNDS,
        // A run started at an absurd rate is corrected before its first update, not braked after it.
        ...(flags.controller === 'control' ? { firstCommandWaitMs: DEMO_DEFAULTS.firstCommandWaitMs } : {}),
        // Over Kafka each run reads its commands in a worker thread, as lyap train --brokers does
        // (docs/trainer.md, "Learning-rate intake").
        ...(kafkaSettings === undefined ? {} : { commandThread: commandThreadFrom(kafkaSettings) }),
      },
      controllerMode: flags.controller,
      signingKey: randomBytes(32).toString('hex'),
      observer: metrics,
      signal: abort.signal,
      board,
      open: (file) => lineSink(join(outDir, RECORDED_FILE_NAMES[file])),
      onUpdate: () => {
        display.update();
      },
      onAlert: (alert) => {
        display.note(alertLine(alert));
      },
      log: (level, message) => {
        if (level === 'warn') warn(message);
      },
      ...(kafka ? { drainTimeoutMs: 30_000, latenessMs: 60_000 } : {}),
    });
    display.finish();
    const summaries = board.runs.map(summarizeRun);
    const comparison =
      flags.controller !== 'control'
        ? ownRatesComparison(summaries)
        : flags.baseline && !abort.signal.aborted
          ? await trainedComparison({
              lrs,
              settings: { ...runSettings, version: packageVersion() },
              signal: abort.signal,
              note: out,
            })
          : undefined;
    out(`\n${formatDemoSummary(summaries, comparison)}\n`);
    out(recordingText(outDir, result.files));
    return result.runs.some((r) => r.error !== undefined) ? EXIT.failure : EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server?.close();
    await bus.close();
    dispose?.();
  }
}

/** Under observe or advise the runs keep their rates: the best of them is the comparison. */
function ownRatesComparison(runs: readonly DemoRunSummary[]): BaselineComparison | undefined {
  const best = bestBaseline(
    runs.map((r) => ({ lr: r.initialLr, finalLoss: r.finalLoss, accuracy: r.accuracy })),
  );
  return best === undefined
    ? undefined
    : { best, source: 'the best of these runs, whose rates stayed constant' };
}

/** Under control: each rate trained as a constant after the demo (or read from the cache). */
async function trainedComparison(input: {
  lrs: readonly number[];
  settings: BaselineSettings;
  signal: AbortSignal;
  note: (text: string) => void;
}): Promise<BaselineComparison | undefined> {
  const { constantRateBaselines } = await import('../demo/baselines.js');
  const cacheFile = join(cacheHome(), 'lyap', 'demo-baselines.json');
  let trained = 0;
  const baselines = await constantRateBaselines({
    ...input.settings,
    lrs: input.lrs,
    cacheFile,
    signal: input.signal,
    onTrain: (lr) => {
      if (trained++ === 0)
        input.note(`\ntraining the rates as constants for the comparison (once: cached in ${cacheFile})\n`);
      input.note(`  lr ${formatNumber(lr)}\n`);
    },
  });
  const best = bestBaseline(baselines.values());
  if (best === undefined || baselines.size < input.lrs.length) return undefined;
  return {
    best,
    source: `the same runs at constant rates without the controller (${trained === 0 ? 'cached' : 'trained now'}, ${cacheFile})`,
  };
}

/** $XDG_CACHE_HOME, else ~/.cache. */
function cacheHome(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache');
}

function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `cannot create the --out folder ${dir}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function recordingText(outDir: string, files: readonly RecordedFile[]): string {
  const path = (file: RecordedFile): string => shown(join(outDir, RECORDED_FILE_NAMES[file]));
  const lines = files.map((file) => `  ${path(file)}`);
  const events = path('events');
  const replayed = shown(join(outDir, 'replayed-estimates.jsonl'));
  return [
    'recorded:',
    ...lines,
    'replay the events through the processor (the same estimates as estimates.jsonl):',
    `  lyap replay --input ${quote(events)} --output ${quote(replayed)} --summary`,
    `  (in this repository: npm run lyap -- replay --input ${quote(events)} --summary)`,
    '',
  ].join('\n');
}

/** A path relative to the working directory when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
