import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { buildProgram } from '../../../src/cli/main.js';
import { MAX_K } from '../../../src/events/index.js';
import { checkTrainFlags, type TrainFlags } from '../../../src/cli/train-flags.js';
import { LyapError } from '../../../src/errors.js';
import { TRAINER_DEFAULTS, TrainerConfig } from '../../../src/trainer/config.js';

/** The flags `lyap train <args>` hands its action (which is replaced: nothing trains). */
async function trainFlags(args: readonly string[]): Promise<Record<string, unknown>> {
  let errors = '';
  const program = buildProgram(() => undefined, {
    env: {},
    writeOut: () => undefined,
    writeErr: (s) => (errors += s),
  });
  let flags: Record<string, unknown> | undefined;
  program.commands
    .find((c) => c.name() === 'train')
    ?.action((opts: Record<string, unknown>) => {
      flags = opts;
    });
  try {
    await program.parseAsync(['train', ...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new Error(errors.trim(), { cause: error });
    throw error;
  }
  assert.ok(flags, 'the action ran');
  return flags;
}

describe('cli > lyap train > options', () => {
  it('has one option per TrainerConfig setting, and no other (besides --config)', () => {
    const train = buildProgram(() => undefined, { env: {} }).commands.find((c) => c.name() === 'train');
    const attributes = (train?.options ?? []).map((o) => o.attributeName()).filter((a) => a !== 'config');
    assert.deepEqual([...attributes].sort(), Object.keys(TrainerConfig.shape).sort());
  });

  it('defaults every option from TrainerConfig', async () => {
    assert.deepEqual(await trainFlags([]), { ...TRAINER_DEFAULTS });
  });

  it('gives TrainerConfig values it accepts', async () => {
    const flags = await trainFlags(['--hidden', '64,32', '--momentum', '0.9', '--k-lyapunov', String(MAX_K)]);
    assert.deepEqual(TrainerConfig.parse(flags), flags);
  });

  it('bounds the probe subspaces by MAX_K, as the run event does', async () => {
    await assert.rejects(
      trainFlags(['--k-sharpness', String(MAX_K + 1)]),
      new RegExp(`--k-sharpness must be at most ${MAX_K}, got '${MAX_K + 1}'`),
    );
    assert.equal((await trainFlags(['--k-sharpness', '0']))['kSharpness'], 0);
  });

  it('takes --first-command-wait in whole milliseconds, off by default, and needs the probe for it', async () => {
    assert.equal((await trainFlags([]))['firstCommandWait'], 0);
    assert.equal((await trainFlags(['--first-command-wait', '10000']))['firstCommandWait'], 10_000);
    for (const bad of ['soon', '2.5', '1e4', ''])
      await assert.rejects(
        trainFlags(['--first-command-wait', bad]),
        new RegExp(`--first-command-wait must be a non-negative integer, got '${bad}'`),
      );
    const flags = (await trainFlags(['--first-command-wait', '5000', '--probe-every', '0'])) as TrainFlags;
    assert.throws(
      () => checkTrainFlags(flags, { backendFromConfig: false, env: {} }),
      (error: unknown) =>
        error instanceof LyapError &&
        error.code === 'LYAP_E_CONFIG' &&
        /--first-command-wait needs the probe/.test(error.message),
    );
  });
});
