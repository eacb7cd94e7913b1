/** What the soak does to the pipeline. */
export const FAULT_KINDS = [
  'garbage-burst',
  'forged-commands',
  'processor-kill',
  'broker-kill',
  'controller-restart',
  'rotation-trainers',
  'rotation-controller',
  'rotation-retire',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault, and when (ms after the start). */
export interface ScheduledFault {
  readonly atMs: number;
  readonly kind: FaultKind;
  /** Which one: the processor (0, 1), the broker node (1–3), SIGTERM or SIGKILL for the controller. */
  readonly target?: number | 'SIGTERM' | 'SIGKILL';
}

export interface ScheduleOptions {
  readonly minutes: number;
}

/**
 * The faults of a soak of `minutes`: garbage and forged commands every 40 s, a processor
 * SIGKILL every 75 s (alternating), a broker node SIGKILL every 110 s (1, 2, 3 in turn), a
 * controller restart every 130 s (SIGTERM and SIGKILL in turn), and one key rotation at 40 %
 * (trainers, then 15 s later the controller, then 60 s later the old key retired). Runs of
 * two minutes or less compress the intervals so that every kind happens at least once.
 */
export function soakSchedule({ minutes }: ScheduleOptions): ScheduledFault[] {
  const totalMs = minutes * 60_000;
  const short = minutes <= 2;
  const every = (
    kind: FaultKind,
    firstMs: number,
    intervalMs: number,
    target?: (i: number) => ScheduledFault['target'],
  ): ScheduledFault[] => {
    const out: ScheduledFault[] = [];
    for (let at = firstMs, i = 0; at < totalMs - 10_000; at += intervalMs, i++) {
      const t = target?.(i);
      out.push({ atMs: at, kind, ...(t === undefined ? {} : { target: t }) });
    }
    return out;
  };
  const rotationAt = Math.round(totalMs * 0.4);
  const faults = [
    ...every('garbage-burst', short ? 12_000 : 20_000, short ? 45_000 : 40_000),
    ...every('forged-commands', short ? 15_000 : 25_000, short ? 45_000 : 40_000),
    ...every('processor-kill', short ? 25_000 : 45_000, short ? 60_000 : 75_000, (i) => i % 2),
    ...every('broker-kill', short ? 35_000 : 60_000, 110_000, (i) => (i % 3) + 1),
    ...every('controller-restart', short ? 70_000 : 90_000, 130_000, (i) =>
      i % 2 === 0 ? 'SIGTERM' : 'SIGKILL',
    ),
    { atMs: rotationAt, kind: 'rotation-trainers' as const },
    { atMs: rotationAt + 15_000, kind: 'rotation-controller' as const },
    { atMs: rotationAt + (short ? 35_000 : 75_000), kind: 'rotation-retire' as const },
  ];
  return faults.sort((a, b) => a.atMs - b.atMs);
}
