import {
  isKnownLrCommandReason,
  verifyCommand,
  type CommandKeyring,
  type LrCommandEvent,
} from '../events/index.js';
import { noArrivals, type ArrivalCounts, type CommandOutcome } from './lr-command-record.js';

export interface LrCommandScreenOptions {
  runId: string;
  /** The controller's HMAC keys, or the single legacy key (see `LrIntakeOptions.signingKey`). */
  signingKey?: string | CommandKeyring | undefined;
  /** Without a key, whether unsigned commands pass (`--accept-unsigned-commands`). */
  acceptUnsigned: boolean;
  log: (message: string) => void;
  /** Told of each command of this run refused here, with why. */
  refuse: (seq: number, outcome: CommandOutcome) => void;
}

/**
 * The rules a command of the control topic meets on arrival, before any queue: commands of
 * other runs are ignored; with keys, unsigned, forged and unknown-key ones are rejected;
 * without, every one is ignored unless unsigned commands are accepted; advisory ones are
 * reported, never applied. Each refusal is counted, told and logged. What passes is for the
 * run's queue (`LrCommandInbox`), which alone knows which seq are stale.
 */
export class LrCommandScreen {
  readonly counts: ArrivalCounts = noArrivals();
  /** Reasons a newer controller sent that this trainer does not know, each logged once. */
  private readonly unknownReasons = new Set<string>();

  constructor(private readonly options: LrCommandScreenOptions) {
    if (options.signingKey === undefined && options.acceptUnsigned) {
      options.log(
        'accepting unsigned lr-commands (no LYAP_CONTROL_KEY): anyone who can write the control topic sets the rate',
      );
    }
  }

  /** True when `command` is for the queue. */
  admit(command: LrCommandEvent): boolean {
    const { counts, options } = this;
    if (command.runId !== options.runId) {
      counts.ignoredOtherRun++;
      return false;
    }
    counts.received++;
    const keys = options.signingKey;
    if (keys !== undefined) {
      const verdict = verifyCommand(command, keys);
      if (verdict === 'unsigned') {
        counts.rejectedUnsigned++;
        options.refuse(command.seq, 'unsigned');
        options.log(`rejected lr-command seq ${command.seq}: unsigned, and a signing key is set`);
        return false;
      }
      if (verdict === 'unknown-key') {
        counts.rejectedUnknownKey++;
        options.refuse(command.seq, 'unknown-key');
        const held = typeof keys === 'string' ? [] : keys.ids;
        options.log(
          `rejected lr-command seq ${command.seq}: ` +
            (command.keyId === undefined
              ? 'signed without a key id, and no LYAP_CONTROL_KEY is set'
              : `signed with key id ${command.keyId}, which this trainer does not hold (it holds ${held.length === 0 ? 'only LYAP_CONTROL_KEY' : held.join(', ')})`),
        );
        return false;
      }
      if (verdict === 'forged') {
        counts.rejectedForged++;
        options.refuse(command.seq, 'forged');
        options.log(`rejected lr-command seq ${command.seq}: its signature does not match`);
        return false;
      }
    } else if (!options.acceptUnsigned) {
      options.refuse(command.seq, 'unverified');
      if (counts.ignoredUnverified++ === 0) {
        options.log(
          'ignoring lr-commands: no LYAP_CONTROL_KEY to verify them; set it, or pass --accept-unsigned-commands',
        );
      }
      return false;
    }
    this.noticeUnknownReason(command);
    if (command.advisory === true) {
      counts.advisory++;
      options.refuse(command.seq, 'advisory');
      options.log(
        `advisory lr-command seq ${command.seq}: the controller advises lr ${command.lr} (not applied)`,
      );
      return false;
    }
    return true;
  }

  private noticeUnknownReason(command: LrCommandEvent): void {
    if (isKnownLrCommandReason(command.reason) || this.unknownReasons.has(command.reason)) return;
    this.unknownReasons.add(command.reason);
    this.options.log(
      `lr-command seq ${command.seq} has reason ${command.reason}, which this trainer does not know (a newer controller's rule); taken like any other`,
    );
  }
}
