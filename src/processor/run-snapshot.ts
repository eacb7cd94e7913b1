import {
  DeadLetterEvent,
  decodeEvent,
  encodeEvent,
  type GradientEvent,
  type RunConfig,
  type TrajectoryEvent,
} from '../events/index.js';
import type { RunEstimatorState } from './run-estimator.js';
import type { EventSource, JoinedStep, StepJoinState } from './step-join.js';

/** A `RunState`'s whole state: what the processor snapshots to rebuild a run elsewhere. */
export interface RunStateData {
  runId: string;
  config?: RunConfig;
  started: boolean;
  lastSeenMs: number;
  endSeenMs?: number;
  lastStep?: number;
  divergenceReported: boolean;
  join: StepJoinState;
  estimator: RunEstimatorState;
}

/**
 * The processor's state snapshots: one JSON record per run on the compacted state topic
 * (key = run id). `live` carries the run's whole `RunState`; `closed` says the run was
 * finalised (and whether it ended, so that late events for it count as after-end).
 * Pending join halves travel as v1 event text (the codec keeps NaN and ±Infinity); other
 * non-finite numbers are tagged `{"$n":"NaN"}`. The format is versioned (`format: 1`).
 */
export type RunSnapshot =
  { kind: 'live'; data: RunStateData } | { kind: 'closed'; runId: string; ended: boolean };

const FORMAT = 1;

interface WireRecord {
  step: number;
  arrivedMs: number;
  gradient?: string;
  /** Where the gradient was read (absent in snapshots written before 2026-12-07). */
  gradientSource?: EventSource;
  trajectory?: string;
}

export function encodeRunSnapshot(snapshot: RunSnapshot): string {
  if (snapshot.kind === 'closed') {
    return JSON.stringify({ format: FORMAT, runId: snapshot.runId, closed: true, ended: snapshot.ended });
  }
  const { data } = snapshot;
  const pending: WireRecord[] = data.join.pending.map((r) => {
    const wire: WireRecord = { step: r.step, arrivedMs: r.arrivedMs };
    if (r.gradient !== undefined) wire.gradient = encodeEvent(r.gradient);
    if (r.gradientSource !== undefined) wire.gradientSource = r.gradientSource;
    if (r.trajectory !== undefined) wire.trajectory = encodeEvent(r.trajectory);
    return wire;
  });
  return JSON.stringify(
    { format: FORMAT, ...data, join: { ...data.join, pending } },
    (_key, value: unknown) =>
      typeof value === 'number' && !Number.isFinite(value) ? { $n: String(value) } : value,
  );
}

/** The snapshot in `text`, or an error message saying why it cannot be used. */
export function decodeRunSnapshot(
  text: string,
): { ok: true; snapshot: RunSnapshot } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && '$n' in value && Object.keys(value).length === 1
        ? Number(value.$n)
        : value,
    );
  } catch (error) {
    return {
      ok: false,
      error: `state snapshot is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (parsed === null || typeof parsed !== 'object')
    return { ok: false, error: 'state snapshot is not an object' };
  const record = parsed as Record<string, unknown>;
  if (record['format'] !== FORMAT) {
    return { ok: false, error: `state snapshot format ${String(record['format'])} is not ${FORMAT}` };
  }
  const runId = record['runId'];
  if (typeof runId !== 'string' || runId.length === 0)
    return { ok: false, error: 'state snapshot has no runId' };
  if (record['closed'] === true)
    return { ok: true, snapshot: { kind: 'closed', runId, ended: record['ended'] === true } };
  try {
    const data = record as unknown as RunStateData;
    const join = data.join as unknown as { pending: WireRecord[] } & Omit<RunStateData['join'], 'pending'>;
    const pending: JoinedStep[] = join.pending.map((w) => {
      const r: JoinedStep = { step: w.step, arrivedMs: w.arrivedMs };
      if (w.gradient !== undefined) r.gradient = half(w.gradient, 'gradient') as GradientEvent;
      const source = eventSource(w.gradientSource);
      if (source !== undefined) r.gradientSource = source;
      if (w.trajectory !== undefined) r.trajectory = half(w.trajectory, 'trajectory') as TrajectoryEvent;
      return r;
    });
    if (!Array.isArray(data.estimator.exponents) || !Array.isArray(data.join.releasedGradients)) {
      throw new Error('estimator or join state missing');
    }
    return { ok: true, snapshot: { kind: 'live', data: { ...data, join: { ...join, pending } } } };
  } catch (error) {
    return {
      ok: false,
      error: `state snapshot of ${runId} is malformed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function half(text: string, type: 'gradient' | 'trajectory'): GradientEvent | TrajectoryEvent {
  const decoded = decodeEvent(text);
  if (!decoded.ok || decoded.event.type !== type) throw new Error(`a pending ${type} does not decode`);
  return decoded.event;
}

/**
 * Where a restored pending gradient was read, checked by the dead letter's own fields (its
 * `sourceTopic`, `partition` and `offset`): a step whose estimate fails is dead-lettered with them,
 * and `makeDeadLetter` throws on what they refuse.
 */
const GradientSource = DeadLetterEvent.pick({ sourceTopic: true, partition: true, offset: true }).required();

/** A pending gradient's source as written by `encodeRunSnapshot`, or undefined if it is not one. */
function eventSource(value: unknown): EventSource | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { topic, partition, offset } = value as Record<string, unknown>;
  const parsed = GradientSource.safeParse({ sourceTopic: topic, partition, offset });
  return parsed.success
    ? { topic: parsed.data.sourceTopic, partition: parsed.data.partition, offset: parsed.data.offset }
    : undefined;
}
