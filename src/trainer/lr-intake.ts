import type { CommandKeyring, LrCommandEvent, TopicNames } from '../events/index.js';
import { startStage, type StageHandle, type StageOutput } from '../stage/index.js';
import type { Bus } from '../transport/index.js';
import { LrCommandInbox } from './lr-command-inbox.js';
import type { LrBounds } from './lr-command-queue.js';
import { intakeStats, type CommandRecord, type LrIntakeStats } from './lr-command-record.js';
import { LrCommandScreen } from './lr-command-screen.js';
import type { LrCommandSource } from './trainer.js';

export type {
  ArrivalCounts,
  BoundaryCounts,
  CommandOutcome,
  CommandRecord,
  LrIntakeStats,
} from './lr-command-record.js';

export interface LrIntakeOptions {
  bus: Bus;
  topics: TopicNames;
  runId: string;
  bounds: LrBounds;
  /**
   * The controller's HMAC keys: a keyring (`LYAP_CONTROL_KEYS`, with the legacy key beside) or
   * the single legacy key (`LYAP_CONTROL_KEY`). With keys, only commands signed with one of
   * them are applied; unsigned, forged and unknown-key ones are rejected and counted.
   */
  signingKey?: string | CommandKeyring | undefined;
  /**
   * Without a key, commands are applied only when this is true (`--accept-unsigned-commands`,
   * with a warning), and ignored, with a notice, otherwise.
   */
  acceptUnsigned: boolean;
  /** Steps without a new command, after one was applied, before saying the rate is held. */
  silenceSteps?: number;
  groupId?: string;
  log?: (message: string) => void;
  /** Told what became of each command for this run, when it did (the latency bench counts them by seq). */
  onCommand?: (record: CommandRecord) => void;
  /** Stamps `CommandRecord.atMs` (default Date.now, the clock events carry). */
  clock?: () => number;
}

/**
 * A learning-rate command intake as a training session holds it: the trainer's command source,
 * plus its consumer's life. `LrIntake` reads the control topic on the trainer's thread;
 * `ThreadedLrIntake` (threaded-lr-intake.ts) in a worker thread of its own.
 */
export interface LrCommandIntake extends LrCommandSource {
  /** Settles once the control consumer has joined: commands published from then on reach it. */
  readonly joined: Promise<void>;
  readonly stats: LrIntakeStats;
  /**
   * Settles when the control topic ends (sealed and read, or the bus closed) or on `close`;
   * rejects with what stopped the consumer (a refusal of the brokers', say).
   */
  readonly done: Promise<void>;
  /** waitForCommand, required: the warm-up needs it. */
  waitForCommand(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Stops reading; resolves once everything the intake holds is let go of. */
  close(): Promise<void>;
}

/**
 * The control topic's stage for the intake of `runId`: group `lyap-trainer-<runId>` (unless
 * `groupId`), `lr-command` events to `receive`, undecodable payloads dead-lettered. The
 * deliveries are acknowledged at once; the queue itself drops stale and duplicate seq.
 */
export function startCommandStage(options: {
  bus: Bus;
  topics: TopicNames;
  runId: string;
  groupId?: string | undefined;
  onJoined: () => void;
  receive: (command: LrCommandEvent) => void;
  /** Told of each batch of dead letters once it is published. */
  published?: (outputs: readonly StageOutput[]) => void;
}): StageHandle {
  return startStage({
    bus: options.bus,
    inputs: [options.topics.control],
    groupId: options.groupId ?? `lyap-trainer-${options.runId}`,
    onJoined: options.onJoined,
    deadLetterTopic: options.topics.dlq,
    accepts: ['lr-command'],
    handle: (command) => {
      options.receive(command);
      return undefined;
    },
    ...(options.published === undefined ? {} : { published: options.published }),
  });
}

/**
 * Learning-rate commands for one run from the control topic, on the trainer's own thread:
 * decoded, filtered to the run and verified (`LrCommandScreen`), and queued for the trainer's
 * next step boundary (`LrCommandInbox`, `take`). What `lyap train` uses over the in-process
 * `MemoryBus`, which another thread cannot read; over Kafka it reads in a worker thread
 * (`ThreadedLrIntake`), with the same two classes.
 */
export class LrIntake implements LrCommandIntake {
  readonly joined: Promise<void>;
  readonly stats: LrIntakeStats;
  private readonly inbox: LrCommandInbox;
  private readonly stage: StageHandle;

  constructor(options: LrIntakeOptions) {
    const log = options.log ?? (() => undefined);
    const clock = options.clock ?? Date.now;
    const { onCommand } = options;
    this.inbox = new LrCommandInbox({
      runId: options.runId,
      bounds: options.bounds,
      silenceSteps: options.silenceSteps,
      log,
      onCommand,
      clock,
    });
    const screen = new LrCommandScreen({
      runId: options.runId,
      signingKey: options.signingKey,
      acceptUnsigned: options.acceptUnsigned,
      log,
      refuse: (seq, outcome) => {
        onCommand?.({ seq, outcome, atMs: clock() });
      },
    });
    let joined!: () => void;
    this.joined = new Promise<void>((resolve) => (joined = resolve));
    const stage = startCommandStage({
      bus: options.bus,
      topics: options.topics,
      runId: options.runId,
      groupId: options.groupId,
      onJoined: () => {
        joined();
      },
      receive: (command) => {
        if (screen.admit(command)) this.inbox.offer(command, clock());
      },
    });
    this.stage = stage;
    this.stats = intakeStats(
      () => screen.counts,
      this.inbox.counts,
      () => stage.stats.invalid,
    );
  }

  take(step: number): { lr: number; seq: number } | undefined {
    return this.inbox.take(step);
  }

  /**
   * True as soon as a command `take` would apply is queued (verified, for this run, not
   * advisory, not stale); at once if one is waiting. False after `timeoutMs`, when `signal`
   * aborts, or on `close`.
   */
  waitForCommand(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.inbox.waitForCommand(timeoutMs, signal);
  }

  get done(): Promise<void> {
    return this.stage.done;
  }

  /** Stops reading at once (resolved: nothing else to let go of on this thread). */
  close(): Promise<void> {
    this.stage.stop();
    this.inbox.close();
    return Promise.resolve();
  }
}
