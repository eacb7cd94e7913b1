import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../../src/cli/main.js';
import { addOptionSources } from '../../../src/cli/option-sources.js';

const dir = mkdtempSync(join(tmpdir(), 'lyap-sources-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Parsed {
  flags?: Record<string, unknown>;
  error?: CommanderError;
  stderr: string;
}

/**
 * Parses `lyap <args>` with the real program and options, the command's action replaced by
 * one that records the flags: what each source sets, without training or connecting.
 */
async function parse(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Parsed> {
  let stderr = '';
  const program = buildProgram(() => undefined, {
    env,
    writeOut: () => undefined,
    writeErr: (s) => (stderr += s),
  });
  let flags: Record<string, unknown> | undefined;
  for (const command of program.commands) {
    command.action((opts: Record<string, unknown>) => {
      flags = opts;
    });
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
    return { ...(flags === undefined ? {} : { flags }), stderr };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { error, stderr };
  }
}

async function usageError(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await parse(args, env);
  assert.equal(r.flags, undefined, 'the action does not run');
  assert.ok(r.error, 'a usage error');
  assert.equal(r.error.exitCode, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.equal(lines[1], '(run with --help for usage)');
  return lines[0] ?? '';
}

describe('cli > option sources > environment', () => {
  it('sets an option from LYAP_ + its long name in upper snake case', async () => {
    const r = await parse(['train'], { LYAP_PROBE_EVERY: '5', LYAP_K_LYAPUNOV: '3', LYAP_HIDDEN: '64,32' });
    assert.equal(r.flags?.['probeEvery'], 5);
    assert.equal(r.flags?.['kLyapunov'], 3);
    assert.deepEqual(r.flags?.['hidden'], [64, 32]);
    assert.equal(r.flags?.['steps'], 200, 'the rest keep their defaults');
  });

  it('takes true/false, 1/0, yes/no, on/off for a switch', async () => {
    for (const [text, value] of [
      ['true', true],
      ['1', true],
      ['YES', true],
      ['on', true],
      ['false', false],
      ['0', false],
      ['no', false],
      ['off', false],
    ] as const) {
      const r = await parse(['train'], { LYAP_ACCEPT_UNSIGNED_COMMANDS: text });
      assert.equal(r.flags?.['acceptUnsignedCommands'], value, text);
    }
    assert.equal(
      await usageError(['train'], { LYAP_ACCEPT_UNSIGNED_COMMANDS: 'maybe' }),
      "lyap: LYAP_ACCEPT_UNSIGNED_COMMANDS: --accept-unsigned-commands is a switch: use true or false, got 'maybe'",
    );
  });

  it('rejects a bad value through the option’s own parser and choices, naming the variable', async () => {
    assert.equal(
      await usageError(['train'], { LYAP_STEPS: 'abc' }),
      "lyap: LYAP_STEPS: --steps must be a positive integer, got 'abc'",
    );
    assert.equal(
      await usageError(['control'], { LYAP_MODE: 'steer' }),
      "lyap: LYAP_MODE: --mode must be one of observe, advise, control, got 'steer'",
    );
    assert.equal(
      await usageError(['control'], { LYAP_ALPHA: '-1' }),
      "lyap: LYAP_ALPHA: --alpha must be a positive number, got '-1'",
    );
  });

  it('treats an empty variable as unset and ignores LYAP_* variables that name no option', async () => {
    const r = await parse(['train'], {
      LYAP_STEPS: '',
      LYAP_CONTROL_KEY: 'secret',
      LYAP_TF_BACKEND: 'cpu',
      LYAP_NOT_AN_OPTION: 'x',
    });
    assert.equal(r.error, undefined, r.stderr);
    assert.equal(r.flags?.['steps'], 200);
    assert.equal(r.flags?.['backend'], undefined, 'LYAP_TF_BACKEND stays with train, not --backend');
  });

  it('lets a mandatory option come from the environment, and still requires it', async () => {
    const r = await parse(['replay'], { LYAP_INPUT: 'events.jsonl' });
    assert.equal(r.flags?.['input'], 'events.jsonl');
    assert.equal(await usageError(['replay']), "error: required option '-i, --input <file>' not specified");
  });

  it('sets a negated switch (--no-x) through its positive name', async () => {
    const live = async (args: readonly string[], env: NodeJS.ProcessEnv): Promise<unknown> => {
      let value: unknown;
      const program = new Command('lyap').exitOverride();
      program.addCommand(
        new Command('demo')
          .option('--no-live', 'no live page')
          .exitOverride()
          .action((opts: { live: boolean }) => {
            value = opts.live;
          }),
      );
      addOptionSources(program, env);
      await program.parseAsync([...args], { from: 'user' });
      return value;
    };
    assert.equal(await live(['demo'], {}), true);
    assert.equal(await live(['demo'], { LYAP_LIVE: 'false' }), false);
    assert.equal(await live(['demo', '--config', file('live.yaml', 'demo:\n  live: false\n')], {}), false);
    assert.equal(await live(['demo', '--no-live'], { LYAP_LIVE: 'true' }), false);
  });
});

describe('cli > option sources > config file', () => {
  it('sets options from JSON: kebab-case or camelCase keys, top level or the command’s section', async () => {
    const json = file(
      'train.json',
      JSON.stringify({ steps: 30, window: 7, train: { 'probe-every': 4, kSharpness: 2, hidden: [64, 32] } }),
    );
    const r = await parse(['train', '--config', json]);
    assert.equal(r.error, undefined, r.stderr);
    assert.equal(r.flags?.['steps'], 30);
    assert.equal(r.flags?.['probeEvery'], 4);
    assert.equal(r.flags?.['kSharpness'], 2);
    assert.deepEqual(r.flags?.['hidden'], [64, 32]);
    const replay = await parse(['replay', '-i', 'x.jsonl', '--config', json]);
    assert.equal(replay.flags?.['window'], 7, 'a top-level key applies to every command that has it');
  });

  it('sets options from YAML (.yaml and .yml), switches as booleans', async () => {
    const text = 'topic-prefix: test.\ntrain:\n  probeEvery: 3\n  accept-unsigned-commands: true\n';
    for (const name of ['c.yaml', 'c.yml']) {
      const r = await parse(['train', '--config', file(name, text)]);
      assert.equal(r.error, undefined, r.stderr);
      assert.equal(r.flags?.['probeEvery'], 3);
      assert.equal(r.flags?.['acceptUnsignedCommands'], true);
      assert.equal(r.flags?.['topicPrefix'], 'test.');
    }
  });

  it('lets the command’s section win over a top-level key', async () => {
    const yaml = file('section.yaml', 'steps: 30\ntrain:\n  steps: 40\n');
    assert.equal((await parse(['train', '--config', yaml])).flags?.['steps'], 40);
  });

  it('is found through LYAP_CONFIG too', async () => {
    const yaml = file('via-env.yaml', 'train:\n  steps: 12\n');
    assert.equal((await parse(['train'], { LYAP_CONFIG: yaml })).flags?.['steps'], 12);
  });

  it('rejects an unknown key anywhere in the file, whichever command runs', async () => {
    const top = file('top.json', JSON.stringify({ frobnicate: 1 }));
    assert.equal(
      await usageError(['train', '--config', top]),
      `lyap: ${top}: frobnicate: unknown option: no lyap command has --frobnicate`,
    );
    const section = file('other.yaml', 'control:\n  probeEvery: 3\n');
    assert.equal(
      await usageError(['train', '--config', section]),
      `lyap: ${section}: control.probeEvery: unknown option: lyap control has no --probe-every`,
    );
    const nested = file('nested.yaml', 'config: other.yaml\n');
    assert.match(
      await usageError(['train', '--config', nested]),
      /config: a config file cannot name another/,
    );
  });

  it('rejects a bad value through the option’s parser, naming the file and key', async () => {
    const yaml = file('bad.yaml', 'train:\n  steps: abc\n  dataset: mnist\n');
    assert.equal(
      await usageError(['train', '--config', yaml]),
      `lyap: ${yaml}: train.steps: --steps must be a positive integer, got 'abc'`,
    );
    const mapped = file('mapped.json', JSON.stringify({ train: { out: { file: 'x' } } }));
    assert.equal(
      await usageError(['train', '--config', mapped]),
      `lyap: ${mapped}: train.out: --out takes a string, a number or a list of them, got a mapping`,
    );
  });

  it('fails in one line on a missing, malformed, non-mapping or unsupported file', async () => {
    assert.match(
      await usageError(['train', '--config', join(dir, 'missing.yaml')]),
      /^lyap: cannot read config file .*missing\.yaml: ENOENT/,
    );
    const badJson = file('bad.json', '{"steps": 1,}');
    assert.match(
      await usageError(['train', '--config', badJson]),
      /^lyap: config file .*bad\.json is not valid JSON: /,
    );
    const badYaml = file('bad2.yaml', 'train:\n  steps: [1\n');
    assert.match(
      await usageError(['train', '--config', badYaml]),
      /^lyap: config file .*bad2\.yaml is not valid YAML: /,
    );
    const list = file('list.yaml', '- steps\n');
    assert.match(await usageError(['train', '--config', list]), /must hold a mapping of option names/);
    assert.equal(
      await usageError(['train', '--config', 'lyap.toml']),
      'lyap: config file lyap.toml: use a .json, .yaml or .yml file',
    );
  });
});

describe('cli > option sources > precedence', () => {
  const config = file('precedence.yaml', 'train:\n  steps: 30\n');
  const steps = async (args: readonly string[], env: NodeJS.ProcessEnv) =>
    (await parse(['train', ...args], env)).flags?.['steps'];

  it('is flag > environment > config file > default', async () => {
    assert.equal(await steps(['--steps', '10', '--config', config], { LYAP_STEPS: '20' }), 10);
    assert.equal(await steps(['--config', config, '--steps', '10'], { LYAP_STEPS: '20' }), 10);
    assert.equal(await steps(['--config', config], { LYAP_STEPS: '20' }), 20);
    assert.equal(await steps(['--config', config], {}), 30);
    assert.equal(await steps([], {}), 200);
  });

  it('does not parse a value the command line overrides', async () => {
    assert.equal(await steps(['--steps', '10'], { LYAP_STEPS: 'abc' }), 10);
  });
});
