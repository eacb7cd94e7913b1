import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, type EstimateEvent, type LyapEvent } from '../../../src/events/index.js';
import {
  ProcessorEngine,
  decodeRunSnapshot,
  resolveProcessorConfig,
  type SnapshotRecord,
} from '../../../src/processor/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import type { BusMessage } from '../../../src/transport/index.js';
import { gradient, probeK2, runEvent, trajectory } from '../../helpers/events.js';

const config = resolveProcessorConfig({ windowProbes: 8, latenessSteps: 2 });
const TOPIC = { run: 'lyap.runs', gradient: 'lyap.gradients', trajectory: 'lyap.trajectory' } as const;

function messages(events: readonly LyapEvent[]): BusMessage[] {
  return events.map((e, i) => ({
    topic: TOPIC[e.type as keyof typeof TOPIC],
    partition: 0,
    offset: String(i),
    key: e.runId,
    value: encodeEvent(e),
    timestampMs: 0,
  }));
}

const estimatesOf = (e: ProcessorEngine): EstimateEvent[] =>
  e
    .drain()
    .map((o) => o.event)
    .filter((x): x is EstimateEvent => x.type === 'estimate');

/** Two runs, interleaved; one with NaN losses late on (diverging), one with a negative direction. */
function input(): BusMessage[] {
  const a = [...simulateQuadraticRun({ runId: 'a', spectrum: [3, 1, -0.5], lr: 0.3, steps: 60 })];
  const b = [...simulateQuadraticRun({ runId: 'b', spectrum: [4, 2], lr: 0.7, steps: 60 })];
  const mixed: LyapEvent[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== undefined) mixed.push(a[i] as LyapEvent);
    if (b[i] !== undefined) mixed.push(b[i] as LyapEvent);
  }
  return messages(mixed);
}

describe('processor > state snapshots', () => {
  it('a second engine restored from the snapshots continues exactly as the first would have', () => {
    const all = input();
    const whole = new ProcessorEngine(config);
    for (const m of all) whole.ingest(m);
    whole.flush(whole.watermarkMs);
    const expected = estimatesOf(whole);

    for (const cut of [1, 37, 101, all.length - 3]) {
      const first = new ProcessorEngine(config);
      first.enableSnapshots();
      const snapshots: SnapshotRecord[] = [];
      for (const [i, m] of all.slice(0, cut).entries()) {
        first.ingest(m);
        // Snapshots drained after each "batch" of 7 messages, as the pipeline does per delivery.
        if (i % 7 === 6) snapshots.push(...first.drainSnapshots());
      }
      snapshots.push(...first.drainSnapshots());
      const before = estimatesOf(first);

      const second = new ProcessorEngine(config);
      second.enableSnapshots();
      second.resetFromSnapshots(snapshots.map((s) => s.value));
      for (const m of all.slice(cut)) second.ingest(m);
      second.flush(second.watermarkMs);
      const after = estimatesOf(second);
      // Event time: the restored engine's clock starts at the first event it sees, so compare all but ts.
      const strip = (e: EstimateEvent): unknown => ({ ...e, ts: 0 });
      assert.deepEqual([...before, ...after].map(strip), expected.map(strip), `cut at message ${cut}`);
      assert.ok(second.stats.runsRestored > 0 || cut === 1, `cut ${cut}: runs were restored`);
    }
  });

  it('re-reading events the snapshot already holds drops them as duplicates, not as late', () => {
    const all = input();
    const first = new ProcessorEngine(config);
    first.enableSnapshots();
    for (const m of all.slice(0, 50)) first.ingest(m);
    const snapshots = first.drainSnapshots();
    const second = new ProcessorEngine(config);
    second.resetFromSnapshots(snapshots.map((s) => s.value));
    // A crash after the snapshot but before the commit: the last 10 messages come again.
    for (const m of all.slice(40, 60)) second.ingest(m);
    const out = second.drain();
    assert.equal(out.filter((o) => o.event.type === 'dead-letter').length, 0);
    assert.ok(second.stats.duplicates >= 8, `duplicates ${second.stats.duplicates}`);
  });

  it('a closed run leaves a marker; an unusable snapshot is counted and the run starts empty', () => {
    const e = new ProcessorEngine(config);
    e.enableSnapshots();
    for (const m of messages([...simulateQuadraticRun({ runId: 'c', spectrum: [1], lr: 0.1, steps: 3 })]))
      e.ingest(m);
    e.flush(e.watermarkMs);
    const records = e.drainSnapshots();
    const last = decodeRunSnapshot(records.at(-1)?.value ?? '');
    assert.ok(last.ok && last.snapshot.kind === 'closed' && last.snapshot.ended);
    const f = new ProcessorEngine(config);
    f.resetFromSnapshots(['{"format":1,"runId":"x","join":7}', 'nonsense', '']);
    assert.equal(f.stats.snapshotsInvalid, 2);
  });

  it('keeps where a pending gradient was read, so that a restored engine dead-letters it with its offset', () => {
    const e = new ProcessorEngine(resolveProcessorConfig({ latenessSteps: 0 }));
    e.enableSnapshots();
    const read = (event: LyapEvent, offset: number): BusMessage => ({
      topic: TOPIC[event.type as keyof typeof TOPIC],
      partition: 3,
      offset: String(offset),
      key: event.runId,
      value: encodeEvent(event),
      timestampMs: 0,
    });
    e.ingest(read(runEvent('s', 'start'), 0), 0);
    e.ingest(read(gradient('s', 0, { probe: probeK2(true) }), 41), 0);
    const snapshot = e.drainSnapshots().at(-1)?.value ?? '';
    const decoded = decodeRunSnapshot(snapshot);
    assert.ok(decoded.ok && decoded.snapshot.kind === 'live');
    assert.deepEqual(decoded.snapshot.data.join.pending[0]?.gradientSource, {
      topic: 'lyap.gradients',
      partition: 3,
      offset: '41',
    });
    const f = new ProcessorEngine(resolveProcessorConfig({ latenessSteps: 0 }));
    f.resetFromSnapshots([snapshot]);
    f.ingest(read(trajectory('s', 0), 7), 0);
    const dead = f.drain().map((o) => o.event);
    assert.ok(
      dead[0]?.type === 'dead-letter' && dead[0].error.startsWith('estimate-failed'),
      JSON.stringify(dead),
    );
    assert.deepEqual([dead[0].sourceTopic, dead[0].partition, dead[0].offset], ['lyap.gradients', 3, '41']);
    const bad = JSON.parse(snapshot) as { join: { pending: { gradientSource?: unknown }[] } };
    for (const source of [
      { topic: 'lyap.gradients', partition: 3, offset: 'x' },
      { topic: 'lyap.gradients', partition: -1, offset: '41' },
      { topic: '', partition: 3, offset: '41' },
      'lyap.gradients:3:41',
    ]) {
      const record = bad.join.pending[0];
      if (record !== undefined) record.gradientSource = source;
      const again = decodeRunSnapshot(JSON.stringify(bad));
      assert.ok(again.ok && again.snapshot.kind === 'live');
      assert.equal(
        again.snapshot.data.join.pending[0]?.gradientSource,
        undefined,
        'a malformed source is left out',
      );
    }
  });

  it('keeps NaN and Infinity in pending halves and windows through the JSON', () => {
    const e = new ProcessorEngine(config);
    e.enableSnapshots();
    const events = [...simulateQuadraticRun({ runId: 'd', spectrum: [4], lr: 2.5, steps: 400 })];
    for (const m of messages(events.slice(0, -6))) e.ingest(m);
    const snapshots = e.drainSnapshots();
    const decoded = decodeRunSnapshot(snapshots.at(-1)?.value ?? '');
    assert.ok(decoded.ok && decoded.snapshot.kind === 'live');
    const pending = decoded.snapshot.data.join.pending;
    assert.ok(
      pending.some((r) => r.gradient !== undefined && !Number.isFinite(r.gradient.loss)),
      'a non-finite loss survives',
    );
  });
});
