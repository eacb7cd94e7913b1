import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat, { type ParsedMetric } from 'parse-prometheus-text-format';
import { encodeEvent, type LrCommandEvent } from '../../../src/events/index.js';
import { listen, LyapMetrics, metricsApp, METRIC } from '../../../src/metrics/index.js';
import { ProcessorEngine, resolveProcessorConfig } from '../../../src/processor/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import { estimateAt, gradient, runEvent } from '../../helpers/events.js';

const TOPIC = 'lyap.gradients';

/** A short simulated run through the processor engine, with the metrics as its observer. */
function feed(metrics: LyapMetrics, runId: string, nowMs: number, end = true): void {
  const engine = new ProcessorEngine(resolveProcessorConfig({ latenessSteps: 0 }), metrics);
  let offset = 0;
  const events = [
    ...simulateQuadraticRun({
      runId,
      spectrum: [3, 1, -0.5],
      lr: 0.2,
      steps: 60,
      kLyapunov: 2,
      batchSharpness: true,
    }),
  ];
  for (const event of end ? events : events.slice(0, -1)) {
    engine.ingest(
      { topic: TOPIC, partition: 0, offset: String(offset++), value: encodeEvent(event), timestampMs: 0 },
      nowMs,
    );
  }
  engine.ingest(
    { topic: TOPIC, partition: 0, offset: String(offset), value: 'garbage', timestampMs: 0 },
    nowMs,
  );
  engine.flush(nowMs);
}

async function scrape(metrics: LyapMetrics): Promise<Map<string, ParsedMetric>> {
  const server = await listen(
    metricsApp({ render: () => metrics.render(), contentType: metrics.registry.contentType }),
  );
  try {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return new Map(parsePrometheusTextFormat(await res.text()).map((m) => [m.name, m]));
  } finally {
    await server.close();
  }
}

/** The samples of one per-run metric, by run. */
function scraped(metrics: Map<string, ParsedMetric>, name: string): Record<string, number> {
  return Object.fromEntries(
    (metrics.get(name)?.metrics ?? []).map((s) => [s.labels?.['run_id'] ?? '', Number(s.value)]),
  );
}

const EXPECTED: [string, ParsedMetric['type'], string[]][] = [
  [METRIC.loss, 'GAUGE', ['run_id']],
  [METRIC.learningRate, 'GAUGE', ['run_id']],
  [METRIC.gradNorm, 'GAUGE', ['run_id']],
  [METRIC.trainingStep, 'GAUGE', ['run_id']],
  [METRIC.lyapunovExponent, 'GAUGE', ['k', 'run_id']],
  [METRIC.curvature, 'GAUGE', ['k', 'run_id']],
  [METRIC.hessianMaxEigenvalue, 'GAUGE', ['run_id']],
  [METRIC.stabilityRatio, 'GAUGE', ['run_id']],
  [METRIC.batchSharpness, 'GAUGE', ['run_id']],
  [METRIC.batchStabilityRatio, 'GAUGE', ['run_id']],
  [METRIC.stabilityBound, 'GAUGE', ['run_id']],
  [METRIC.regime, 'GAUGE', ['regime', 'run_id']],
  [METRIC.lrCommandsTotal, 'COUNTER', ['reason', 'run_id']],
  [METRIC.eventsTotal, 'COUNTER', ['topic']],
  [METRIC.eventsInvalidTotal, 'COUNTER', ['reason', 'topic']],
  [METRIC.eventLagSeconds, 'HISTOGRAM', []],
  [METRIC.controlLoopSeconds, 'HISTOGRAM', []],
  [METRIC.consumerLag, 'GAUGE', ['partition', 'topic']],
  [METRIC.trainerInfo, 'GAUGE', ['backend', 'model']],
];

describe('metrics > LyapMetrics', () => {
  it('exposes every metric of docs/design.md with its type and labels after a short run', async () => {
    const metrics = new LyapMetrics({ runTtlMs: 60_000 });
    feed(metrics, 'short', 1_700_000_000_500, false);
    const command: LrCommandEvent = {
      v: 1,
      type: 'lr-command',
      runId: 'short',
      ts: 1_700_000_000_200,
      seq: 1,
      lr: 0.1,
      previousLr: 0.2,
      reason: 'quasi-newton',
      basedOnStep: 11,
    };
    metrics.consumed(command, 'lyap.control');
    // A newer controller's reason is counted, under `other`: the label stays a bounded set.
    metrics.consumed({ ...command, seq: 2, reason: 'horizon-decay-v2' }, 'lyap.control');
    metrics.consumed(gradient('short', 60, { cmdSeq: 1, ts: 1_700_000_000_900 }), TOPIC);
    metrics.consumerLag.set({ topic: TOPIC, partition: '0' }, 3); // set by the Kafka transport
    const scraped = await scrape(metrics);
    for (const [name, type, labels] of EXPECTED) {
      const m = scraped.get(name);
      assert.ok(m, `${name} is exposed`);
      assert.equal(m.type, type, name);
      assert.ok(m.help.length > 10, `${name} has help`);
      if (type !== 'HISTOGRAM') {
        assert.ok(m.metrics.length > 0, `${name} has samples`);
        for (const sample of m.metrics)
          assert.deepEqual(Object.keys(sample.labels ?? {}).sort(), labels, name);
      }
    }
    const value = (name: string, labels: Record<string, string>): number =>
      Number(
        scraped.get(name)?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
          ?.value,
      );
    assert.equal(value(METRIC.trainingStep, { run_id: 'short' }), 60);
    assert.equal(value(METRIC.regime, { run_id: 'short', regime: 'chaotic' }), 1);
    assert.equal(value(METRIC.regime, { run_id: 'short', regime: 'edge' }), 0);
    assert.equal(value(METRIC.stabilityBound, { run_id: 'short' }), 2, 'plain SGD: the bound is 2');
    assert.equal(value(METRIC.eventsInvalidTotal, { topic: TOPIC, reason: 'invalid-json' }), 1);
    assert.equal(
      value(METRIC.trainerInfo, { backend: 'simulated-float64', model: 'quadratic(h=3,1,-0.5)' }),
      1,
    );
    assert.equal(value(METRIC.lrCommandsTotal, { run_id: 'short', reason: 'quasi-newton' }), 1);
    assert.equal(value(METRIC.lrCommandsTotal, { run_id: 'short', reason: 'other' }), 1);
    assert.ok(
      !scraped.get(METRIC.lrCommandsTotal)?.metrics.some((s) => s.labels?.['reason'] === 'horizon-decay-v2'),
      'no series per unknown reason',
    );
    assert.ok(Math.abs(value(METRIC.lyapunovExponent, { run_id: 'short', k: '0' }) - Math.log(1.1)) < 1e-6);
    const loop = scraped.get(METRIC.controlLoopSeconds)?.metrics[0];
    assert.equal(loop?.count, '1', 'one command applied');
    assert.ok(
      Math.abs(Number(loop?.sum) - 0.4) < 1e-9,
      'from the estimate of step 11 (stamped …500 by the processor) to the step applying it (…900)',
    );
  });

  it('exports the stability bound the regimes judge by: 2(1 + μ) with heavy-ball momentum μ', async () => {
    const metrics = new LyapMetrics({ runTtlMs: 60_000 });
    metrics.consumed(estimateAt(40, { runId: 'heavy-ball', momentum: 0.9 }), 'lyap.estimates');
    metrics.consumed(estimateAt(40, { runId: 'plain' }), 'lyap.estimates');
    const bounds = scraped(await scrape(metrics), METRIC.stabilityBound);
    assert.deepEqual(bounds, { 'heavy-ball': 3.8, plain: 2 });
  });

  it('removes the series of a run once it ended more than the TTL ago', async () => {
    let now = 1_700_000_000_000;
    const metrics = new LyapMetrics({ runTtlMs: 1_000, processMetrics: false }, () => now);
    feed(metrics, 'gone', now);
    feed(metrics, 'live', now, false);
    now += 999;
    let scraped = await scrape(metrics);
    assert.ok(scraped.get(METRIC.loss)?.metrics.some((s) => s.labels?.['run_id'] === 'gone'));
    now += 1;
    feed(metrics, 'live', now, false);
    scraped = await scrape(metrics);
    for (const name of [METRIC.loss, METRIC.lyapunovExponent, METRIC.regime, METRIC.hessianMaxEigenvalue]) {
      const runs = new Set(scraped.get(name)?.metrics.map((s) => s.labels?.['run_id']));
      assert.deepEqual([...runs], ['live'], name);
    }
    assert.deepEqual(
      scraped.get(METRIC.trainerInfo)?.metrics.map((s) => s.value),
      ['1'],
    );
  });

  it('caps the runs with series and counts what it refused', async () => {
    const metrics = new LyapMetrics({ maxRuns: 1, processMetrics: false });
    metrics.consumed(runEvent('a', 'start'), 'lyap.runs');
    metrics.consumed(gradient('b', 0), TOPIC);
    const scraped = await scrape(metrics);
    assert.equal(scraped.get(METRIC.runsRefusedTotal)?.metrics[0]?.value, '1');
    assert.equal(scraped.get(METRIC.liveRuns)?.metrics[0]?.value, '1');
    assert.equal(scraped.get(METRIC.loss)?.metrics.length ?? 0, 0);
  });

  it('reports a NaN loss as NaN, not as a crash', async () => {
    const metrics = new LyapMetrics({ processMetrics: false });
    metrics.consumed(gradient('n', 0, { loss: NaN }), TOPIC);
    const scraped = await scrape(metrics);
    // prom-client writes NaN as "Nan"; Prometheus parses special values case-insensitively.
    assert.equal(scraped.get(METRIC.loss)?.metrics[0]?.value?.toLowerCase(), 'nan');
  });
});

describe('metrics > HTTP endpoints', () => {
  it('answers /healthz, /readyz (503 until ready), 404 and 405', async () => {
    let ready = false;
    const server = await listen(
      metricsApp({ render: () => Promise.resolve(''), contentType: 'text/plain', ready: () => ready }),
    );
    try {
      assert.ok(server.url.startsWith('http://127.0.0.1:'), 'loopback by default');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${server.url}/nope`)).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  });
});
