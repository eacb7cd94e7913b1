import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lyap } from '../../helpers/cli.js';

describe('cli > lyap train > usage and errors', () => {
  it('lists every option in --help', async () => {
    const r = await lyap(['train', '--help']);
    assert.equal(r.code, 0);
    for (const flag of [
      '--dataset',
      '--model',
      '--hidden',
      '--channels',
      '--activation',
      '--loss',
      '--lr ',
      '--momentum',
      '--batch',
      '--steps',
      '--epochs',
      '--seed',
      '--probe-every',
      '--k-lyapunov',
      '--k-sharpness',
      '--hvp',
      '--eps0',
      '--shadow',
      '--backend',
      '--data-dir',
      '--samples',
      '--downsample',
      '--dim',
      '--noise',
      '--spectrum',
      '--out',
      '--run-id',
      '--buffer-events',
      '--topic-prefix',
      '--accept-unsigned-commands',
      '--lr-min',
      '--lr-max',
      '--first-command-wait',
    ]) {
      assert.ok(r.stdout.includes(flag), flag);
    }
  });

  it('rejects bad values with one clear line and exit code 2', async () => {
    const bad = await lyap(['train', '--lr', 'fast']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--lr must be a positive number, got 'fast'/);
    const wait = await lyap(['train', '--first-command-wait', 'soon']);
    assert.equal(wait.code, 2);
    assert.match(wait.stderr, /--first-command-wait must be a non-negative integer, got 'soon'/);
    const id = await lyap(['train', '--run-id', 'has spaces']);
    assert.equal(id.code, 2);
    assert.match(id.stderr, /--run-id must be 1-128 characters/);
    const every = await lyap(['train', '--probe-every', '10', '--sharpness-every', '15']);
    assert.equal(every.code, 2);
    assert.match(
      every.stderr,
      /--sharpness-every: λ_max every 15 steps must fall on probes: a positive multiple of 10/,
    );
    const pair = await lyap(['train', '--dataset', 'least-squares', '--model', 'cnn', '--backend', 'cpu']);
    assert.equal(pair.code, 2);
    assert.match(pair.stderr, /^lyap: the cnn model needs image inputs.*\(LYAP_E_CONFIG\)$/m);
  });

  it('fails clearly with exit code 2 when a forced backend is not installed, by flag or LYAP_TF_BACKEND', async () => {
    const flag = await lyap(['train', '--backend', 'node-gpu']);
    assert.equal(flag.code, 2);
    assert.match(
      flag.stderr,
      /backend 'node-gpu' is not available.*npm install @tensorflow\/tfjs-node-gpu@4\.22\.0.*\(LYAP_E_CONFIG\)/,
    );
    const env = await lyap(['train'], { env: { LYAP_TF_BACKEND: 'node' } });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /backend 'node' is not available/);
    const unknown = await lyap(['train'], { env: { LYAP_TF_BACKEND: 'tpu' } });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /LYAP_TF_BACKEND must be one of/);
  });
});
