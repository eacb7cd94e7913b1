import type { ControllerConfigInput } from '../controller/index.js';
import type { EstimateEvent, GradientEvent, LrCommandEvent } from '../events/index.js';
import type { ProcessorConfigInput } from '../processor/index.js';
import { startStage } from '../stage/index.js';
import {
  runTrainingSession,
  type TrainingSessionOptions,
  type TrainingSessionResult,
} from '../trainer/index.js';
import { MemoryBus, type Bus } from '../transport/index.js';
import { startPipeline } from './pipeline.js';

export interface ClosedLoopOptions {
  /** Default: a MemoryBus made (and closed) here. A bus passed in is left open. */
  bus?: Bus;
  /** Topic prefix (default `lyap.`); give each loop on a shared broker its own. */
  topicPrefix?: string;
  /** The trainer's settings; bus, topics and the command policy are filled in here. */
  trainer: Omit<TrainingSessionOptions, 'bus' | 'topics' | 'acceptUnsignedCommands' | 'signingKey' | 'log'>;
  processor?: ProcessorConfigInput;
  /** Omitted: no controller runs. */
  controller?: ControllerConfigInput;
  signingKey?: string;
  log?: TrainingSessionOptions['log'];
  /** Longest wait, after training, for the pipeline to finish the last events (default 30 s). */
  drainTimeoutMs?: number;
}

export interface ClosedLoopResult {
  session: TrainingSessionResult;
  gradients: GradientEvent[];
  estimates: EstimateEvent[];
  commands: LrCommandEvent[];
  /** False when the pipeline did not finish the last events within the drain timeout. */
  drained: boolean;
}

/**
 * One run of the whole loop in one process: the trainer, the processor and (optionally)
 * the controller, with commands signed by a key generated for the run, over a `MemoryBus`
 * by default or the bus given (Kafka: then every consumer group is made unique to the run).
 * Every gradient, estimate and command is collected for the caller.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const shared = options.bus ?? new MemoryBus();
  const groupPrefix = options.bus === undefined ? '' : `${options.trainer.runId}-${Date.now().toString(36)}-`;
  const key = options.signingKey ?? `in-process-${options.trainer.runId}-${String(Math.random()).slice(2)}`;
  const gradients: GradientEvent[] = [];
  const estimates: EstimateEvent[] = [];
  const commands: LrCommandEvent[] = [];
  const pipeline = startPipeline({
    bus: shared,
    ...(options.topicPrefix === undefined ? {} : { topicPrefix: options.topicPrefix }),
    groupPrefix,
    processor: { config: { latenessSteps: 0, ...options.processor } },
    ...(options.controller === undefined
      ? {}
      : { controller: { config: options.controller, signingKey: key } }),
    sinks: [
      ({ bus, topics }) => {
        const inputs = [topics.gradients, topics.estimates, topics.control];
        const watch = startStage({
          bus,
          inputs,
          groupId: `${groupPrefix}closed-loop-watch`,
          fromBeginning: true,
          accepts: ['gradient', 'estimate', 'lr-command'],
          handle: (event) => {
            if (event.type === 'gradient') gradients.push(event);
            else if (event.type === 'estimate') estimates.push(event);
            else commands.push(event);
          },
        });
        return { part: watch, inputs };
      },
    ],
  });
  try {
    const session = await runTrainingSession({
      ...options.trainer,
      bus: pipeline.bus,
      topics: pipeline.topics,
      acceptUnsignedCommands: false,
      signingKey: key,
      log: options.log ?? (() => undefined),
    });
    const { drained } = await pipeline.drain({ timeoutMs: options.drainTimeoutMs ?? 30_000 });
    return { session, gradients, estimates, commands, drained };
  } finally {
    await pipeline.stop();
    if (options.bus === undefined) await shared.close();
  }
}
