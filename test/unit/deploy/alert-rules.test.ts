import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AT_ONCE_FACTOR, REGIME_ALERT_RULES } from '../../../src/alerts/index.js';
import { METRIC } from '../../../src/metrics/index.js';
import { alertRules, readYaml, recordingRules, ruleGroups, type RuleGroupJson } from './support.js';

const SEVERITIES = new Set(['critical', 'warning', 'info']);
const RUNBOOKS = 'docs/runbooks';
const TESTS = 'deploy/prometheus/tests';

interface AlertRuleTest {
  alertname: string;
  eval_time: string;
  exp_alerts?: unknown[];
}
interface RuleTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: AlertRuleTest[]; promql_expr_test?: { expr: string }[] }[];
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const testFiles = readdirSync(TESTS)
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => readYaml(join(TESTS, f)) as RuleTestFile);
const alertTests = testFiles.flatMap((f) => f.tests.flatMap((t) => t.alert_rule_test ?? []));
const exprTests = testFiles.flatMap((f) => f.tests.flatMap((t) => t.promql_expr_test ?? []));

describe('deploy/prometheus > alert rules', () => {
  it('cover what the issue asks for', () => {
    const names = alertRules().map((r) => r.alert);
    for (const required of [
      'LyapStabilityRatioAboveTwo',
      'LyapTrainingDiverged',
      'LyapLossExploding',
      'LyapTrainerSilent',
      'LyapProcessorEventLagHigh',
      'LyapConsumerLagHigh',
      'LyapDeadLetters',
      'LyapControllerBrakingRepeatedly',
    ]) {
      assert.ok(names.includes(required), required);
    }
    // An alert may have two rules (as LyapStabilityRatioAboveTwo: sustained and at once), told
    // apart by their severity: one name and severity, one rule.
    const keys = alertRules().map((r) => `${r.alert}/${r.labels?.['severity'] ?? ''}`);
    assert.equal(new Set(keys).size, keys.length, 'one rule per alert name and severity');
  });

  for (const rule of alertRules()) {
    it(`${rule.alert}: has for:, a severity, a summary, a description and its runbook`, () => {
      assert.match(rule.for ?? '', /^\d+[smh]$/, 'for:');
      assert.ok(
        SEVERITIES.has(rule.labels?.['severity'] ?? ''),
        `severity ${rule.labels?.['severity'] ?? ''}`,
      );
      assert.ok((rule.annotations?.['summary'] ?? '').length > 10, 'summary');
      assert.ok((rule.annotations?.['description'] ?? '').length > 20, 'description');
      const runbook = `${RUNBOOKS}/${kebab(rule.alert)}.md`;
      assert.equal(rule.annotations?.['runbook_url'], runbook);
      assert.ok(existsSync(runbook), `${runbook} exists`);
      assert.match(
        readFileSync(runbook, 'utf8'),
        new RegExp(`^# ${rule.alert}\\b`),
        `${runbook} is titled ${rule.alert}`,
      );
    });

    it(`${rule.alert}: has promtool unit tests where it fires and where it does not`, () => {
      const cases = alertTests.filter((t) => t.alertname === rule.alert);
      assert.ok(
        cases.some((t) => (t.exp_alerts ?? []).length > 0),
        'a case where it fires',
      );
      assert.ok(
        cases.some((t) => (t.exp_alerts ?? []).length === 0),
        'a case where it does not',
      );
    });
  }

  it('has one runbook per alert and no runbook without an alert', () => {
    const expected = [...new Set(alertRules().map((r) => `${kebab(r.alert)}.md`))].sort();
    assert.deepEqual(readdirSync(RUNBOOKS).sort(), expected);
  });

  it('tests every recording rule the dashboards or alerts read (promql_expr_test)', () => {
    const tested = new Set(exprTests.map((t) => t.expr));
    for (const rule of recordingRules().filter(
      (r) => r.record.includes(':p99_') || r.record.endsWith(':predicted'),
    )) {
      assert.ok(tested.has(rule.record), rule.record);
    }
  });

  it("judge instability as the in-process alerts do: the processor's regime, the bound it judged by, the same at-once factor", () => {
    const rules = alertRules();
    // The in-process alerts that have a Prometheus counterpart of the same name.
    const names = new Set(rules.map((r) => r.alert));
    const counterparts = REGIME_ALERT_RULES.filter((r) => names.has(r.name)).map((r) => r.name);
    assert.deepEqual(counterparts.sort(), ['LyapStabilityRatioAboveTwo', 'LyapTrainingDiverged']);
    const unstable = REGIME_ALERT_RULES.find((r) => r.name === 'LyapStabilityRatioAboveTwo');
    const expr = (severity: string): string | undefined =>
      rules
        .find((r) => r.alert === 'LyapStabilityRatioAboveTwo' && r.labels?.['severity'] === severity)
        ?.expr.replace(/\s+/g, ' ')
        .trim();
    const regime = `and on (job, instance, run_id) ${METRIC.regime}{regime="${unstable?.regime}"} == 1`;
    const ratio = `${METRIC.batchStabilityRatio} or (${METRIC.stabilityRatio} unless ${METRIC.batchStabilityRatio})`;
    assert.equal(
      expr('warning'),
      `(${ratio}) ${regime}`,
      'sustained: the ratio while the regime is unstable',
    );
    const past = `${AT_ONCE_FACTOR} * ${METRIC.stabilityBound}`;
    assert.equal(
      expr('critical'),
      `( ${METRIC.batchStabilityRatio} > ${past} or (${METRIC.stabilityRatio} > ${past} unless ${METRIC.batchStabilityRatio}) ) ${regime}`,
      'at once: AT_ONCE_FACTOR times past the bound',
    );
    assert.match(
      rules.find((r) => r.alert === 'LyapTrainingDiverged')?.expr ?? '',
      /lyap_regime\{regime="diverged"\} == 1/,
    );
  });

  it('are the same groups in the PrometheusRule of deploy/k8s as in deploy/prometheus/rules', () => {
    const crd = readYaml('deploy/k8s/prometheusrule.yaml') as {
      kind: string;
      spec: { groups: RuleGroupJson[] };
    };
    assert.equal(crd.kind, 'PrometheusRule');
    const byName = (groups: RuleGroupJson[]): RuleGroupJson[] =>
      [...groups].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(
      byName(crd.spec.groups),
      byName(ruleGroups()),
      'deploy/k8s/prometheusrule.yaml is out of step: copy the groups of deploy/prometheus/rules/*.yml into it',
    );
  });
});
