import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { VirtualTimeScheduler } from 'rxjs';
import { topicNames, type LyapEvent } from '../../../src/events/index.js';
import { LiveFeed, type LiveDelta } from '../../../src/live/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { gradient, runEvent } from '../../helpers/events.js';
import { command, estimate, publish, untilConsumed } from './support/live-events.js';

const RUNS = 10;
const STEPS_PER_SECOND = 50;
const PROBE_EVERY = 10;
const COMMAND_EVERY = 40;
const TICK_MS = 100;
const STEPS_PER_TICK = (STEPS_PER_SECOND * TICK_MS) / 1000;

/** 100 ms of 10 runs at 50 steps/s: 5 steps each, an estimate every 10 steps, a command every 40. */
function tickEvents(tick: number): LyapEvent[] {
  const events: LyapEvent[] = [];
  for (let step = tick * STEPS_PER_TICK; step < (tick + 1) * STEPS_PER_TICK; step++) {
    for (let r = 0; r < RUNS; r++) {
      const runId = `run-${r}`;
      events.push(gradient(runId, step, { loss: Math.exp(-step / 500) * (1 + r), lr: 0.01 * (1 + r) }));
      if (step % PROBE_EVERY === 0) {
        events.push(
          estimate(runId, step, {
            lyapunov: [0.01 * Math.sin(step)],
            curvature: [-0.1 * r],
            sharpness: 3 + r,
          }),
        );
      }
      if (step > 0 && step % COMMAND_EVERY === 0) events.push(command(runId, step));
    }
  }
  return events;
}

const bytes = (d: LiveDelta): number => Buffer.byteLength(JSON.stringify(d));

describe('live > LiveFeed under load (10 runs at 50 steps/s)', () => {
  it('sends one delta per flush interval, with bounded bytes, over 60 s of virtual time', async (t) => {
    const bus = new MemoryBus();
    const scheduler = new VirtualTimeScheduler();
    const topics = topicNames('live-rate.');
    const feed = new LiveFeed({ topics, scheduler });
    const deltas: LiveDelta[] = [];
    feed.subscribe((d) => deltas.push(d));
    feed.start(bus, 'live-rate');
    const seconds = 60;
    const ticks = (seconds * 1000) / TICK_MS;
    let sent = 0;
    try {
      const starts = Array.from({ length: RUNS }, (_, r) => runEvent(`run-${r}`, 'start'));
      for (let tick = 0; tick < ticks; tick++) {
        const events = tick === 0 ? [...starts, ...tickEvents(tick)] : tickEvents(tick);
        await publish(bus, topics, events);
        sent += events.length;
        await untilConsumed(feed, sent);
        scheduler.flush();
      }
      const sizes = deltas.map(bytes);
      const total = sizes.reduce((a, b) => a + b, 0);
      const resets = deltas.filter((d) => d.runs.some((r) => r.gradients?.reset === true)).length;
      const snapshotBytes = Buffer.byteLength(JSON.stringify(feed.snapshot()));
      const sorted = [...sizes].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
      t.diagnostic(
        `${sent} events in ${seconds} s of virtual time: ${deltas.length} deltas (${deltas.length / seconds}/s), ` +
          `${Math.round(total / seconds)} bytes/s, median delta ${median} bytes, largest ${sorted.at(-1)} bytes ` +
          `(${resets} with a decimation reset), snapshot ${snapshotBytes} bytes`,
      );
      assert.equal(deltas.length, ticks, 'one delta per 100 ms interval: 10 per second');
      assert.ok(median < 8 * 1024, `median delta ${median} bytes`);
      assert.ok(total / seconds < 96 * 1024, `${Math.round(total / seconds)} bytes/s`);
      for (const run of feed.snapshot().runs) {
        assert.ok(run.gradients.length <= 2000, `${run.info.runId}: ${run.gradients.length} gradient rows`);
        assert.equal(run.info.step, seconds * STEPS_PER_SECOND - 1);
      }
      assert.ok(resets >= 1, 'the series were decimated (3,000 steps > 2,000 points)');
      assert.ok(snapshotBytes < 2 * 1024 * 1024, `snapshot ${snapshotBytes} bytes`);
    } finally {
      feed.stop();
      await bus.close();
    }
  });

  // Wall-clock measurement for docs/live-page.md; reports, asserts nothing about time.
  // LYAP_MEASURE_LIVE=1 node --import tsx --test test/unit/live/live-feed-rate.test.ts
  it(
    'measures deltas/s, bytes/s and CPU in real time',
    { skip: process.env['LYAP_MEASURE_LIVE'] !== '1' },
    async (t) => {
      const bus = new MemoryBus();
      const topics = topicNames('live-rate-wall.');
      const feed = new LiveFeed({ topics });
      let count = 0;
      let total = 0;
      feed.subscribe((d) => {
        count += 1;
        total += bytes(d);
      });
      feed.start(bus, 'live-rate-wall');
      const seconds = Number(process.env['LYAP_MEASURE_SECONDS'] ?? 10);
      const ticks = (seconds * 1000) / TICK_MS;
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let sent = 0;
      try {
        await publish(
          bus,
          topics,
          Array.from({ length: RUNS }, (_, r) => runEvent(`run-${r}`, 'start')),
        );
        sent += RUNS;
        for (let tick = 0; tick < ticks; tick++) {
          const events = tickEvents(tick);
          await publish(bus, topics, events);
          sent += events.length;
          const due = t0 + (tick + 1) * TICK_MS;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        }
        await untilConsumed(feed, sent);
        await new Promise((resolve) => setTimeout(resolve, 2 * TICK_MS));
        const elapsed = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const elu = performance.eventLoopUtilization(elu0);
        const report =
          `${sent} events over ${elapsed.toFixed(1)} s: ${(count / elapsed).toFixed(1)} deltas/s, ` +
          `${Math.round(total / elapsed)} bytes/s, CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(1)}% ` +
          `of one core (publishing included), event loop utilisation ${(elu.utilization * 100).toFixed(1)}%`;
        t.diagnostic(report);
        console.log(report);
        assert.equal(feed.stats.consumed, sent);
      } finally {
        feed.stop();
        await bus.close();
      }
    },
  );
});
