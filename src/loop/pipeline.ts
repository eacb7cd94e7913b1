import { startAlerter, type AlerterHandle, type AlerterOptions } from '../alerts/index.js';
import { startController, type ControllerConfigInput, type ControllerHandle } from '../controller/index.js';
import { DEFAULT_TOPIC_PREFIX, topicNames, type TopicNames } from '../events/index.js';
import {
  startProcessor,
  type ProcessorConfigInput,
  type ProcessorHandle,
  type ProcessorObserver,
} from '../processor/index.js';
import type { Bus } from '../transport/index.js';
import { startCommandWatch } from './command-watch.js';
import { countingBus, type CountingBus } from './counting-bus.js';

/** A running part of the pipeline: it ends by itself when its inputs end, or is stopped. */
export interface PipelinePart {
  readonly done: Promise<void>;
  readonly acked: (topic: string) => number;
  readonly stop: () => void | Promise<void>;
}

export interface PipelineOptions {
  bus: Bus;
  topicPrefix?: string;
  /** Prepended to every consumer group (unique per pipeline on a shared broker). */
  groupPrefix?: string;
  processor?: {
    config?: ProcessorConfigInput;
    /** `'event'`: estimates depend on the events alone (replay, the demo). Default `'wall'`. */
    time?: 'wall' | 'event';
    /** Metrics: told of every event the processor consumes and produces, and of every command. */
    observer?: ProcessorObserver;
  };
  /** Omitted: no controller runs. */
  controller?: { config?: ControllerConfigInput; signingKey?: string };
  /** Omitted: no alerter runs. */
  alerter?: Omit<AlerterOptions, 'bus' | 'topicPrefix' | 'groupId' | 'fromBeginning'>;
  /**
   * Parts that read what the pipeline produces (recorders, watchers), started on the pipeline's
   * bus with their group prefix and ended last. `inputs`: the topics each reads.
   */
  sinks?: readonly ((context: SinkContext) => InputsOf)[];
}

/** A part and the topics it reads. */
export interface InputsOf {
  part: PipelinePart;
  inputs: readonly string[];
}

export interface SinkContext {
  bus: Bus;
  topics: TopicNames;
  groupPrefix: string;
}

export interface DrainResult {
  /** False when a stage did not finish within the timeout or failed. */
  drained: boolean;
  failures: unknown[];
}

export interface Pipeline {
  /** The bus trainers publish on (it counts what they publish, for the drain). */
  readonly bus: CountingBus;
  readonly topics: TopicNames;
  readonly processor: ProcessorHandle;
  readonly controller: ControllerHandle | undefined;
  readonly alerter: AlerterHandle | undefined;
  /**
   * Once the trainers have ended: ends each stage in order when its inputs have ended: the
   * processor (the trainers' topics), then the controller and the alerter (estimates), then
   * the sinks (everything). A bus with sealed topics ends a stage's input by sealing it, and
   * the stage finishes by itself; on a broker, a stage has finished once it has acknowledged
   * every message this process published to its inputs, and is then stopped.
   */
  drain(options?: { timeoutMs?: number }): Promise<DrainResult>;
  /** Stops every part at once, finished or not. */
  stop(): Promise<void>;
}

/**
 * The whole pipeline but the trainers, over one bus: the processor, optionally the controller
 * and the alerter, and sinks. What the demo, the closed loop and the sweep run.
 */
export function startPipeline(options: PipelineOptions): Pipeline {
  const prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const topics = topicNames(prefix);
  const groupPrefix = options.groupPrefix ?? '';
  const bus = countingBus(options.bus);
  const observer = options.processor?.observer;
  const processor = startProcessor({
    bus,
    time: options.processor?.time ?? 'wall',
    fromBeginning: true,
    ...(observer === undefined ? {} : { observer }),
    config: { ...options.processor?.config, topicPrefix: prefix, groupId: `${groupPrefix}lyap-processor` },
  });
  const controller =
    options.controller === undefined
      ? undefined
      : startController({
          bus,
          config: {
            ...options.controller.config,
            topicPrefix: prefix,
            groupId: `${groupPrefix}lyap-controller`,
          },
          ...(options.controller.signingKey === undefined
            ? {}
            : { signingKey: options.controller.signingKey }),
          fromBeginning: true,
        });
  const alerter =
    options.alerter === undefined
      ? undefined
      : startAlerter({
          ...options.alerter,
          bus,
          topicPrefix: prefix,
          groupId: `${groupPrefix}lyap-alerter`,
          fromBeginning: true,
        });
  const context: SinkContext = { bus, topics, groupPrefix };
  const sinks = (options.sinks ?? []).map((start) => start(context));
  if (observer !== undefined) {
    sinks.push({
      part: startCommandWatch({ bus, topics, groupId: `${groupPrefix}lyap-command-watch`, observer }),
      inputs: [topics.control],
    });
  }

  const trainerTopics = [topics.runs, topics.gradients, topics.trajectory];
  /** The drain's order: each stage's parts with the topics they read, and the topics that end with it. */
  const stages: { parts: InputsOf[]; ends: string[] }[] = [
    { parts: [{ part: processor, inputs: trainerTopics }], ends: trainerTopics },
    {
      parts: [controller, alerter].filter(defined).map((part) => ({ part, inputs: [topics.estimates] })),
      ends: [topics.estimates],
    },
    { parts: sinks, ends: [topics.control, topics.alerts, topics.dlq] },
  ];
  const parts = stages.flatMap((stage) => stage.parts.map((p) => p.part));
  const failures: unknown[] = [];
  for (const part of parts) part.done.catch((error: unknown) => failures.push(error));

  const drain = async (drainOptions: { timeoutMs?: number } = {}): Promise<DrainResult> => {
    const deadline = performance.now() + (drainOptions.timeoutMs ?? 30_000);
    let drained = true;
    for (const stage of stages) {
      const finished =
        bus.seal === undefined
          ? await allRead(bus, stage.parts, deadline, failures)
          : await sealAndWait(bus, stage.ends, stage.parts, deadline);
      drained &&= finished;
      for (const { part } of stage.parts) await part.stop();
    }
    return { drained: drained && failures.length === 0, failures };
  };

  return {
    bus,
    topics,
    processor,
    controller,
    alerter,
    drain,
    stop: async () => {
      for (const part of parts) await part.stop();
    },
  };
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

async function sealAndWait(
  bus: CountingBus,
  ends: readonly string[],
  parts: readonly InputsOf[],
  deadline: number,
): Promise<boolean> {
  for (const topic of ends) bus.seal?.(topic);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(
      () => {
        resolve(false);
      },
      Math.max(0, deadline - performance.now()),
    );
  });
  const settled = Promise.allSettled(parts.map((p) => p.part.done)).then(() => true);
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Without sealed topics: until each part has acknowledged everything published to its inputs. */
async function allRead(
  bus: CountingBus,
  parts: readonly InputsOf[],
  deadline: number,
  failures: readonly unknown[],
): Promise<boolean> {
  const read = (): boolean =>
    parts.every(({ part, inputs }) => inputs.every((topic) => part.acked(topic) >= bus.published(topic)));
  while (!read()) {
    if (failures.length > 0 || performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
