import {
  isKnownLrCommandReason,
  verifyCommand,
  type CommandKeyring,
  type LrCommandEvent,
  type TopicNames,
} from '../events/index.js';
import { startStage, type StageHandle } from '../stage/index.js';
import type { Bus } from '../transport/index.js';
import { LrCommandQueue, type LrBounds } from './lr-command-queue.js';
import type { LrCommandSource } from './trainer.js';

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
 * What became of a command for this run: `queued` on arrival, then `applied` (its rate is in
 * force from `step`) or `superseded` (a newer one was taken at the same boundary); or refused
 * on arrival: `stale-or-duplicate`, `advisory`, `unverified` (no key and unsigned commands not
 * accepted), `unsigned`, `forged`, `unknown-key`.
 */
export type CommandOutcome =
  | 'queued'
  | 'applied'
  | 'superseded'
  | 'stale-or-duplicate'
  | 'advisory'
  | 'unverified'
  | 'unsigned'
  | 'forged'
  | 'unknown-key';

export interface CommandRecord {
  readonly seq: number;
  readonly outcome: CommandOutcome;
  readonly atMs: number;
  /** `applied` and `superseded`: the step at whose boundary the command was taken. */
  readonly step?: number;
}

export interface LrIntakeStats {
  received: number;
  applied: number;
  ignoredOtherRun: number;
  ignoredStaleOrDuplicate: number;
  ignoredUnverified: number;
  rejectedUnsigned: number;
  rejectedForged: number;
  /** Signed with a key id this trainer does not hold (or without one, and no legacy key is set). */
  rejectedUnknownKey: number;
  advisory: number;
  clamped: number;
  /** Payloads on the control topic that did not decode; each is dead-lettered. */
  readonly undecodable: number;
}

/**
 * Learning-rate commands for one run from the control topic: decoded, filtered to the run,
 * and queued for the trainer's next step boundary (`take`). Deliveries are acknowledged at
 * once; the queue itself drops stale and duplicate seq.
 */
export class LrIntake implements LrCommandSource {
  /** Settles once the control consumer has joined: commands published from then on reach it. */
  readonly joined: Promise<void>;
  readonly stats: LrIntakeStats;
  private readonly queue: LrCommandQueue;
  private readonly stage: StageHandle;
  private readonly log: (message: string) => void;
  private lastAppliedStep: number | undefined;
  private silenceReported = false;
  /** Settles the pending `waitForCommand` calls: true when a command is queued, false on close. */
  private readonly waiters = new Set<(arrived: boolean) => void>();
  private closed = false;
  /** Reasons a newer controller sent that this trainer does not know, each logged once. */
  private readonly unknownReasons = new Set<string>();

  constructor(private readonly options: LrIntakeOptions) {
    this.queue = new LrCommandQueue(options.runId, options.bounds);
    this.log = options.log ?? (() => undefined);
    if (options.signingKey === undefined && options.acceptUnsigned) {
      this.log(
        'accepting unsigned lr-commands (no LYAP_CONTROL_KEY): anyone who can write the control topic sets the rate',
      );
    }
    let stage: StageHandle | undefined;
    this.stats = {
      received: 0,
      applied: 0,
      ignoredOtherRun: 0,
      ignoredStaleOrDuplicate: 0,
      ignoredUnverified: 0,
      rejectedUnsigned: 0,
      rejectedForged: 0,
      rejectedUnknownKey: 0,
      advisory: 0,
      clamped: 0,
      get undecodable() {
        return stage?.stats.invalid ?? 0;
      },
    };
    let joined!: () => void;
    this.joined = new Promise<void>((resolve) => (joined = resolve));
    this.stage = stage = startStage({
      bus: options.bus,
      inputs: [options.topics.control],
      groupId: options.groupId ?? `lyap-trainer-${options.runId}`,
      onJoined: () => {
        joined();
      },
      deadLetterTopic: options.topics.dlq,
      accepts: ['lr-command'],
      handle: (command) => {
        this.receive(command);
      },
    });
  }

  take(step: number): { lr: number; seq: number } | undefined {
    const applied = this.queue.take();
    if (applied === undefined) {
      this.noticeSilence(step);
      return undefined;
    }
    this.stats.applied += applied.applied;
    for (const seq of applied.superseded) this.tell(seq, 'superseded', step);
    this.tell(applied.seq, 'applied', step);
    this.lastAppliedStep = step;
    this.silenceReported = false;
    if (applied.lr !== applied.requestedLr) {
      this.stats.clamped++;
      this.log(`lr-command seq ${applied.seq} asked for lr ${applied.requestedLr}; clamped to ${applied.lr}`);
    }
    return { lr: applied.lr, seq: applied.seq };
  }

  /**
   * True as soon as a command `take` would apply is queued (verified, for this run, not
   * advisory, not stale); at once if one is waiting. False after `timeoutMs`, when `signal`
   * aborts, or on `close`.
   */
  waitForCommand(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.queue.waitingCount > 0) return Promise.resolve(true);
    if (this.closed || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (arrived: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(settle);
        resolve(arrived);
      };
      const onAbort = (): void => {
        settle(false);
      };
      const timer = setTimeout(settle, timeoutMs, false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(settle);
    });
  }

  /** Settles when the control topic ends (sealed and read, or the bus closed) or on `close`. */
  get done(): Promise<void> {
    return this.stage.done;
  }

  close(): void {
    this.closed = true;
    this.stage.stop();
    for (const settle of [...this.waiters]) settle(false);
  }

  private tell(seq: number, outcome: CommandOutcome, step?: number): void {
    if (this.options.onCommand === undefined) return;
    const atMs = (this.options.clock ?? Date.now)();
    this.options.onCommand(step === undefined ? { seq, outcome, atMs } : { seq, outcome, atMs, step });
  }

  private receive(command: LrCommandEvent): void {
    if (command.runId !== this.options.runId) {
      this.stats.ignoredOtherRun++;
      return;
    }
    this.stats.received++;
    const keys = this.options.signingKey;
    if (keys !== undefined) {
      const verdict = verifyCommand(command, keys);
      if (verdict === 'unsigned') {
        this.stats.rejectedUnsigned++;
        this.tell(command.seq, 'unsigned');
        this.log(`rejected lr-command seq ${command.seq}: unsigned, and a signing key is set`);
        return;
      }
      if (verdict === 'unknown-key') {
        this.stats.rejectedUnknownKey++;
        this.tell(command.seq, 'unknown-key');
        const held = typeof keys === 'string' ? [] : keys.ids;
        this.log(
          `rejected lr-command seq ${command.seq}: ` +
            (command.keyId === undefined
              ? 'signed without a key id, and no LYAP_CONTROL_KEY is set'
              : `signed with key id ${command.keyId}, which this trainer does not hold (it holds ${held.length === 0 ? 'only LYAP_CONTROL_KEY' : held.join(', ')})`),
        );
        return;
      }
      if (verdict === 'forged') {
        this.stats.rejectedForged++;
        this.tell(command.seq, 'forged');
        this.log(`rejected lr-command seq ${command.seq}: its signature does not match`);
        return;
      }
    } else if (!this.options.acceptUnsigned) {
      this.tell(command.seq, 'unverified');
      if (this.stats.ignoredUnverified++ === 0) {
        this.log(
          'ignoring lr-commands: no LYAP_CONTROL_KEY to verify them; set it, or pass --accept-unsigned-commands',
        );
      }
      return;
    }
    this.noticeUnknownReason(command);
    if (command.advisory === true) {
      this.stats.advisory++;
      this.tell(command.seq, 'advisory');
      this.log(
        `advisory lr-command seq ${command.seq}: the controller advises lr ${command.lr} (not applied)`,
      );
      return;
    }
    if (this.queue.offer(command) !== 'queued') {
      this.stats.ignoredStaleOrDuplicate++;
      this.tell(command.seq, 'stale-or-duplicate');
      return;
    }
    this.tell(command.seq, 'queued');
    for (const settle of [...this.waiters]) settle(true);
  }

  private noticeUnknownReason(command: LrCommandEvent): void {
    if (isKnownLrCommandReason(command.reason) || this.unknownReasons.has(command.reason)) return;
    this.unknownReasons.add(command.reason);
    this.log(
      `lr-command seq ${command.seq} has reason ${command.reason}, which this trainer does not know (a newer controller's rule); taken like any other`,
    );
  }

  private noticeSilence(step: number): void {
    const silence = this.options.silenceSteps ?? 1000;
    if (this.lastAppliedStep === undefined || this.silenceReported || step - this.lastAppliedStep < silence)
      return;
    this.silenceReported = true;
    this.log(`no lr-command for ${step - this.lastAppliedStep} steps: keeping the last learning rate`);
  }
}
