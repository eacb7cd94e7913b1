// End to end with Debian's real Prometheus server: the pipeline runs in this process (MemoryBus,
// processor with LyapMetrics as its observer, controller, /metrics on a free loopback port), fed
// live by simulated SGD runs on a quadratic, one of them driven into divergence. Prometheus
// scrapes it every second with the project's own prometheus.yml (its processor job pointed at
// this process) and rule files, whose `for:` durations are rewritten to 0s in the temporary copy
// so that alerts fire on their first evaluation. Then every query of every dashboard panel,
// annotation and variable runs through the HTTP API with the variables substituted, and the
// divergence alert must fire (the ALERTS series).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  dashboardQueries,
  parseLabelValues,
  regimeCode,
  type DashboardQuery,
} from '../../../src/dashboards/index.js';
import { decodeEvent, encodeEvent, topicNames, type LyapEvent } from '../../../src/events/index.js';
import { listen, LyapMetrics, metricsApp, type ListeningServer } from '../../../src/metrics/index.js';
import { startPipeline, type Pipeline } from '../../../src/loop/index.js';
import type { ProcessorHandle } from '../../../src/processor/index.js';
import { interleave, simulateQuadraticRun, type SimulatedEvent } from '../../../src/simulate/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import {
  findOnPath,
  missingTool,
  pollUntil,
  startPrometheus,
  type PromResponse,
  type PromSample,
  type RunningPrometheus,
} from '../../helpers/prometheus.js';

const SPECTRUM = [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3];
const RUNS = { diverged: 'e2e-diverged', edge: 'e2e-edge', live: 'e2e-live' } as const;
const RUN_IDS = Object.values(RUNS);
const JOB = 'lyap-processor';
const DIVERGENCE_ALERT = 'LyapTrainingDiverged';
/** Grafana's variables and intervals, as Grafana would substitute them for this test's data. */
const SUBSTITUTIONS: [string, string][] = [
  ['$__rate_interval', '15s'],
  ['$__interval', '1s'],
  ['$__range', '5m'],
  ['$run_id', `(${RUN_IDS.join('|')})`],
  ['$job', `(${JOB})`],
];
const topics = topicNames();
const missing = missingTool('prometheus');
const skip = missing !== undefined && process.env['CI'] !== 'true' ? missing : false;
if (skip !== false) {
  process.stderr.write(
    `\n${'*'.repeat(78)}\n*** SKIPPED: the real-Prometheus end-to-end test\n*** ${skip}\n${'*'.repeat(78)}\n\n`,
  );
}

function substitute(expr: string): string {
  return SUBSTITUTIONS.reduce((text, [name, value]) => text.replaceAll(name, value), expr);
}

function committedDashboards(): unknown[] {
  return readdirSync('dashboards')
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join('dashboards', f), 'utf8')) as unknown);
}

/** deploy/prometheus/prometheus.yml with 1 s intervals and only its processor job, aimed at `target`. */
function testConfig(target: string): string {
  const config = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as {
    global: Record<string, unknown>;
    rule_files: string[];
    alerting?: unknown;
    scrape_configs: Record<string, unknown>[];
  };
  assert.ok(
    config.scrape_configs.some((job) => job['job_name'] === JOB),
    `prometheus.yml has a ${JOB} job`,
  );
  assert.deepEqual(config.rule_files, ['rules/*.yml'], 'the rule files are where testRules() writes them');
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  delete config.alerting;
  config.scrape_configs = [{ job_name: JOB, scrape_interval: '1s', static_configs: [{ targets: [target] }] }];
  return stringify(config);
}

/** The rule files with every `for:` set to 0s, keyed by their path relative to the config. */
function testRules(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of readdirSync('deploy/prometheus/rules').filter((f) => f.endsWith('.yml'))) {
    const rules = parse(readFileSync(join('deploy/prometheus/rules', file), 'utf8')) as {
      groups: { rules: { for?: string }[] }[];
    };
    for (const group of rules.groups)
      for (const rule of group.rules) if (rule.for !== undefined) rule.for = '0s';
    files[join('rules', file)] = stringify(rules);
  }
  return files;
}

/** Every simulated run reports batch sharpness too, so that its panels have data. */
const SIMULATED = { spectrum: SPECTRUM, batchSharpness: true } as const;

/**
 * Publishes the simulated runs a few events at a time with fresh timestamps, as live trainers
 * would; gradient events carry `cmdSeq` of the last lr-command the test trainer saw (so the
 * closed-loop latency is measured), some payloads are malformed (dead letters), and the
 * consumer lag is set from what was published and consumed, as the Kafka transport will.
 */
class Feeder {
  private readonly lastSeq = new Map<string, number>();
  private readonly published = new Map<string, number>();
  private stopped = false;
  private finiteRunsDone = false;
  readonly done: Promise<void>;

  constructor(
    private readonly bus: MemoryBus,
    private readonly metrics: LyapMetrics,
    private readonly processor: ProcessorHandle,
  ) {
    bus.consume([topics.control], { groupId: 'e2e-trainer', fromBeginning: true }).subscribe((delivery) => {
      for (const message of delivery.messages) {
        const decoded = decodeEvent(message.value);
        if (decoded.ok && decoded.event.type === 'lr-command') {
          this.lastSeq.set(decoded.event.runId, decoded.event.seq);
        }
      }
      delivery.ack();
    });
    this.done = this.loop();
  }

  get finished(): boolean {
    return this.finiteRunsDone;
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }

  private async loop(): Promise<void> {
    const finite = interleave<SimulatedEvent>(
      [
        simulateQuadraticRun({ ...SIMULATED, runId: RUNS.diverged, lr: 2.5, steps: 400, seed: 3 }),
        simulateQuadraticRun({ ...SIMULATED, runId: RUNS.edge, lr: 0.47, steps: 400, seed: 4 }),
      ],
      7,
    );
    const live = simulateQuadraticRun({
      ...SIMULATED,
      runId: RUNS.live,
      lr: 0.1,
      steps: 1_000_000,
      seed: 5,
    });
    for (let tick = 0; !this.stopped; tick++) {
      const batch: SimulatedEvent[] = [];
      for (let i = 0; i < 6 && !this.finiteRunsDone; i++) {
        const next = finite.next();
        if (next.done === true) this.finiteRunsDone = true;
        else batch.push(next.value);
      }
      for (let i = 0; i < 2; i++) {
        const next = live.next();
        if (next.done !== true) batch.push(next.value);
      }
      for (const event of batch) await this.publish(event);
      if (tick % 20 === 0) await this.publishRaw(topics.gradients, 'not json');
      this.reportLag();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async publish(event: LyapEvent): Promise<void> {
    const stamped = { ...event, ts: Date.now() } as LyapEvent;
    const seq = this.lastSeq.get(event.runId);
    if (stamped.type === 'gradient' && seq !== undefined) stamped.cmdSeq = seq;
    const topic =
      stamped.type === 'run'
        ? topics.runs
        : stamped.type === 'gradient'
          ? topics.gradients
          : topics.trajectory;
    await this.publishRaw(topic, encodeEvent(stamped), stamped.runId);
  }

  private async publishRaw(topic: string, value: string, key?: string): Promise<void> {
    await this.bus.publish(topic, [key === undefined ? { value } : { key, value }]);
    this.published.set(topic, (this.published.get(topic) ?? 0) + 1);
  }

  private reportLag(): void {
    for (const [topic, count] of this.published) {
      const consumed = this.processor.stats.eventsByTopic.get(topic) ?? 0;
      this.metrics.consumerLag.set({ topic, partition: '0' }, Math.max(0, count - consumed));
    }
  }
}

function finiteValues(result: PromSample[]): number[] {
  return result
    .flatMap((s) => (s.values ?? (s.value === undefined ? [] : [s.value])).map(([, v]) => Number(v)))
    .filter((v) => Number.isFinite(v));
}

describe('observability > dashboards and alerts against a real Prometheus', { skip }, () => {
  let dir: string;
  let prometheus: RunningPrometheus | undefined;
  let server: ListeningServer | undefined;
  let bus: MemoryBus | undefined;
  let pipeline: Pipeline | undefined;
  let feeder: Feeder | undefined;
  const startSeconds = Math.floor(Date.now() / 1000) - 5;

  before(async () => {
    const binary = findOnPath('prometheus');
    if (binary === undefined) throw new Error(`CI=true and ${missing ?? 'prometheus is missing'}`);
    dir = mkdtempSync(join(tmpdir(), 'lyap-prometheus-'));
    bus = new MemoryBus();
    const metrics = new LyapMetrics();
    pipeline = startPipeline({
      bus,
      processor: { config: { windowProbes: 5 }, observer: metrics },
      controller: {
        // The fed probes carry no batch sharpness: the sharpness rule acts on them.
        config: {
          mode: 'control',
          rule: 'quasi-newton',
          minWindow: 3,
          convergenceEstimates: 3,
          cooldownSteps: 10,
        },
      },
    });
    server = await listen(
      metricsApp({ render: () => metrics.render(), contentType: metrics.registry.contentType }),
    );
    const target = server.url.replace('http://', '');
    prometheus = await startPrometheus({ binary, dir, config: testConfig(target), files: testRules() });
    feeder = new Feeder(bus, metrics, pipeline.processor);
  });

  after(async () => {
    await feeder?.stop();
    await pipeline?.stop();
    await bus?.close();
    await server?.close();
    await prometheus?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, params: Record<string, string | string[]>): Promise<PromResponse> => {
    if (prometheus === undefined) throw new Error('prometheus did not start');
    return prometheus.api(path, params);
  };

  async function run(query: DashboardQuery): Promise<PromResponse> {
    const now = String(Date.now() / 1000);
    if (query.kind === 'variable') {
      const parsed = parseLabelValues(query.expr);
      assert.ok(parsed, `${query.source}: not label_values(series, label): ${query.expr}`);
      return api(`/api/v1/label/${parsed.label}/values`, {
        'match[]': substitute(parsed.series),
        start: String(startSeconds),
        end: now,
      });
    }
    const expr = substitute(query.expr);
    return query.instant
      ? api('/api/v1/query', { query: expr, time: now })
      : api('/api/v1/query_range', { query: expr, start: String(startSeconds), end: now, step: '1' });
  }

  /** Why a query's answer does not count as data for the test's runs; undefined when it does. */
  function problem(query: DashboardQuery, response: PromResponse): string | undefined {
    if (response.status !== 'success') return `error ${response.errorType ?? ''}: ${response.error ?? ''}`;
    if (Array.isArray(response.data)) {
      const wanted = query.source === 'run_id' ? RUN_IDS : [JOB];
      const absent = wanted.filter((v) => !(response.data as string[]).includes(v));
      return absent.length === 0 ? undefined : `label values lack ${absent.join(', ')}`;
    }
    const result = response.data?.result ?? [];
    if (result.length === 0) return 'no series';
    if (finiteValues(result).length === 0) return 'no finite sample';
    if (query.expr.includes('$run_id') && result.some((s) => s.metric['run_id'] !== undefined)) {
      if (!result.some((s) => RUN_IDS.includes(s.metric['run_id'] as (typeof RUN_IDS)[number]))) {
        return `no series of the runs ${RUN_IDS.join(', ')}`;
      }
    }
    return undefined;
  }

  it('runs every query of every dashboard panel, annotation and variable: each parses and returns data for the runs', async () => {
    const queries = committedDashboards().flatMap((d) => dashboardQueries(d));
    assert.ok(queries.length >= 30, `found ${queries.length} queries`);
    await pollUntil('the finite runs to be published', () => (feeder?.finished === true ? true : undefined));
    const problems = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const query of queries) {
        const why = problem(query, await run(query));
        if (why !== undefined) {
          found.push(
            `${query.dashboard} / ${query.source} [${query.refId}]: ${why}\n    ${substitute(query.expr)}`,
          );
        }
      }
      return found;
    };
    // Rates and quantiles need a few scrapes: poll until every query has data, then assert.
    const failures = await pollUntil(
      'every dashboard query to return data',
      async () => {
        const found = await problems();
        return found.length === 0 ? found : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 2_000 },
    ).catch(problems);
    assert.deepEqual(
      failures,
      [],
      `queries without data:\n${failures.join('\n')}\nprometheus log:\n${prometheus?.log() ?? ''}`,
    );
  });

  it('shows the diverged run as regime "diverged" on the regime timeline', async () => {
    const regime = committedDashboards()
      .flatMap((d) => dashboardQueries(d))
      .find((q) => q.source === 'Regime');
    assert.ok(regime, 'the training-dynamics dashboard has a Regime panel');
    const code = String(regimeCode('diverged'));
    const series = await pollUntil('the diverged run on the regime timeline', async () => {
      const response = await run(regime);
      const result = Array.isArray(response.data) ? [] : (response.data?.result ?? []);
      const diverged = result.find((s) => s.metric['run_id'] === RUNS.diverged);
      return diverged?.values?.some(([, v]) => v === code) === true ? diverged : undefined;
    });
    assert.equal(series.metric['run_id'], RUNS.diverged);
  });

  it(`fires ${DIVERGENCE_ALERT} for the run driven into divergence, and not for the healthy runs`, async () => {
    const firing = await pollUntil(
      `ALERTS{alertname="${DIVERGENCE_ALERT}"} to fire`,
      async () => {
        const response = await api('/api/v1/query', {
          query: `ALERTS{alertname="${DIVERGENCE_ALERT}", alertstate="firing"}`,
        });
        const result = Array.isArray(response.data) ? [] : (response.data?.result ?? []);
        return result.length > 0 ? result : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    const runs = firing.map((s) => s.metric['run_id']).sort();
    assert.deepEqual(runs, [RUNS.diverged]);
    assert.equal(firing[0]?.metric['severity'], 'critical');
    assert.equal(firing[0]?.metric['job'], JOB);
  });
});
