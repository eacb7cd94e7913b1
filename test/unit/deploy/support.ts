// The files of deploy/ as data: YAML read the way docker compose and Prometheus read it, and the
// Prometheus rule groups of deploy/prometheus/rules (the deploy tests, and the dashboards tests that
// check the recording rules they read).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface RuleJson {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroupJson {
  name: string;
  rules: RuleJson[];
}

export const RULES_DIR = 'deploy/prometheus/rules';

/** A YAML file as plain data (merge keys `<<:` applied, as docker compose does); callers cast it. */
export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

/** The rule groups of deploy/prometheus/rules/*.yml, in file order. */
export function ruleGroups(): RuleGroupJson[] {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .flatMap((f) => (readYaml(join(RULES_DIR, f)) as { groups: RuleGroupJson[] }).groups);
}

export function alertRules(): (RuleJson & { alert: string })[] {
  return ruleGroups()
    .flatMap((g) => g.rules)
    .filter((r): r is RuleJson & { alert: string } => r.alert !== undefined);
}

export function recordingRules(): (RuleJson & { record: string })[] {
  return ruleGroups()
    .flatMap((g) => g.rules)
    .filter((r): r is RuleJson & { record: string } => r.record !== undefined);
}
