import {
  canonicalJson,
  decodeEvent,
  verifyCommand,
  type CommandKeyring,
  type EstimateEvent,
  type LrCommandEvent,
} from '../../src/events/index.js';
import { orderForReplay, type RecordedLine } from '../../src/recording/index.js';
import { replay } from '../../src/replay/replay.js';

/** What the soak saw of one run on the topics. */
export interface RunSeen {
  /** Its run, gradient and trajectory records, as `lyap record` keeps them. */
  readonly lines: RecordedLine[];
  /** Every estimate copy by step (duplicates of redone batches included). */
  readonly estimates: Map<number, EstimateEvent[]>;
  /** Every command by seq. */
  readonly commands: Map<number, LrCommandEvent[]>;
  endedAtMs?: number;
}

export interface RunCheck {
  readonly runId: string;
  /** Steps the replay of the recorded events estimates. */
  readonly replayed: number;
  /** Live estimates, all copies. */
  readonly liveCopies: number;
  readonly missing: readonly number[];
  readonly extra: readonly number[];
  /** Steps with a live copy whose numbers differ from the replay's. */
  readonly mismatched: readonly number[];
  /** Commands the run applied (distinct `cmdSeq` values in its gradients). */
  readonly applied: number;
  /** Applied seqs with no command on the topic that verifies under the keys. */
  readonly appliedUnverified: readonly number[];
  /** Steps where `cmdSeq` went back: a command applied again after a newer one. */
  readonly reapplied: readonly number[];
  /** Steps up to the run end's `lastStep` with no gradient event on the topic (lost on the way). */
  readonly gradientsMissing: readonly number[];
  /** For the first mismatched step: the fields whose live values differ from the replay's. */
  readonly firstMismatch?: string;
}

async function* chunks(lines: readonly string[]): AsyncGenerator<readonly string[]> {
  await Promise.resolve();
  for (let i = 0; i < lines.length; i += 512) yield lines.slice(i, i + 512);
}

/** Equal in every field but `ts` (live processors stamp wall time, replay event time), whatever the key order. */
const same = (a: EstimateEvent, b: EstimateEvent): boolean =>
  canonicalJson({ ...a, ts: 0 }) === canonicalJson({ ...b, ts: 0 });

/**
 * One run against the soak's invariants: its recorded events, ordered as `lyap record` orders
 * them, through `lyap replay`'s code; every replayed step must have a live estimate and every
 * live copy must equal the replay's (all but `ts`), with no estimate for a step the replay has
 * none for. Every `cmdSeq` its gradients carry must be a command that verifies under `keys`
 * (the keys of the whole soak, old and new), and `cmdSeq` never goes back.
 */
export async function checkRun(runId: string, seen: RunSeen, keys: CommandKeyring): Promise<RunCheck> {
  const ordered = orderForReplay(seen.lines).map((l) => l.text);
  const expected = new Map<number, EstimateEvent>();
  await replay({
    lines: chunks(ordered),
    sourceName: `soak-${runId}`,
    onEstimate: (_json, event) => {
      expected.set(event.step, event);
    },
    onDeadLetter: () => undefined,
  });
  const missing: number[] = [];
  const mismatched: number[] = [];
  let firstMismatch: string | undefined;
  for (const [step, e] of [...expected].sort(([a], [b]) => a - b)) {
    const copies = seen.estimates.get(step);
    if (copies === undefined) missing.push(step);
    else {
      const differing = copies.find((c) => !same(c, e));
      if (differing === undefined) continue;
      mismatched.push(step);
      firstMismatch ??= `step ${step}: ${differingFields(differing, e).join(', ')} (${copies.length} live copies)`;
    }
  }
  const extra = [...seen.estimates.keys()].filter((s) => !expected.has(s));
  let liveCopies = 0;
  for (const copies of seen.estimates.values()) liveCopies += copies.length;

  const appliedSeqs = new Set<number>();
  const reapplied: number[] = [];
  const gradientSteps = new Set<number>();
  let lastStep: number | undefined;
  let last = -1;
  for (const text of ordered) {
    const decoded = decodeEvent(text);
    if (decoded.ok && decoded.event.type === 'run' && decoded.event.phase === 'end')
      lastStep = decoded.event.lastStep;
    if (!decoded.ok || decoded.event.type !== 'gradient') continue;
    gradientSteps.add(decoded.event.step);
    const seq = decoded.event.cmdSeq;
    if (seq === undefined) continue;
    if (seq < last) reapplied.push(decoded.event.step);
    last = Math.max(last, seq);
    appliedSeqs.add(seq);
  }
  const appliedUnverified = [...appliedSeqs].filter(
    (seq) => !(seen.commands.get(seq) ?? []).some((c) => verifyCommand(c, keys) === 'valid'),
  );
  return {
    runId,
    replayed: expected.size,
    liveCopies,
    missing: missing.sort((a, b) => a - b),
    extra: extra.sort((a, b) => a - b),
    mismatched: mismatched.sort((a, b) => a - b),
    applied: appliedSeqs.size,
    appliedUnverified,
    reapplied,
    gradientsMissing: Array.from({ length: (lastStep ?? -1) + 1 }, (_, i) => i).filter(
      (i) => !gradientSteps.has(i),
    ),
    ...(firstMismatch === undefined ? {} : { firstMismatch }),
  };
}

/** The top-level fields whose values differ (nested ones compared whole). */
function differingFields(live: EstimateEvent, replayed: EstimateEvent): string[] {
  const keys = new Set([...Object.keys(live), ...Object.keys(replayed)]);
  return [...keys]
    .filter((k) => k !== 'ts')
    .filter(
      (k) =>
        canonicalJson((live as Record<string, unknown>)[k]) !==
        canonicalJson((replayed as Record<string, unknown>)[k]),
    )
    .map(
      (k) =>
        `${k} live ${canonicalJson((live as Record<string, unknown>)[k]).slice(0, 80)} replay ${canonicalJson((replayed as Record<string, unknown>)[k]).slice(0, 80)}`,
    );
}

/** The invariants a run check breaks, in words (empty: none). */
export function runViolations(check: RunCheck): string[] {
  const out: string[] = [];
  const list = (steps: readonly number[]): string =>
    `${steps.slice(0, 8).join(', ')}${steps.length > 8 ? ` … (${steps.length})` : ''}`;
  if (check.replayed === 0) out.push(`${check.runId}: the replay estimates nothing`);
  if (check.missing.length > 0) out.push(`${check.runId}: no live estimate for steps ${list(check.missing)}`);
  if (check.extra.length > 0)
    out.push(`${check.runId}: live estimates for steps the replay has none for: ${list(check.extra)}`);
  if (check.mismatched.length > 0) {
    out.push(
      `${check.runId}: live estimates differ from the replay at steps ${list(check.mismatched)}; first: ${check.firstMismatch ?? '?'}`,
    );
  }
  if (check.gradientsMissing.length > 0) {
    out.push(
      `${check.runId}: gradient events never reached the topic for steps ${list(check.gradientsMissing)}`,
    );
  }
  if (check.appliedUnverified.length > 0) {
    out.push(
      `${check.runId}: applied commands that no valid signature covers: seq ${list(check.appliedUnverified)}`,
    );
  }
  if (check.reapplied.length > 0)
    out.push(`${check.runId}: cmdSeq went back at steps ${list(check.reapplied)}`);
  return out;
}
