import type { ControlMode } from '../controller/index.js';
import type { AlertEvent, TopicNames } from '../events/index.js';
import { startPipeline } from '../loop/index.js';
import type { ProcessorObserver } from '../processor/index.js';
import { startPipelineRecorder, type LineWriter, type RecordedFile } from '../recording/index.js';
import {
  runTrainingSession,
  type TrainingSessionOptions,
  type TrainingSessionResult,
} from '../trainer/index.js';
import type { Bus } from '../transport/index.js';
import { trainingAccuracy } from './accuracy.js';
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
  /** Metrics: told of every event the processor consumes and produces, and of every command. */
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
 * After training, the pipeline is drained stage by stage (see `startPipeline`), then stopped.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { board } = options;
  const update = options.onUpdate ?? (() => undefined);
  let files: readonly RecordedFile[] = [];
  const pipeline = startPipeline({
    bus: options.bus,
    topicPrefix: options.topicPrefix,
    groupPrefix: options.groupPrefix,
    processor: {
      time: 'event',
      // Everything else at its default, which is also `lyap replay`'s.
      config: options.latenessMs === undefined ? {} : { latenessMs: options.latenessMs },
      ...(options.observer === undefined ? {} : { observer: options.observer }),
    },
    controller: {
      config: {
        mode: options.controllerMode,
        lrMin: options.trainer.lrBounds.minLr,
        lrMax: options.trainer.lrBounds.maxLr,
      },
      signingKey: options.signingKey,
    },
    alerter: {},
    sinks: [
      ({ bus, topics, groupPrefix }) => {
        const recorder = startPipelineRecorder({
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
        return {
          part: {
            done: recorder.done,
            acked: recorder.acked,
            stop: async () => {
              await recorder.close();
              files = recorder.files;
            },
          },
          inputs: Object.values(topics),
        };
      },
    ],
  });
  const { bus, topics } = pipeline;

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

  const timeoutMs = options.drainTimeoutMs ?? 10_000;
  const { drained, failures } = await pipeline.drain({ timeoutMs });
  if (!drained && failures.length === 0) {
    options.log(
      'warn',
      `the pipeline did not finish the last events within ${timeoutMs} ms ` +
        `(${pipeline.processor.engine.liveRuns} runs open in the processor)`,
    );
  }
  for (const error of failures) {
    options.log('warn', `pipeline failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { topics, runs, files: [...files], drained };
}
