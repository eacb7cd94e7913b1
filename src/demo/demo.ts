import { startAlerter } from '../alerts/index.js';
import { startController, type ControlMode } from '../controller/index.js';
import { topicNames, type AlertEvent, type TopicNames } from '../events/index.js';
import { startProcessor, type ProcessorObserver } from '../processor/index.js';
import {
  runTrainingSession,
  type TrainingSessionOptions,
  type TrainingSessionResult,
} from '../trainer/index.js';
import type { Bus } from '../transport/index.js';
import { trainingAccuracy } from './accuracy.js';
import { startRecorder, type LineWriter, type RecordedFile } from './recorder.js';
import type { RunBoard } from './run-board.js';

export interface DemoRunSpec {
  runId: string;
  lr: number;
}

/** Every run's settings but its id and learning rate; bus, topics and commands are wired here. */
export type DemoTrainerSettings = Omit<
  TrainingSessionOptions,
  'bus' | 'topics' | 'runId' | 'lr' | 'log' | 'signal' | 'onStep' | 'acceptUnsignedCommands' | 'signingKey'
>;

export interface DemoOptions {
  bus: Bus;
  topicPrefix: string;
  /** Prepended to every consumer group (unique per demo on a shared broker; empty in memory). */
  groupPrefix: string;
  runs: readonly DemoRunSpec[];
  trainer: DemoTrainerSettings;
  controllerMode: ControlMode;
  /** Shared by the controller (signs) and the trainers (verify). */
  signingKey: string;
  /** Metrics: told of every event the processor consumes and produces. */
  observer?: ProcessorObserver;
  /** Aborting stops every run after its current step; the demo then drains and returns. */
  signal?: AbortSignal;
  board: RunBoard;
  /** Opens a file of the recording (see RECORDED_FILE_NAMES). */
  open: (file: RecordedFile) => LineWriter;
  /** The board changed (a step, an estimate, a command, an alert). */
  onUpdate?: () => void;
  onAlert?: (alert: AlertEvent) => void;
  log: (level: 'info' | 'warn', message: string) => void;
  /** Longest wait, after training, for the pipeline to finish the last events. */
  drainTimeoutMs?: number;
  /**
   * The processor's lateness in event-time milliseconds (default 2000, `lyap replay`'s). Over
   * Kafka, where a consumer reads the gradient and trajectory topics in separate batches, more.
   */
  latenessMs?: number;
  /** How long the drained state must hold before the pipeline stops (default 50 ms; more over Kafka). */
  quietMs?: number;
}

export interface DemoRunResult {
  runId: string;
  session?: TrainingSessionResult;
  error?: unknown;
}

export interface DemoResult {
  topics: TopicNames;
  runs: DemoRunResult[];
  /** Files written, in the recording folder. */
  files: RecordedFile[];
  /** False when the drain timed out (some estimates, commands or alerts may be missing). */
  drained: boolean;
}

/**
 * The whole pipeline in one process: N trainers, the processor, the controller and the
 * alerter over one bus, every event recorded. The trainers run concurrently: each yields to
 * the event loop after every step, so on a single-threaded TensorFlow.js backend their steps
 * interleave. The processor runs on event time (now = the largest event `ts` it has read),
 * so its estimates are a function of the events in the order it read them, which is the
 * order `events.jsonl` records: `lyap replay` of the recording gives the same estimates.
 * After training, the pipeline is drained (every trainer event read by the processor, every
 * estimate seen by the controller and the alerter, everything recorded), then stopped.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { bus, board, groupPrefix } = options;
  const topics = topicNames(options.topicPrefix);
  const update = options.onUpdate ?? (() => undefined);
  const processor = startProcessor({
    bus,
    time: 'event',
    fromBeginning: true,
    inputTopics: [topics.runs, topics.gradients, topics.trajectory, topics.control],
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    // Everything else at its default, which is also `lyap replay`'s.
    config: {
      topicPrefix: options.topicPrefix,
      groupId: `${groupPrefix}lyap-processor`,
      ...(options.latenessMs === undefined ? {} : { latenessMs: options.latenessMs }),
    },
  });
  const controller = startController({
    bus,
    config: {
      mode: options.controllerMode,
      topicPrefix: options.topicPrefix,
      groupId: `${groupPrefix}lyap-controller`,
      lrMin: options.trainer.lrBounds.minLr,
      lrMax: options.trainer.lrBounds.maxLr,
    },
    signingKey: options.signingKey,
    fromBeginning: true,
  });
  const alerter = startAlerter({
    bus,
    topicPrefix: options.topicPrefix,
    groupId: `${groupPrefix}lyap-alerter`,
    fromBeginning: true,
  });
  const recorder = startRecorder({
    bus,
    topics,
    groupId: `${groupPrefix}lyap-demo-recorder`,
    open: options.open,
    onEvent: (event) => {
      if (event.type === 'estimate') board.estimate(event);
      else if (event.type === 'lr-command') board.command(event);
      else {
        board.alert(event);
        options.onAlert?.(event);
      }
      update();
    },
  });
  const failures: unknown[] = [];
  for (const handle of [processor, controller, alerter, recorder]) {
    handle.done.catch((error: unknown) => failures.push(error));
  }

  for (const { runId, lr } of options.runs) board.add(runId, lr, options.trainer.steps);
  const runs = await Promise.all(
    options.runs.map(async ({ runId, lr }): Promise<DemoRunResult> => {
      try {
        const session = await runTrainingSession({
          ...options.trainer,
          runId,
          lr,
          bus,
          topics,
          acceptUnsignedCommands: false,
          signingKey: options.signingKey,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          log: (level, message) => {
            options.log(level, `${runId}: ${message}`);
          },
          onStep: ({ gradient }) => {
            board.gradient(gradient);
            update();
          },
        });
        const accuracy = trainingAccuracy(options.trainer.model, session.theta, options.trainer.dataset);
        board.finish(runId, {
          status: session.status,
          commandsApplied: session.commands.applied,
          ...(accuracy === undefined ? {} : { accuracy }),
        });
        return { runId, session };
      } catch (error) {
        board.finish(runId, { status: 'failed', commandsApplied: 0 });
        options.log('warn', `${runId} failed: ${error instanceof Error ? error.message : String(error)}`);
        return { runId, error };
      } finally {
        update();
      }
    }),
  );

  const trainerTopics = [topics.runs, topics.gradients, topics.trajectory];
  const allPublished = runs.every((r) => r.session !== undefined);
  const published = runs.reduce((n, r) => n + (r.session?.eventsPublished ?? 0), 0);
  const consumed = (count: (topic: string) => number): number =>
    trainerTopics.reduce((n, topic) => n + count(topic), 0);
  // In event time every step is released as soon as both its halves are read, so once the
  // processor has read every trainer event it has made every estimate. (Without the count
  // of a failed run's events, wait for the processor to close every run instead.)
  const processed = (): boolean =>
    allPublished
      ? consumed((t) => processor.stats.eventsByTopic.get(t) ?? 0) >= published
      : processor.engine.liveRuns === 0;
  const settled = (): boolean => {
    const estimates = processor.stats.estimates;
    return (
      failures.length > 0 ||
      (processed() &&
        controller.stats.estimates + controller.stats.invalid >= estimates &&
        alerter.stats.estimates + alerter.stats.invalid >= estimates &&
        consumed((t) => recorder.count(t)) >= published &&
        recorder.count(topics.estimates) >= estimates &&
        recorder.count(topics.control) >= controller.stats.commands &&
        recorder.count(topics.alerts) >= alerter.stats.alerts)
    );
  };
  const drained = await waitFor(settled, options.drainTimeoutMs ?? 10_000, options.quietMs ?? 50);
  if (!drained) {
    options.log(
      'warn',
      `the pipeline did not finish the last events within ${options.drainTimeoutMs ?? 10_000} ms ` +
        `(${processor.engine.liveRuns} runs open in the processor)`,
    );
  }
  controller.stop();
  alerter.stop();
  processor.stop();
  await recorder.stop();
  for (const error of failures) {
    options.log('warn', `pipeline failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { topics, runs, files: [...recorder.files], drained: drained && failures.length === 0 };
}

/** Polls until the condition has held for `quietMs` (a publish in flight is counted after it lands). */
async function waitFor(condition: () => boolean, timeoutMs: number, quietMs: number): Promise<boolean> {
  const started = performance.now();
  let heldSince: number | undefined;
  for (;;) {
    const now = performance.now();
    if (!condition()) heldSince = undefined;
    else if ((heldSince ??= now) + quietMs <= now) return true;
    if (now - started > timeoutMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
