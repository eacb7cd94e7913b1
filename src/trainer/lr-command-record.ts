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

/** The counts of the rules a command meets on arrival (lr-command-screen.ts). */
export interface ArrivalCounts {
  received: number;
  ignoredOtherRun: number;
  ignoredUnverified: number;
  rejectedUnsigned: number;
  rejectedForged: number;
  /** Signed with a key id this trainer does not hold (or without one, and no legacy key is set). */
  rejectedUnknownKey: number;
  advisory: number;
}

/** The counts of the queue's rules (lr-command-inbox.ts). */
export interface BoundaryCounts {
  applied: number;
  ignoredStaleOrDuplicate: number;
  clamped: number;
}

export interface LrIntakeStats extends Readonly<ArrivalCounts>, Readonly<BoundaryCounts> {
  /** Payloads on the control topic that did not decode; each is dead-lettered. */
  readonly undecodable: number;
}

export const noArrivals = (): ArrivalCounts => ({
  received: 0,
  ignoredOtherRun: 0,
  ignoredUnverified: 0,
  rejectedUnsigned: 0,
  rejectedForged: 0,
  rejectedUnknownKey: 0,
  advisory: 0,
});

/**
 * One live view of an intake's counts, whichever side keeps each part (the arrival counts may
 * be a copy from the intake's thread, replaced as new ones come).
 */
export function intakeStats(
  arrivals: () => Readonly<ArrivalCounts>,
  boundary: Readonly<BoundaryCounts>,
  undecodable: () => number,
): LrIntakeStats {
  return {
    get received() {
      return arrivals().received;
    },
    get applied() {
      return boundary.applied;
    },
    get ignoredOtherRun() {
      return arrivals().ignoredOtherRun;
    },
    get ignoredStaleOrDuplicate() {
      return boundary.ignoredStaleOrDuplicate;
    },
    get ignoredUnverified() {
      return arrivals().ignoredUnverified;
    },
    get rejectedUnsigned() {
      return arrivals().rejectedUnsigned;
    },
    get rejectedForged() {
      return arrivals().rejectedForged;
    },
    get rejectedUnknownKey() {
      return arrivals().rejectedUnknownKey;
    },
    get advisory() {
      return arrivals().advisory;
    },
    get clamped() {
      return boundary.clamped;
    },
    get undecodable() {
      return undecodable();
    },
  };
}
