import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planFirstPhase, planSchedulePhase } from '../../../src/sweep/plan.js';
import { PRESETS } from '../../../src/sweep/presets.js';
import { resolveSweepConfig } from '../../../src/sweep/sweep-options.js';
import { lyap } from '../../helpers/cli.js';

describe('sweep > resolveSweepConfig', () => {
  it('starts from the preset and applies the overrides, sorted and without repeats', () => {
    const r = resolveSweepConfig('quick', {
      jobs: 3,
      lrs: [0.3, 0.1, 0.3],
      losses: ['mse'],
      targetLoss: 0.2,
    });
    assert.ok(r.ok);
    assert.deepEqual(r.config.lrs, [0.1, 0.3]);
    assert.deepEqual(r.config.losses, ['mse']);
    assert.deepEqual(r.config.targetLoss, { 'cross-entropy': 0.2, mse: 0.2 });
    assert.equal(r.config.steps, PRESETS.quick.steps);
    assert.equal(r.config.jobs, 3);
  });

  it('names what is missing or unusable', () => {
    const r = resolveSweepConfig('tiny', { jobs: 1, dataset: 'cifar10', lrs: [], probeEvery: 40 });
    assert.ok(!r.ok);
    assert.deepEqual(r.problems, [
      '--dataset cifar10 needs --data-dir pointing at the extracted cifar-10-batches-bin folder',
      '--lrs must name at least one learning rate',
      '--probe-every 40 leaves no probes in 40 steps',
    ]);
  });
});

describe('sweep > plan', () => {
  it('plans every rate, seed, model and loss, and each controller arm, with unique ids', () => {
    const r = resolveSweepConfig('full', { jobs: 1 });
    assert.ok(r.ok);
    const specs = planFirstPhase(r.config);
    const { lrs, seeds, alphas, models, losses } = r.config;
    assert.equal(specs.length, models.length * losses.length * seeds.length * (lrs.length + alphas.length));
    assert.equal(new Set(specs.map((s) => s.id)).size, specs.length);
    assert.ok(specs.every((s) => /^[A-Za-z0-9._:-]+$/.test(s.id)));
    const schedules = planSchedulePhase(r.config, new Map([['cnn-mse', 0.16]]));
    assert.deepEqual(
      schedules.map((s) => [s.id, s.lr, s.schedule]),
      seeds.map((seed) => [`cnn-mse-cosine0.16-s${seed}`, 0.16, 'cosine']),
    );
  });

  it('sizes the full preset as the issue asks: ≥ 6 rates over ≥ 1.5 decades, 3 seeds, α ∈ {0.5, 1, 2}', () => {
    const { lrs, seeds, alphas, models, losses, schedules } = PRESETS.full;
    assert.ok(lrs.length >= 6 && Math.log10((lrs.at(-1) ?? 0) / (lrs[0] ?? 1)) >= 1.5);
    assert.equal(seeds.length, 3);
    assert.deepEqual(alphas, [0.5, 1, 2]);
    assert.deepEqual(
      [models, losses],
      [
        ['mlp', 'cnn'],
        ['cross-entropy', 'mse'],
      ],
    );
    assert.ok(schedules.length >= 1);
    const q = PRESETS.quick;
    assert.ok(q.lrs.length >= 6 && Math.log10((q.lrs.at(-1) ?? 0) / (q.lrs[0] ?? 1)) >= 1.5);
    assert.deepEqual(q.alphas, [1]);
  });
});

describe('cli > lyap sweep > usage errors', () => {
  it('rejects a bad --lrs with one clear line and exit code 2', async () => {
    const r = await lyap(['sweep', '--lrs', '0.1,fast', '--out', '/nonexistent/never-written']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--lrs must be a comma-separated list of positive numbers, got '0\.1,fast'/);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes('--lrs')).length, 1);
  });

  it('rejects --dataset cifar10 without --data-dir (exit 2)', async () => {
    const r = await lyap(['sweep', '--dataset', 'cifar10', '--out', '/nonexistent/never-written']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--dataset cifar10 needs --data-dir/);
  });

  it('rejects unknown losses and models', async () => {
    for (const args of [
      ['--losses', 'ce,hinge'],
      ['--models', 'resnet'],
      ['--seeds', '1,-2'],
      ['--alphas', '0'],
    ]) {
      const r = await lyap(['sweep', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, new RegExp(`${args[0]} must be`));
    }
  });
});
