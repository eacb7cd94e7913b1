import type { Subscription } from 'rxjs';
import { decodeEvent, verifyCommandSignature, type TopicNames } from '../events/index.js';
import type { Bus } from '../transport/index.js';
import { LrCommandQueue, type LrBounds } from './lr-command-queue.js';
import type { LrCommandSource } from './trainer.js';

export interface LrIntakeOptions {
  bus: Bus;
  topics: TopicNames;
  runId: string;
  bounds: LrBounds;
  /**
   * The controller's shared HMAC key (`LYAP_CONTROL_KEY`): with it, only commands signed with
   * it are applied; unsigned and forged ones are rejected and counted.
   */
  signingKey?: string | undefined;
  /**
   * Without a key, commands are applied only when this is true (`--accept-unsigned-commands`,
   * with a warning), and ignored, with a notice, otherwise.
   */
  acceptUnsigned: boolean;
  /** Steps without a new command, after one was applied, before saying the rate is held. */
  silenceSteps?: number;
  groupId?: string;
  log?: (message: string) => void;
}

export interface LrIntakeStats {
  received: number;
  applied: number;
  ignoredOtherRun: number;
  ignoredStaleOrDuplicate: number;
  ignoredUnverified: number;
  rejectedUnsigned: number;
  rejectedForged: number;
  advisory: number;
  clamped: number;
  undecodable: number;
}

/**
 * Learning-rate commands for one run from the control topic: decoded, filtered to the run,
 * and queued for the trainer's next step boundary (`take`). Deliveries are acknowledged at
 * once; the queue itself drops stale and duplicate seq.
 */
export class LrIntake implements LrCommandSource {
  /** Settles once the control consumer has joined: commands published from then on reach it. */
  readonly joined: Promise<void>;
  readonly stats: LrIntakeStats = {
    received: 0,
    applied: 0,
    ignoredOtherRun: 0,
    ignoredStaleOrDuplicate: 0,
    ignoredUnverified: 0,
    rejectedUnsigned: 0,
    rejectedForged: 0,
    advisory: 0,
    clamped: 0,
    undecodable: 0,
  };
  private readonly queue: LrCommandQueue;
  private readonly subscription: Subscription;
  private readonly log: (message: string) => void;
  private lastAppliedStep: number | undefined;
  private silenceReported = false;

  constructor(private readonly options: LrIntakeOptions) {
    this.queue = new LrCommandQueue(options.runId, options.bounds);
    this.log = options.log ?? (() => undefined);
    if (options.signingKey === undefined && options.acceptUnsigned) {
      this.log(
        'accepting unsigned lr-commands (no LYAP_CONTROL_KEY): anyone who can write the control topic sets the rate',
      );
    }
    let joined!: () => void;
    this.joined = new Promise<void>((resolve) => (joined = resolve));
    this.subscription = options.bus
      .consume([options.topics.control], {
        groupId: options.groupId ?? `lyap-trainer-${options.runId}`,
        onJoined: () => {
          joined();
        },
      })
      .subscribe((delivery) => {
        for (const message of delivery.messages) this.receive(message.value);
        delivery.ack();
      });
  }

  take(step: number): { lr: number; seq: number } | undefined {
    const applied = this.queue.take();
    if (applied === undefined) {
      this.noticeSilence(step);
      return undefined;
    }
    this.stats.applied += applied.applied;
    this.lastAppliedStep = step;
    this.silenceReported = false;
    if (applied.lr !== applied.requestedLr) {
      this.stats.clamped++;
      this.log(`lr-command seq ${applied.seq} asked for lr ${applied.requestedLr}; clamped to ${applied.lr}`);
    }
    return { lr: applied.lr, seq: applied.seq };
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  private receive(value: string | Uint8Array): void {
    const decoded = decodeEvent(value);
    if (!decoded.ok) {
      this.stats.undecodable++;
      return;
    }
    const command = decoded.event;
    if (command.type !== 'lr-command') return;
    if (command.runId !== this.options.runId) {
      this.stats.ignoredOtherRun++;
      return;
    }
    this.stats.received++;
    const key = this.options.signingKey;
    if (key !== undefined) {
      if (command.sig === undefined) {
        this.stats.rejectedUnsigned++;
        this.log(`rejected lr-command seq ${command.seq}: unsigned, and a signing key is set`);
        return;
      }
      if (!verifyCommandSignature(command, key)) {
        this.stats.rejectedForged++;
        this.log(`rejected lr-command seq ${command.seq}: its signature does not match`);
        return;
      }
    } else if (!this.options.acceptUnsigned) {
      if (this.stats.ignoredUnverified++ === 0) {
        this.log(
          'ignoring lr-commands: no LYAP_CONTROL_KEY to verify them; set it, or pass --accept-unsigned-commands',
        );
      }
      return;
    }
    if (command.advisory === true) {
      this.stats.advisory++;
      this.log(
        `advisory lr-command seq ${command.seq}: the controller advises lr ${command.lr} (not applied)`,
      );
      return;
    }
    if (this.queue.offer(command) !== 'queued') this.stats.ignoredStaleOrDuplicate++;
  }

  private noticeSilence(step: number): void {
    const silence = this.options.silenceSteps ?? 1000;
    if (this.lastAppliedStep === undefined || this.silenceReported || step - this.lastAppliedStep < silence)
      return;
    this.silenceReported = true;
    this.log(`no lr-command for ${step - this.lastAppliedStep} steps: keeping the last learning rate`);
  }
}
