import { isLyapError, type LyapError } from '../errors.js';
import type { CommandKeyring, TopicNames } from '../events/index.js';
import type { Bus } from '../transport/index.js';
import type { BusLogger, KafkaBusOptions } from '../transport/kafka/index.js';
import { EventBuffer } from './events/event-buffer.js';
import type { LrBounds } from './lr-command-queue.js';
import { LrIntake, type CommandRecord, type LrCommandIntake, type LrIntakeStats } from './lr-intake.js';
import { ThreadedLrIntake } from './threaded-lr-intake.js';
import { train, type TrainerOptions, type TrainResult } from './trainer.js';

export interface TrainingSessionOptions extends Omit<TrainerOptions, 'emit' | 'commands' | 'flushEvents'> {
  bus: Bus;
  topics: TopicNames;
  /** EventBuffer capacity (see its overflow policy). */
  bufferEvents?: number;
  /**
   * How long training waits, before its first step, for the control consumer to join its
   * group (default 15 s), so that commands published from the first estimates on reach it.
   * On timeout it warns and trains anyway.
   */
  commandJoinTimeoutMs?: number;
  lrBounds: LrBounds;
  acceptUnsignedCommands: boolean;
  /**
   * The controller's HMAC keys (`LYAP_CONTROL_KEYS`, `LYAP_CONTROL_KEY`): only commands signed
   * with one of them apply. A string is the single legacy key.
   */
  signingKey?: string | CommandKeyring | undefined;
  log: (level: 'info' | 'warn', message: string) => void;
  /** Told what became of each learning-rate command for this run (`LrIntake`'s `onCommand`). */
  onCommand?: (record: CommandRecord) => void;
  /**
   * Read the control topic in a worker thread over a Kafka client of its own, built from
   * `kafka` (the settings `bus` was built from), instead of over `bus` on this thread
   * (`ThreadedLrIntake`): a command is then in force at the first step boundary after it
   * reaches the trainer, not after the step loop lets the event loop read it. `lyap train
   * --brokers` does; a `MemoryBus` cannot be read from another thread.
   */
  commandThread?: { kafka: Omit<KafkaBusOptions, 'logger'>; kafkaLogger?: BusLogger };
}

export interface TrainingSessionResult extends TrainResult {
  eventsPublished: number;
  eventsDropped: number;
  commands: LrIntakeStats;
}

/**
 * One run wired to a bus: events through a bounded EventBuffer, learning-rate commands from
 * the control topic, and every event flushed before it returns, also when training fails
 * (then the `failed` run end is published and the error rethrown). With `firstCommandWaitMs`,
 * the warm-up step's events are flushed to the bus before the run waits for its first command.
 */
export async function runTrainingSession(options: TrainingSessionOptions): Promise<TrainingSessionResult> {
  const { bus, topics, log } = options;
  // A refusal retrying cannot fix (the ACLs, a bad password, an untrusted certificate) stops
  // the run with that error instead of training on with every event dropped.
  const stopping = new AbortController();
  options.signal?.addEventListener('abort', () => {
    stopping.abort();
  });
  let fatal: LyapError | undefined;
  /** The refusal that stopped the run, if one did (read through a call: set in callbacks). */
  const fatalError = (): LyapError | undefined => fatal;
  let signalFatal!: () => void;
  const fatalOccurred = new Promise<void>((resolve) => (signalFatal = resolve));
  const failFor = (error: unknown): boolean => {
    if (!isLyapError(error) || error.retriable || error.code === 'LYAP_E_BUS_CLOSED') return false;
    fatal ??= error;
    stopping.abort();
    signalFatal();
    return true;
  };
  const buffer = new EventBuffer({
    bus,
    topics,
    ...(options.bufferEvents === undefined ? {} : { capacityEvents: options.bufferEvents }),
    onError: (error) => {
      if (failFor(error)) return;
      log('warn', `publishing events failed: ${error instanceof Error ? error.message : String(error)}`);
    },
    onRetry: (error, attempt) => {
      // Once per outage: the attempts after it are the same story.
      if (attempt !== 1) return;
      log(
        'warn',
        `publishing events failed (${error instanceof Error ? error.message : String(error)}); ` +
          'keeping them and publishing again',
      );
    },
  });
  const intakeOptions = {
    topics,
    runId: options.runId,
    bounds: options.lrBounds,
    acceptUnsigned: options.acceptUnsignedCommands,
    signingKey: options.signingKey,
    ...(options.onCommand === undefined ? {} : { onCommand: options.onCommand }),
    log: (message: string) => {
      log('warn', message);
    },
  };
  const thread = options.commandThread;
  const intake: LrCommandIntake =
    thread === undefined
      ? new LrIntake({ bus, ...intakeOptions })
      : new ThreadedLrIntake({
          ...intakeOptions,
          kafka: thread.kafka,
          ...(thread.kafkaLogger === undefined ? {} : { kafkaLogger: thread.kafkaLogger }),
        });
  intake.done.catch((error: unknown) => {
    if (!failFor(error)) log('warn', `the control consumer stopped: ${String(error)}`);
  });
  try {
    const timeoutMs = options.commandJoinTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const joined = await Promise.race([
      intake.joined.then(() => true),
      fatalOccurred.then(() => false),
      new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false))),
    ]);
    clearTimeout(timer);
    const refusedAtStart = fatalError();
    if (refusedAtStart !== undefined) throw refusedAtStart;
    if (!joined) {
      log(
        'warn',
        `the control consumer has not joined its group after ${timeoutMs} ms; training without waiting`,
      );
    }
    const result = await train({
      ...options,
      signal: stopping.signal,
      emit: (event) => {
        buffer.push(event);
      },
      commands: intake,
      flushEvents: () => buffer.flush(),
    });
    await buffer.flush();
    const stoppedBy = fatalError();
    if (stoppedBy !== undefined) throw stoppedBy;
    return {
      ...result,
      eventsPublished: buffer.published,
      eventsDropped: buffer.dropped,
      commands: intake.stats,
    };
  } finally {
    // The threaded intake resolves once its thread has left the group and exited.
    await Promise.all([intake.close(), buffer.flush()]);
  }
}
