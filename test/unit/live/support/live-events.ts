import assert from 'node:assert/strict';
import {
  encodeEvent,
  topicForType,
  type AlertEvent,
  type EstimateEvent,
  type LrCommandEvent,
  type LyapEvent,
  type TopicNames,
} from '../../../../src/events/index.js';
import type {
  AlertItem,
  CommandItem,
  LiveDelta,
  LiveFeed,
  LiveRunSnapshot,
  LiveSnapshot,
} from '../../../../src/live/index.js';
import type { MemoryBus } from '../../../../src/transport/index.js';
import { T0 } from '../../../helpers/events.js';

export function estimate(runId: string, step: number, extra: Partial<EstimateEvent> = {}): EstimateEvent {
  return {
    v: 1,
    type: 'estimate',
    runId,
    ts: T0 + step,
    step,
    window: 5,
    lr: 0.1,
    lyapunov: [-0.01],
    curvature: [2],
    sharpness: 4,
    stabilityRatio: 0.4,
    regime: 'converging',
    samples: 5,
    ...extra,
  };
}

export function command(runId: string, seq: number, extra: Partial<LrCommandEvent> = {}): LrCommandEvent {
  return {
    v: 1,
    type: 'lr-command',
    runId,
    ts: T0 + seq,
    seq,
    lr: 0.2,
    previousLr: 0.1,
    reason: 'quasi-newton',
    basedOnStep: seq,
    sharpness: 5,
    ...extra,
  };
}

export function alert(runId: string, step: number, extra: Partial<AlertEvent> = {}): AlertEvent {
  return {
    v: 1,
    type: 'alert',
    runId,
    ts: T0 + step,
    step,
    name: 'SharpnessAboveBound',
    severity: 'warning',
    state: 'firing',
    message: 'eta * lambda_max above 2',
    value: 2.2,
    ...extra,
  };
}

/** Publishes each event on its type's topic, in order, keyed by run (a run of one topic in one call). */
export async function publish(
  bus: MemoryBus,
  topics: TopicNames,
  events: readonly LyapEvent[],
): Promise<void> {
  let i = 0;
  while (i < events.length) {
    const topic = topicForType(events[i]!.type, topics);
    const batch: { key: string; value: string }[] = [];
    for (; i < events.length && topicForType(events[i]!.type, topics) === topic; i++) {
      batch.push({ key: events[i]!.runId, value: encodeEvent(events[i]!) });
    }
    await bus.publish(topic, batch);
  }
}

/** Waits until the feed has read `count` messages (no timing assertion: a slow machine only waits longer). */
export async function untilConsumed(feed: LiveFeed, count: number): Promise<void> {
  for (let i = 0; i < 100_000 && feed.stats.consumed < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(feed.stats.consumed, count, 'messages the feed consumed');
}

/** What a client holds: a snapshot with the deltas after it applied, as the page does. */
export class Mirror {
  readonly runs = new Map<string, LiveRunSnapshot>();
  readonly commands = new Map<string, CommandItem>();
  readonly alerts = new Map<string, AlertItem>();
  version: number;

  constructor(snapshot: LiveSnapshot) {
    this.version = snapshot.version;
    for (const run of snapshot.runs) this.runs.set(run.info.runId, structuredClone(run));
    for (const c of snapshot.commands) this.commands.set(c.id, c);
    for (const a of snapshot.alerts) this.alerts.set(a.id, a);
  }

  apply(delta: LiveDelta): void {
    assert.equal(delta.version, this.version + 1, 'deltas follow each other without gaps');
    this.version = delta.version;
    for (const id of delta.removedRuns) {
      this.runs.delete(id);
      for (const map of [this.commands, this.alerts]) {
        for (const [key, item] of map) if (item.runId === id) map.delete(key);
      }
    }
    for (const d of delta.runs) {
      let run = this.runs.get(d.info.runId);
      if (run === undefined) {
        run = { info: d.info, gradients: [], estimates: [] };
        this.runs.set(d.info.runId, run);
      }
      run.info = d.info;
      if (d.gradients !== undefined) {
        run.gradients = d.gradients.reset ? [...d.gradients.rows] : [...run.gradients, ...d.gradients.rows];
      }
      if (d.estimates !== undefined) {
        run.estimates = d.estimates.reset ? [...d.estimates.rows] : [...run.estimates, ...d.estimates.rows];
      }
    }
    for (const c of delta.commands) this.commands.set(c.id, c);
    for (const a of delta.alerts) this.alerts.set(a.id, a);
  }

  /** In the snapshot's shape, to compare with `feed.snapshot()`. */
  toSnapshot(maxPointsPerRun: number): LiveSnapshot {
    return {
      version: this.version,
      maxPointsPerRun,
      runs: [...this.runs.values()],
      commands: [...this.commands.values()].sort((a, b) => a.ts - b.ts || a.seq - b.seq),
      alerts: [...this.alerts.values()].sort((a, b) => a.ts - b.ts),
    };
  }
}
