import { startController, type ControllerConfigInput } from '../controller/index.js';
import {
  DEFAULT_TOPIC_PREFIX,
  decodeEvent,
  topicNames,
  type EstimateEvent,
  type GradientEvent,
  type LrCommandEvent,
} from '../events/index.js';
import { startProcessor, type ProcessorConfigInput } from '../processor/index.js';
import {
  runTrainingSession,
  type TrainingSessionOptions,
  type TrainingSessionResult,
} from '../trainer/index.js';
import { MemoryBus, type Bus } from '../transport/index.js';

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
}

export interface ClosedLoopResult {
  session: TrainingSessionResult;
  gradients: GradientEvent[];
  estimates: EstimateEvent[];
  commands: LrCommandEvent[];
}

/**
 * One run of the whole loop in one process: the trainer, the processor and (optionally)
 * the controller, with commands signed by a key generated for the run, over a `MemoryBus`
 * by default or the bus given (Kafka: then every consumer group is made unique to the run).
 * Every gradient, estimate and command is collected for the caller.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const topics = topicNames(prefix);
  const bus = options.bus ?? new MemoryBus();
  const suffix = options.bus === undefined ? '' : `-${options.trainer.runId}-${Date.now().toString(36)}`;
  const key = options.signingKey ?? `in-process-${options.trainer.runId}-${String(Math.random()).slice(2)}`;
  const gradients: GradientEvent[] = [];
  const estimates: EstimateEvent[] = [];
  const commands: LrCommandEvent[] = [];
  const watch = bus
    .consume([topics.gradients, topics.estimates, topics.control], {
      groupId: `closed-loop-watch${suffix}`,
      fromBeginning: true,
    })
    .subscribe((delivery) => {
      for (const m of delivery.messages) {
        const decoded = decodeEvent(m.value);
        if (!decoded.ok) continue;
        const e = decoded.event;
        if (e.type === 'gradient') gradients.push(e);
        else if (e.type === 'estimate') estimates.push(e);
        else if (e.type === 'lr-command') commands.push(e);
      }
      delivery.ack();
    });
  const processor = startProcessor({
    bus,
    config: {
      latenessSteps: 0,
      topicPrefix: prefix,
      groupId: `lyap-processor${suffix}`,
      ...options.processor,
    },
    fromBeginning: true,
  });
  const controller =
    options.controller === undefined
      ? undefined
      : startController({
          bus,
          config: { topicPrefix: prefix, groupId: `lyap-controller${suffix}`, ...options.controller },
          signingKey: key,
          fromBeginning: true,
        });
  try {
    const session = await runTrainingSession({
      ...options.trainer,
      bus,
      topics,
      acceptUnsignedCommands: false,
      signingKey: key,
      log: options.log ?? (() => undefined),
    });
    // Let the last events travel through the processor before stopping it.
    if (bus instanceof MemoryBus) {
      for (let i = 0; i < 200 && processor.engine.liveRuns > 0 && bus.backlog(topics.gradients) > 0; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
    } else {
      await untilEstimated(estimates, lastProbedStep(session.lastStep, options.trainer.probe.every));
    }
    return { session, gradients, estimates, commands };
  } finally {
    processor.stop();
    controller?.stop();
    watch.unsubscribe();
    if (options.bus === undefined) await bus.close();
  }
}

function lastProbedStep(lastStep: number | undefined, every: number): number | undefined {
  return lastStep === undefined || every <= 0 ? undefined : Math.floor(lastStep / every) * every;
}

/**
 * Over a broker the estimates trail the training by a few fetch round trips: wait until the
 * last probed step's estimate has come back (at most 30 s without one arriving), or 1 s when
 * nothing was probed.
 */
async function untilEstimated(estimates: readonly EstimateEvent[], step: number | undefined): Promise<void> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  if (step === undefined) return sleep(1_000);
  let seen = estimates.length;
  let quietMs = 0;
  while (quietMs < 30_000 && !estimates.some((e) => e.step >= step)) {
    await sleep(100);
    quietMs = estimates.length > seen ? 0 : quietMs + 100;
    seen = estimates.length;
  }
}
