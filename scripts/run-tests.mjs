#!/usr/bin/env node
// Runs every test file under test/ with node's own test runner through tsx.
// Node 20's --test takes no globs, so the files are listed here.
// Unit files run two at a time; then the integration files (test/integration/: real
// Kafka brokers, several JVMs on a small machine) run one at a time, after them.
// Usage: node scripts/run-tests.mjs [unit|integration|<path fragment>...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((frag) => f.includes(frag)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}
const isIntegration = (f) => f.split(/[\\/]/).includes('integration');
const phases = [
  { files: files.filter((f) => !isIntegration(f)), concurrency: 2 },
  { files: files.filter(isIntegration), concurrency: 1 },
].filter((p) => p.files.length > 0);

const scratch = mkdtempSync(join(tmpdir(), 'lyap-tests-'));
const totals = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
let status = 0;
for (const [i, phase] of phases.entries()) {
  const tap = join(scratch, `phase-${i}.tap`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${phase.concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...phase.files,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
  let summary = '';
  try {
    summary = readFileSync(tap, 'utf8');
  } catch {
    status ||= 1;
  }
  for (const key of Object.keys(totals)) {
    const match = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(summary);
    totals[key] += match === null ? 0 : Number(match[1]);
  }
}
rmSync(scratch, { recursive: true, force: true });
if (phases.length > 1) {
  console.log(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
}
process.exit(status);
