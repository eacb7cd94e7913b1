import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderDashboards } from '../../../src/dashboards/index.js';
import { buildProgram, main } from '../../../src/cli/main.js';
import { lyap } from '../../helpers/cli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `lyap <args>` in-process, with its own environment; commander's output captured. */
async function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env,
    writeOut: (s) => (stdout += s),
    writeErr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

const commands = buildProgram(() => undefined).commands.map((c) => c.name());
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const HINT = '(run with --help for usage)';

describe('cli > lyap > usage', () => {
  it('rejects an unknown flag of every command in one line and the hint, exit code 2', async () => {
    assert.ok(commands.length >= 5, commands.join(','));
    for (const command of commands) {
      const r = await run([command, '--frobnicate']);
      assert.equal(r.code, 2, command);
      assert.equal(r.stderr, `error: unknown option '--frobnicate'\n${HINT}\n`, command);
    }
  });

  it('rejects an unknown command in one line and the hint, exit code 2', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `error: unknown command 'frobnicate'\n${HINT}\n`);
  });

  it('prints the version of package.json with exit code 0, before or after a command', async () => {
    for (const args of [['--version'], ['-V'], ['replay', '--version']]) {
      const r = await run(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  it('gives every command --config and says in every help where options come from', async () => {
    for (const args of [['--help'], ...commands.map((c) => [c, '--help'])]) {
      const r = await run(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /LYAP_<OPTION>/, args.join(' '));
      assert.match(r.stdout, /Precedence: flag > environment > config file > default/);
      if (args[0] !== '--help') assert.match(r.stdout, /--config <file>/, args.join(' '));
    }
  });
});

describe('cli > lyap > option sources end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lyap-main-'));
  const fresh = join(dir, 'fresh');
  const missing = join(dir, 'missing');
  mkdirSync(fresh);
  for (const { file, text } of renderDashboards()) writeFileSync(join(fresh, file), text);
  const config = (name: string, out: string): string => {
    const path = join(dir, name);
    writeFileSync(path, `dashboards:\n  out: ${out}\n  check: true\n`);
    return path;
  };

  // `lyap dashboards --check` exits 0 when --out holds the generated files, 1 when not:
  // the exit code tells which source's --out won.
  it('is flag > environment > config file for a real command', async () => {
    const toMissing = config('missing.yaml', missing);
    const toFresh = config('fresh.yaml', fresh);
    assert.equal((await run(['dashboards', '--config', toMissing])).code, 1);
    assert.equal((await run(['dashboards', '--config', toFresh])).code, 0);
    assert.equal((await run(['dashboards', '--config', toMissing], { LYAP_OUT: fresh })).code, 0);
    assert.equal((await run(['dashboards', '--config', toFresh], { LYAP_OUT: missing })).code, 1);
    assert.equal(
      (await run(['dashboards', '--config', toMissing, '--out', fresh], { LYAP_OUT: missing })).code,
      0,
    );
    assert.equal((await run(['dashboards'], { LYAP_OUT: fresh, LYAP_CHECK: 'true' })).code, 0);
  });

  it('ranks LYAP_TF_BACKEND, the older name of LYAP_BACKEND, above a config file', async () => {
    const cheap = join(dir, 'cpu.yaml');
    writeFileSync(cheap, 'train:\n  backend: cpu\n  dataset: quadratic\n  steps: 1\n  probe-every: 0\n');
    const r = await lyap(['train', '--config', cheap], { env: { LYAP_TF_BACKEND: 'tpu' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /LYAP_TF_BACKEND must be one of .*got 'tpu'/);
  });

  it('exits 2 with one line naming the variable, as a process', async () => {
    const r = await lyap(['train'], { env: { LYAP_STEPS: 'abc' } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `lyap: LYAP_STEPS: --steps must be a positive integer, got 'abc'\n${HINT}\n`);
  });
});
