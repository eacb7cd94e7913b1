import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualTimeScheduler } from 'rxjs';
import { isLyapError } from '../../../src/errors.js';
import { topicNames, type LyapEvent } from '../../../src/events/index.js';
import { LiveFeed, type LiveDelta, type LiveFeedOptions } from '../../../src/live/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { gradient, runEvent, trajectory } from '../../helpers/events.js';
import { alert, command, estimate, Mirror, publish, untilConsumed } from './support/live-events.js';

const topics = topicNames('live-test.');

interface Harness {
  bus: MemoryBus;
  feed: LiveFeed;
  scheduler: VirtualTimeScheduler;
  deltas: LiveDelta[];
  /** Publishes, waits until the feed has read everything so far, then runs the due flush. */
  send(events: readonly LyapEvent[], raw?: readonly string[]): Promise<void>;
  /** Publishes and waits until the feed has read everything so far; no flush. */
  consume(events: readonly LyapEvent[], raw?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

function harness(options: Partial<LiveFeedOptions> = {}): Harness {
  const bus = new MemoryBus();
  const scheduler = new VirtualTimeScheduler();
  const feed = new LiveFeed({ topics, scheduler, ...options });
  const deltas: LiveDelta[] = [];
  feed.subscribe((d) => deltas.push(d));
  feed.start(bus, 'live-test');
  let sent = 0;
  const consume = async (events: readonly LyapEvent[], raw: readonly string[] = []): Promise<void> => {
    await publish(bus, topics, events);
    if (raw.length > 0)
      await bus.publish(
        topics.gradients,
        raw.map((value) => ({ value })),
      );
    sent += events.length + raw.length;
    await untilConsumed(feed, sent);
  };
  return {
    bus,
    feed,
    scheduler,
    deltas,
    consume,
    async send(events, raw = []) {
      await consume(events, raw);
      scheduler.flush();
    },
    async close() {
      feed.stop();
      await bus.close();
    },
  };
}

const steps = (runId: string, from: number, to: number, extra = {}): LyapEvent[] =>
  Array.from({ length: to - from }, (_, i) =>
    gradient(runId, from + i, { loss: 1 / (from + i + 1), ...extra }),
  );

describe('live > LiveFeed', () => {
  it('keeps each run: metadata, loss and lr per step, estimates, commands and alerts', async () => {
    const h = harness();
    try {
      await h.send([
        runEvent('a', 'start'),
        ...steps('a', 0, 5),
        estimate('a', 4, { lyapunov: [0.02, -0.1], curvature: [-0.3, 3], regime: 'chaotic' }),
        command('a', 4, { lr: 0.05, previousLr: 0.1, reason: 'brake' }),
        command('a', 6, { advisory: true }),
        gradient('a', 5, { loss: NaN, lr: 0.05, cmdSeq: 4 }),
        alert('a', 5),
        alert('a', 6, { state: 'resolved', value: Infinity }),
        runEvent('a', 'end', { ts: 99, status: 'diverged' }),
      ]);
      const snap = h.feed.snapshot();
      assert.equal(snap.runs.length, 1);
      const run = snap.runs[0]!;
      assert.deepEqual(run.info, {
        runId: 'a',
        status: 'diverged',
        model: 'test',
        dataset: 'none',
        optimizer: 'sgd',
        backend: 'none',
        initialLr: 0.1,
        batchSize: 1,
        kLyapunov: 1,
        startedTs: 1_700_000_000_000,
        endedTs: 99,
        step: 5,
        loss: null,
        lr: 0.05,
        regime: 'chaotic',
        sharpness: 4,
        stabilityRatio: 0.4,
      });
      assert.deepEqual(run.gradients, [
        [0, 1, 0.1],
        [1, 1 / 2, 0.1],
        [2, 1 / 3, 0.1],
        [3, 1 / 4, 0.1],
        [4, 1 / 5, 0.1],
        [5, null, 0.05],
      ]);
      assert.deepEqual(run.estimates, [
        {
          step: 4,
          lr: 0.1,
          sharpness: 4,
          stabilityRatio: 0.4,
          lyapunov: [0.02, -0.1],
          curvature: [-0.3, 3],
          regime: 'chaotic',
        },
      ]);
      assert.deepEqual(
        snap.commands.map((c) => [c.id, c.reason, c.previousLr, c.lr, c.advisory, c.appliedAtStep]),
        [
          ['a#4', 'brake', 0.1, 0.05, false, 5],
          ['a#6', 'quasi-newton', 0.1, 0.2, true, undefined],
        ],
      );
      assert.deepEqual(
        snap.alerts.map((a) => [a.state, a.step, a.value]),
        [
          ['firing', 5, 2.2],
          ['resolved', 6, null],
        ],
      );
      assert.doesNotThrow(() => JSON.stringify(snap));
    } finally {
      await h.close();
    }
  });

  it('marks a command applied when its gradient report arrives before the command itself', async () => {
    const h = harness();
    try {
      await h.send([gradient('a', 0), gradient('a', 1, { cmdSeq: 0 }), command('a', 0)]);
      assert.equal(h.feed.snapshot().commands[0]?.appliedAtStep, 1);
    } finally {
      await h.close();
    }
  });

  it('ignores invalid messages, other event types and duplicate steps, and acknowledges every delivery', async () => {
    const h = harness();
    try {
      await h.send(
        [...steps('a', 0, 3), gradient('a', 1, { loss: 42 }), estimate('a', 2), estimate('a', 2)],
        ['not json', '{"v":2,"type":"gradient"}', '{"v":1,"type":"gradient","runId":"a"}'],
      );
      // A trajectory event on a topic the feed reads (misrouted) is decoded and ignored too.
      await h.consume([], [JSON.stringify(trajectory('a', 9))]);
      assert.equal(h.bus.backlog(topics.gradients), 0, 'every delivery acknowledged');
      assert.equal(h.feed.stats.ignored, 6);
      const run = h.feed.snapshot().runs[0]!;
      assert.deepEqual(
        run.gradients.map((g) => g[1]),
        [1, 1 / 2, 1 / 3],
        'the duplicate step 1 did not replace the first',
      );
      assert.equal(run.estimates.length, 1);
    } finally {
      await h.close();
    }
  });

  it('decimates each series to at most maxPointsPerRun rows, evenly spaced, the newest kept', async () => {
    const h = harness({ maxPointsPerRun: 10 });
    try {
      await h.send(steps('a', 0, 25));
      let gradients = h.feed.snapshot().runs[0]!.gradients;
      // 25 rows, max 10: stride 4, rows at steps 0, 4, …, 24.
      assert.deepEqual(
        gradients.map((g) => g[0]),
        [0, 4, 8, 12, 16, 20, 24],
      );
      await h.send(steps('a', 25, 1000));
      gradients = h.feed.snapshot().runs[0]!.gradients;
      assert.ok(gradients.length <= 10 && gradients.length >= 5, `${gradients.length} rows`);
      const gaps = new Set(gradients.slice(1).map((g, i) => g[0] - gradients[i]![0]));
      assert.deepEqual([...gaps], [128], 'evenly spaced');
      assert.equal(gradients[0]![0], 0, 'the first step stays');
      assert.equal(h.feed.snapshot().runs[0]!.info.step, 999, 'the info has the newest step, undecimated');
    } finally {
      await h.close();
    }
  });

  it('lets a client rebuild the feed from a snapshot and the deltas after it, across decimation', async () => {
    const h = harness({ maxPointsPerRun: 8 });
    const early: LiveDelta[] = [];
    try {
      await h.send([runEvent('a', 'start'), ...steps('a', 0, 6), estimate('a', 3)]);
      // A snapshot taken with changes pending (published, consumed, not yet flushed).
      await h.consume([...steps('a', 6, 9), command('a', 7), alert('a', 8)]);
      const mirror = new Mirror(h.feed.snapshot());
      h.feed.subscribe((d) => early.push(d));
      h.scheduler.flush();
      await h.send([
        ...steps('a', 9, 40),
        gradient('a', 40, { cmdSeq: 7 }),
        runEvent('b', 'start'),
        ...steps('b', 0, 20),
        estimate('b', 10),
      ]);
      for (const d of early) mirror.apply(d);
      assert.ok(
        early.some((d) => d.runs.some((r) => r.gradients?.reset === true)),
        'a decimation happened',
      );
      assert.deepEqual(mirror.toSnapshot(8), h.feed.snapshot());
    } finally {
      await h.close();
    }
  });

  it('coalesces every change of a flush interval into one delta, and sends none when idle', async () => {
    const h = harness();
    try {
      const events: LyapEvent[] = [];
      for (let step = 0; step < 50; step++) {
        for (const runId of ['a', 'b', 'c', 'd', 'e']) events.push(gradient(runId, step));
      }
      await h.consume(events);
      assert.equal(h.deltas.length, 0, 'nothing sent before the interval ends');
      h.scheduler.flush();
      assert.equal(h.deltas.length, 1);
      assert.equal(h.deltas[0]!.runs.length, 5);
      assert.ok(h.deltas[0]!.runs.every((r) => r.gradients?.rows.length === 50));
      h.scheduler.flush();
      assert.equal(h.deltas.length, 1, 'no delta without a change');
      assert.equal(h.scheduler.now(), 100, 'one flush interval of virtual time');
    } finally {
      await h.close();
    }
  });

  it('evicts the run that finished first beyond maxRuns, and ignores its late events', async () => {
    const h = harness({ maxRuns: 2 });
    try {
      await h.send([
        runEvent('a', 'start'),
        runEvent('b', 'start'),
        runEvent('b', 'end', { ts: 10 }),
        runEvent('a', 'end', { ts: 20 }),
      ]);
      await h.send([runEvent('c', 'start')]);
      assert.deepEqual(
        h.feed.snapshot().runs.map((r) => r.info.runId),
        ['a', 'c'],
      );
      assert.deepEqual(h.deltas.at(-1)?.removedRuns, ['b']);
      await h.send([gradient('b', 3)]);
      assert.deepEqual(
        h.feed.snapshot().runs.map((r) => r.info.runId),
        ['a', 'c'],
        'a late event does not bring an evicted run back',
      );
      // A new start brings an evicted run back, evicting the finished a.
      await h.send([gradient('a', 1), runEvent('b', 'start')]);
      assert.deepEqual(
        h.feed.snapshot().runs.map((r) => r.info.runId),
        ['c', 'b'],
      );
      assert.deepEqual(h.deltas.at(-1)?.removedRuns, ['a']);
      // With no run finished, the one silent longest goes.
      await h.send([gradient('b', 1), runEvent('d', 'start')]);
      assert.deepEqual(
        h.feed.snapshot().runs.map((r) => r.info.runId),
        ['b', 'd'],
      );
      assert.deepEqual(h.deltas.at(-1)?.removedRuns, ['c']);
    } finally {
      await h.close();
    }
  });

  it('rejects options that cannot work', () => {
    for (const bad of [
      { maxPointsPerRun: 1 },
      { maxRuns: 0 },
      { maxPointsPerRun: 2.5 },
      { flushIntervalMs: -1 },
    ]) {
      assert.throws(
        () => new LiveFeed({ topics, ...bad }),
        (e: unknown) => isLyapError(e, 'LYAP_E_CONFIG'),
      );
    }
  });

  it('keeps sending to the other listeners when one throws', async () => {
    const h = harness();
    try {
      h.feed.subscribe(() => {
        throw new Error('broken client');
      });
      const later: LiveDelta[] = [];
      h.feed.subscribe((d) => later.push(d));
      await h.send([gradient('a', 0)]);
      assert.equal(later.length, 1);
      assert.equal(h.deltas.length, 1);
    } finally {
      await h.close();
    }
  });
});
