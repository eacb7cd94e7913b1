import { LyapError } from '../errors.js';
import { LyapMetrics } from '../metrics/index.js';
import { copyTopics } from '../recording/index.js';
import { MemoryBus, type Bus } from '../transport/index.js';
import { KafkaBus } from '../transport/kafka/index.js';
import { EXIT } from './exit-codes.js';
import { controlKeysFromEnv } from './control-keys.js';
import { lineSink } from './io.js';
import { commandThreadFrom, kafkaSettingsFromFlags } from './kafka-from-flags.js';
import { startMetricsEndpoint } from './service.js';
import { checkTrainFlags, problemSettings, type TrainFlags } from './train-flags.js';

/**
 * One `lyap train` run: checks the flags, loads TensorFlow.js, trains until the last step or
 * SIGINT/SIGTERM with the events on the bus (in-process, or Kafka with --brokers) and, with
 * --out, in a file; logs its start and end on stderr. The exit code, or a LyapError.
 */
export async function runTrain(flags: TrainFlags, options: { backendFromConfig: boolean }): Promise<number> {
  const tty = process.stderr.isTTY;
  const log = (level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}): void => {
    process.stderr.write(
      tty
        ? `${level === 'warn' ? 'warning: ' : ''}${msg}\n`
        : `${JSON.stringify({ level, msg, ...fields })}\n`,
    );
  };
  const {
    backend: requested,
    topics,
    bursts,
    sharpnessEvery: everySharpness,
  } = checkTrainFlags(flags, { ...options, env: process.env });
  // Loaded here, not at the top: TensorFlow.js takes most of a second to import, which the
  // other commands (and `lyap train --help`) should not pay.
  const { BatchSampler, createProblem, Progress, runTrainingSession, selectBackend } =
    await import('../trainer/index.js');
  const backend = await selectBackend({ requested });
  const { dataset, model } = createProblem(problemSettings(flags));
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

  const controlKeys = controlKeysFromEnv(process.env, log);
  const kafka = flags.brokers === undefined ? undefined : kafkaSettingsFromFlags(flags.brokers, 'trainer');
  const bus: Bus = kafka === undefined ? new MemoryBus() : new KafkaBus(kafka);
  const memory = bus instanceof MemoryBus ? bus : undefined;
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
          webConfig: flags.webConfig,
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
      ...(flags.lrJump === undefined ? {} : { lrJump: flags.lrJump }),
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
        sharpnessIterations: flags.sharpnessRounds,
        minCurvature: flags.minCurvature,
        sharpnessEvery: everySharpness,
        ...bursts,
      },
      ...(flags.shadow === undefined ? {} : { shadow: { eps0: flags.shadow } }),
      bufferEvents: flags.bufferEvents,
      lrBounds: { minLr: flags.lrMin, maxLr: flags.lrMax },
      firstCommandWaitMs: flags.firstCommandWait,
      acceptUnsignedCommands: flags.acceptUnsignedCommands,
      signingKey: controlKeys.keys,
      // Over Kafka, commands are read in a worker thread: the step loop holds this thread's
      // event loop for a whole step (docs/trainer.md, "Learning-rate intake").
      ...(kafka === undefined ? {} : { commandThread: commandThreadFrom(kafka) }),
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
    controlKeys.stop();
    await written.catch(() => 0);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await bus.close();
    await server?.close();
    model.dispose?.();
  }
}
