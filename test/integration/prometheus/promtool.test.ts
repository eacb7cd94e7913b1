import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, run } from '../../helpers/prometheus.js';

const PROMETHEUS_DIR = 'deploy/prometheus';
const ruleFiles = readdirSync(join(PROMETHEUS_DIR, 'rules'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join('rules', f));
const testFiles = readdirSync(join(PROMETHEUS_DIR, 'tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join('tests', f));

describe('deploy/prometheus > promtool', () => {
  it('accepts prometheus.yml (promtool check config, rule files included)', async (t) => {
    const promtool = requireTool(t, 'promtool');
    if (promtool === undefined) return;
    const r = await run(promtool, ['check', 'config', 'prometheus.yml'], { cwd: PROMETHEUS_DIR });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS: 2 rule files found/, r.output);
  });

  it('accepts every rule file (promtool check rules)', async (t) => {
    const promtool = requireTool(t, 'promtool');
    if (promtool === undefined) return;
    assert.deepEqual(ruleFiles.sort(), ['rules/alerts.yml', 'rules/recording.yml']);
    const r = await run(promtool, ['check', 'rules', ...ruleFiles], { cwd: PROMETHEUS_DIR });
    assert.equal(r.code, 0, r.output);
  });

  it('passes the rule unit tests in deploy/prometheus/tests (promtool test rules)', async (t) => {
    const promtool = requireTool(t, 'promtool');
    if (promtool === undefined) return;
    assert.ok(testFiles.length >= 2, `test files: ${testFiles.join(', ')}`);
    const r = await run(promtool, ['test', 'rules', ...testFiles], { cwd: PROMETHEUS_DIR });
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /FAILED/, r.output);
  });
});
