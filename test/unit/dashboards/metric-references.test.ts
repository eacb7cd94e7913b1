import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  DASHBOARDS,
  dashboardQueries,
  metricNamesIn,
  PROCESS_METRIC,
  RECORDING_RULE,
  SCRAPE_METRIC,
} from '../../../src/dashboards/index.js';
import { METRIC } from '../../../src/metrics/index.js';
import { recordingRules, ruleGroups } from '../deploy/support.js';

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];
/** Series Prometheus writes itself. */
const PROMETHEUS_SERIES = new Set<string>([SCRAPE_METRIC.up, 'ALERTS', 'ALERTS_FOR_STATE']);

async function defaultProcessMetrics(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  return new Set(names);
}

const lyapMetrics = new Set<string>(Object.values(METRIC));
const recorded = new Set(recordingRules().map((r) => r.record));

/** A histogram's series name (`x_bucket`) is known when its base is. */
function known(name: string, names: Set<string>): boolean {
  if (names.has(name)) return true;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  return suffix !== undefined && names.has(name.slice(0, -suffix.length));
}

const dashboardExprs = DASHBOARDS.flatMap(({ build }) => dashboardQueries(build())).map((q) => ({
  where: `${q.dashboard} / ${q.source} [${q.refId}]`,
  expr: q.expr,
}));
const ruleExprs = ruleGroups().flatMap((g) =>
  g.rules.map((r) => ({ where: `${g.name} / ${r.alert ?? r.record ?? '?'}`, expr: r.expr })),
);

describe('dashboards > metric references', () => {
  it('every metric a dashboard or a rule reads exists: METRIC, prom-client defaults, recording rules, Prometheus', async () => {
    const names = new Set([
      ...lyapMetrics,
      ...(await defaultProcessMetrics()),
      ...recorded,
      ...PROMETHEUS_SERIES,
    ]);
    const unknown = [...dashboardExprs, ...ruleExprs].flatMap(({ where, expr }) =>
      metricNamesIn(expr)
        .filter((name) => !known(name, names))
        .map((name) => `${where}: ${name}`),
    );
    assert.deepEqual(unknown, []);
  });

  it('every metric of METRIC is on a dashboard', () => {
    const used = new Set(dashboardExprs.flatMap(({ expr }) => metricNamesIn(expr)));
    const unused = [...lyapMetrics].filter(
      (name) => !used.has(name) && !HISTOGRAM_SUFFIXES.some((s) => used.has(name + s)),
    );
    assert.deepEqual(unused, []);
  });

  it('PROCESS_METRIC names are what prom-client 15 collectDefaultMetrics exports', async () => {
    const defaults = await defaultProcessMetrics();
    for (const name of Object.values(PROCESS_METRIC)) assert.ok(defaults.has(name), name);
  });

  it('the recording rules the dashboards read are recorded in deploy/prometheus/rules', () => {
    for (const name of Object.values(RECORDING_RULE)) assert.ok(recorded.has(name), name);
  });

  it('src/dashboards never retypes a metric name: they come from METRIC and PROCESS_METRIC', () => {
    const offenders = readdirSync('src/dashboards')
      .filter((f) => f.endsWith('.ts') && f !== 'process-metrics.ts')
      .flatMap((f) => {
        const text = readFileSync(join('src/dashboards', f), 'utf8');
        return [...text.matchAll(/lyap_[a-z_]+/g)].map((m) => `${f}: ${m[0]}`);
      });
    assert.deepEqual(offenders, []);
  });
});

describe('dashboards > metricNamesIn', () => {
  it('finds metrics, not functions, keywords, labels, strings, ranges or numbers', () => {
    assert.deepEqual(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (job, le) (rate(lyap_event_lag_seconds_bucket{job=~"lyap-.*"}[$__rate_interval])))',
      ),
      ['lyap_event_lag_seconds_bucket'],
    );
    assert.deepEqual(
      metricNamesIn(
        'ln(abs(1 - (lyap_learning_rate * on (job, instance, run_id) group_right lyap_curvature))) > bool 1e-3',
      ),
      ['lyap_curvature', 'lyap_learning_rate'],
    );
    assert.deepEqual(metricNamesIn('x unless x offset 5m or abs(y) == Inf and z != NaN'), ['x', 'y', 'z']);
    assert.deepEqual(metricNamesIn('job:lyap_event_lag_seconds:p99_5m > 5'), [
      'job:lyap_event_lag_seconds:p99_5m',
    ]);
    assert.deepEqual(metricNamesIn('label_values(up{job=~"lyap-.*"}, job)'), ['up']);
    assert.deepEqual(metricNamesIn('sum(x) by (le) / count without (k) (y)'), ['x', 'y']);
  });
});
