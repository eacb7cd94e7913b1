import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { symmetricEigen } from '../../../src/dynamics/index.js';
import { encodeEvent, topicForType, topicNames, type TopicNames } from '../../../src/events/index.js';
import { LiveFeed, liveApp, type LiveDelta } from '../../../src/live/index.js';
import { listen, metricsApp } from '../../../src/metrics/index.js';
import { startPipeline } from '../../../src/loop/index.js';
import { startProcessor } from '../../../src/processor/index.js';
import { simulateQuadraticRun, type SimulatedEvent } from '../../../src/simulate/index.js';
import {
  createProblem,
  runTrainingSession,
  selectBackend,
  type Dataset,
  type TrainingSessionResult,
} from '../../../src/trainer/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { CHROMIUM, openChromium } from '../../../scripts/chromium.js';

const SCREENSHOT = 'test-artifacts/live-page.png';
const SAMPLES = 64;
const DIM = 4;
const STEPS = 200;

interface LiveWindow {
  __lyapLive?: { points(): number; runs(): number };
}

const missing = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing: apt-get install chromium (Debian's package) to run the live page's browser test`;
if (missing !== undefined && process.env['CI'] !== 'true') {
  const bar = '*'.repeat(78);
  process.stderr.write(`\n${bar}\n*** SKIPPED: the live page's browser test\n*** ${missing}\n${bar}\n\n`);
}

/** λ_max of the least-squares Hessian XᵀX/n, in float64. */
function lambdaMax(dataset: Dataset): number {
  const x = dataset.inputs;
  const h = Array.from({ length: DIM }, (_, i) =>
    Array.from({ length: DIM }, (_, j) => {
      let s = 0;
      for (let r = 0; r < SAMPLES; r++) s += (x[r * DIM + i] ?? 0) * (x[r * DIM + j] ?? 0);
      return s / SAMPLES;
    }),
  );
  return symmetricEigen(h).values[0] ?? NaN;
}

/**
 * Two runs of the real loop on one bus: the TensorFlow.js trainer (cpu backend, full-batch least
 * squares, probe every step), one processor and one signing controller in control mode, as
 * src/loop's runClosedLoop wires them for one run. One starts at η = 0.01/λ_max (the controller
 * raises it), the other at η = 20/λ_max (the controller brakes it).
 */
async function twoClosedLoopRuns(bus: MemoryBus): Promise<TrainingSessionResult[]> {
  const backend = await selectBackend({ requested: 'cpu' });
  const key = `live-page-test-${String(Math.random()).slice(2)}`;
  const pipeline = startPipeline({
    bus,
    processor: { config: { latenessSteps: 0, windowProbes: 5 } },
    controller: {
      config: {
        mode: 'control',
        // The paper's rule: raise towards 1/λ_max from below, brake from above (as described).
        rule: 'quasi-newton',
        cooldownSteps: 5,
        minWindow: 3,
        convergenceEstimates: 3,
        brakeSustainEstimates: 2,
        brakeFactor: 0.1,
        brakeCooldownSteps: 3,
        lrMax: 100,
      },
      signingKey: key,
    },
  });
  const session = (runId: string, lrTimesLambda: number, seed: number): Promise<TrainingSessionResult> => {
    const { dataset, model } = createProblem({
      dataset: 'least-squares',
      samples: SAMPLES,
      dim: DIM,
      noise: 0.1,
      seed,
    });
    return runTrainingSession({
      runId,
      model,
      dataset,
      backend: backend.reportedName,
      lr: lrTimesLambda / lambdaMax(dataset),
      batchSize: SAMPLES,
      steps: STEPS,
      seed: 1,
      probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      lrBounds: { minLr: 1e-6, maxLr: 100 },
      bus: pipeline.bus,
      topics: pipeline.topics,
      acceptUnsignedCommands: false,
      signingKey: key,
      log: () => undefined,
    });
  };
  try {
    const sessions = await Promise.all([session('ls-raise', 0.01, 5), session('ls-brake', 20, 7)]);
    await pipeline.drain();
    return sessions;
  } finally {
    await pipeline.stop();
  }
}

const points = (page: Page): Promise<number> =>
  page.evaluate(() => (globalThis as LiveWindow).__lyapLive?.points() ?? -1);

describe('browser > the live page', () => {
  it(
    'draws two live closed-loop runs in Chromium: charts, growing points, legend, commands',
    { skip: missing !== undefined && process.env['CI'] !== 'true' ? missing : false, timeout: 120_000 },
    async () => {
      if (missing !== undefined) assert.fail(`CI=true and ${missing}`);
      const bus = new MemoryBus();
      const topics = topicNames();
      const feed = new LiveFeed({ topics });
      feed.start(bus, 'live-page');
      const server = await listen(
        metricsApp({ render: () => Promise.resolve(''), contentType: 'text/plain', routes: liveApp(feed) }),
      );
      let browser: Awaited<ReturnType<typeof openChromium>> | undefined;
      let loops: Promise<TrainingSessionResult[]> | undefined;
      try {
        browser = await openChromium();
        const { page } = browser;
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location().url})`);
        });

        await page.goto(`${server.url}/`);
        await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
        assert.equal(await points(page), 0, 'no runs, no points');

        loops = twoClosedLoopRuns(bus);
        await page.waitForFunction(() => ((globalThis as LiveWindow).__lyapLive?.points() ?? 0) > 0, null, {
          timeout: 30_000,
        });
        const first = await points(page);
        await page.waitForFunction(
          (before) => ((globalThis as LiveWindow).__lyapLive?.points() ?? 0) > before,
          first,
          { timeout: 30_000 },
        );
        const second = await points(page);
        const liveRuns = feed.snapshot().runs.filter((r) => r.info.status === 'running').length;
        assert.ok(second > first, `points grew: ${first} → ${second}`);
        assert.ok(liveRuns >= 1, 'the runs were still training when the points grew');

        const charts = page.locator('[data-testid^="chart-"]');
        assert.equal(await charts.count(), 7);
        for (const chart of await charts.all()) {
          const id = await chart.getAttribute('data-testid');
          assert.ok((await chart.locator('canvas').count()) >= 1, `${id} has a canvas`);
        }

        await page.locator('[data-testid=legend-item]').nth(1).waitFor({ timeout: 30_000 });
        const legend: (string | null)[] = [];
        for (const item of await page.locator('[data-testid=legend-item]').all()) {
          legend.push(await item.getAttribute('data-run-id'));
        }
        assert.deepEqual(legend.sort(), ['ls-brake', 'ls-raise']);
        await page.locator('[data-testid=command-item]').first().waitFor({ timeout: 30_000 });

        const results = await loops;
        loops = undefined;
        assert.ok(results.every((r) => r.commands.applied >= 1 && r.commands.rejectedForged === 0));
        await page
          .locator('[data-testid=run-count]')
          .filter({ hasText: '(0 running)' })
          .waitFor({ timeout: 15_000 });
        const final = await points(page);
        assert.ok(final >= second, `points at the end: ${final}`);
        const commands = await page.locator('[data-testid=command-item]').count();
        assert.ok(commands >= 2, `${commands} commands listed`);
        const brakes = page.locator('[data-testid=command-item][data-run-id=ls-brake]', { hasText: 'brake' });
        assert.ok(
          (await brakes.count()) >= 1,
          'the run started at 20/λ_max was braked, and the list shows it',
        );
        assert.deepEqual(problems, []);

        mkdirSync('test-artifacts', { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
      } finally {
        await loops?.catch(() => undefined);
        await browser?.close();
        await server.close();
        feed.stop();
        await bus.close();
      }
    },
  );
});

/**
 * 10 runs at 50 steps/s in real time: exact quadratic SGD runs (src/simulate) paced onto the bus,
 * through the real processor, to the page. Reports what the page costs; asserts nothing about time.
 * LYAP_MEASURE_LIVE=1 node --import tsx --test test/integration/browser/live-page.test.ts
 */
async function pacedRuns(bus: MemoryBus, topics: TopicNames, seconds: number): Promise<void> {
  const processor = startProcessor({
    bus,
    config: { latenessSteps: 0, windowProbes: 5 },
    fromBeginning: true,
  });
  const stepsPerTick = 5;
  const tickMs = 100;
  const t0 = Date.now();
  const runs = Array.from({ length: 10 }, (_, r) =>
    simulateQuadraticRun({
      runId: `sim-${r}`,
      spectrum: [4, 2, 1, 0.5, 0.25],
      lr: 0.05 + 0.04 * r,
      steps: (seconds * 1000 * stepsPerTick) / tickMs,
      probeEvery: 10,
      seed: r + 1,
      startTs: t0,
      stepMs: tickMs / stepsPerTick,
    }),
  );
  try {
    for (let tick = 0; ; tick++) {
      const batch: SimulatedEvent[] = [];
      let live = 0;
      for (const run of runs) {
        let gradients = 0;
        for (let next = run.next(); ; next = run.next()) {
          if (next.done === true) break;
          batch.push(next.value);
          if (next.value.type === 'trajectory' && ++gradients === stepsPerTick) {
            live += 1;
            break;
          }
        }
      }
      for (const event of batch) {
        await bus.publish(topicForType(event.type, topics), [
          { key: event.runId, value: encodeEvent(event) },
        ]);
      }
      if (live === 0) break;
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (tick + 1) * tickMs - Date.now())));
    }
    for (let i = 0; i < 400 && bus.backlog(topics.gradients) > 0; i++)
      await new Promise((r) => setTimeout(r, 5));
  } finally {
    processor.stop();
  }
}

describe('browser > the live page under load', () => {
  it(
    'measures the page with 10 runs at 50 steps/s',
    { skip: process.env['LYAP_MEASURE_LIVE'] !== '1' || missing !== undefined, timeout: 180_000 },
    async (t) => {
      const seconds = Number(process.env['LYAP_MEASURE_SECONDS'] ?? 20);
      const bus = new MemoryBus();
      const topics = topicNames();
      const feed = new LiveFeed({ topics });
      let deltaBytes = 0;
      let deltas = 0;
      feed.subscribe((d: LiveDelta) => {
        deltas += 1;
        deltaBytes += Buffer.byteLength(JSON.stringify(d));
      });
      feed.start(bus, 'live-page-load');
      const server = await listen(
        metricsApp({ render: () => Promise.resolve(''), contentType: 'text/plain', routes: liveApp(feed) }),
      );
      const browser = await openChromium();
      try {
        const { page } = browser;
        await page.goto(`${server.url}/`);
        await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
        // Browser-only code as a string: this file is type-checked against Node's globals.
        await page.evaluate(`(() => {
          const m = (globalThis.__measure = { long: [], frames: 0 });
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) m.long.push(e.duration);
          }).observe({ type: 'longtask', buffered: true });
          const tick = () => { m.frames++; requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
        })()`);
        // Baseline: the same page with no data, as loaded as this machine is now.
        await new Promise((r) => setTimeout(r, 5_000));
        const idle = await page.evaluate<{ frames: number; long: number[] }>(
          '(() => { const m = globalThis.__measure; const r = { frames: m.frames, long: [...m.long] }; m.frames = 0; m.long = []; return r; })()',
        );
        t.diagnostic(`idle page: ${(idle.frames / 5).toFixed(0)} frames/s, ${idle.long.length} long tasks`);
        const started = Date.now();
        await pacedRuns(bus, topics, seconds);
        const elapsed = (Date.now() - started) / 1000;
        const serverVersion = feed.snapshot().version;
        const pageVersion = await page.evaluate<number>('globalThis.__lyapLive.version()');
        const caughtUp = Date.now();
        await page.waitForFunction(`globalThis.__lyapLive.version() >= ${serverVersion}`, null, {
          timeout: 60_000,
        });
        t.diagnostic(
          `page at delta ${pageVersion} of ${serverVersion} when the runs ended; caught up ${Date.now() - caughtUp} ms later`,
        );
        interface Measured {
          frames: number;
          long: number[];
          renders: { count: number; totalMs: number; maxMs: number };
          points: number;
          runs: number;
        }
        const measured = await page.evaluate<Measured>(`(() => ({
          frames: globalThis.__measure.frames,
          long: globalThis.__measure.long,
          renders: globalThis.__lyapLive.renders(),
          points: globalThis.__lyapLive.points(),
          runs: globalThis.__lyapLive.runs(),
        }))()`);
        const report =
          `${measured.runs} runs, ${elapsed.toFixed(1)} s: ${(deltas / elapsed).toFixed(1)} deltas/s, ` +
          `${Math.round(deltaBytes / elapsed)} delta bytes/s; page: ${(measured.frames / elapsed).toFixed(0)} frames/s, ` +
          `${measured.renders.count} renders, mean ${(measured.renders.totalMs / measured.renders.count).toFixed(1)} ms, ` +
          `max ${measured.renders.maxMs.toFixed(1)} ms; ${measured.long.length} long tasks (max ` +
          `${Math.max(0, ...measured.long).toFixed(0)} ms); ${measured.points} points drawn`;
        t.diagnostic(report);
        console.log(report);
        assert.equal(measured.runs, 10);
      } finally {
        await browser.close();
        await server.close();
        feed.stop();
        await bus.close();
      }
    },
  );
});
