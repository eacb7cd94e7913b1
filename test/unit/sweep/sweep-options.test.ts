import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveControllerConfig } from '../../../src/controller/index.js';
import { controllerConfig, probeSettings } from '../../../src/sweep/child-run.js';
import { planFirstPhase, planSchedulePhase } from '../../../src/sweep/plan.js';
import { PRESETS } from '../../../src/sweep/presets.js';
import { resolveSweepConfig } from '../../../src/sweep/sweep-options.js';
import {
  DENSE_BURST_EVERY_PROBES,
  DENSE_LYAPUNOV_BURST,
  lyapunovBursts,
} from '../../../src/trainer/lyapunov-bursts.js';
import { DENSE_SHARPNESS_EVERY_PROBES, sharpnessEvery } from '../../../src/trainer/sharpness-schedule.js';
import { lyap } from '../../helpers/cli.js';

describe('sweep > resolveSweepConfig', () => {
  it("passes --min-curvature and --sharpness-rounds to every run's probe, and leaves the trainer's defaults without them", () => {
    const r = resolveSweepConfig('quick', { jobs: 1, minCurvature: true, sharpnessRounds: 20 });
    assert.ok(r.ok);
    const probe = probeSettings(r.config);
    assert.equal(probe.minCurvature, true);
    assert.equal(probe.sharpnessIterations, 20);
    const plain = resolveSweepConfig('quick', { jobs: 1 });
    assert.ok(plain.ok);
    assert.equal('minCurvature' in plain.config || 'sharpnessRounds' in plain.config, false);
    const defaults = probeSettings(plain.config);
    assert.equal(defaults.minCurvature, undefined);
    assert.equal(defaults.sharpnessIterations, undefined);
    assert.equal(defaults.every, PRESETS.quick.probeEvery);
    // λ_max every 4 probes by default (the trainer's); the science preset measures it at every probe.
    assert.equal(defaults.sharpnessEvery, 4 * PRESETS.quick.probeEvery);
    const science = resolveSweepConfig('science', { jobs: 1 });
    assert.ok(science.ok);
    assert.deepEqual(
      (({ every, minCurvature, sharpnessIterations, sharpnessEvery }) => ({
        every,
        minCurvature,
        sharpnessIterations,
        sharpnessEvery,
      }))(probeSettings(science.config)),
      { every: 10, minCurvature: true, sharpnessIterations: 20, sharpnessEvery: 10 },
    );
    assert.equal(planFirstPhase(science.config).length, 18);
    const off = resolveSweepConfig('quick', { jobs: 1, sharpnessEvery: 7 });
    assert.deepEqual(off.ok ? [] : off.problems, [
      '--sharpness-every: λ_max every 7 steps must fall on probes: a positive multiple of 5',
    ]);
  });

  it("runs the dense schedule unless --probe-schedule default asks for the trainer's own", () => {
    const probeEvery = PRESETS.controller.probeEvery;
    const dense = resolveSweepConfig('controller', { jobs: 1 });
    assert.ok(dense.ok);
    assert.equal('probeSchedule' in dense.config, false);
    const denseProbe = probeSettings(dense.config);
    assert.deepEqual(
      [
        denseProbe.sharpnessEvery,
        denseProbe.lyapunovEvery,
        denseProbe.lyapunovBurst,
        denseProbe.lyapunovDiscard,
      ],
      [
        DENSE_SHARPNESS_EVERY_PROBES * probeEvery,
        DENSE_BURST_EVERY_PROBES * probeEvery,
        DENSE_LYAPUNOV_BURST,
        DENSE_LYAPUNOV_BURST / 2,
      ],
    );
    const own = resolveSweepConfig('controller', { jobs: 1, probeSchedule: 'default' });
    assert.ok(own.ok);
    assert.equal(own.config.probeSchedule, 'default');
    const ownProbe = probeSettings(own.config);
    // What `lyap train` runs with at the same probe spacing.
    assert.deepEqual(
      [ownProbe.sharpnessEvery, ownProbe.lyapunovEvery, ownProbe.lyapunovBurst, ownProbe.lyapunovDiscard],
      [
        sharpnessEvery(probeEvery),
        lyapunovBursts(probeEvery).lyapunovEvery,
        lyapunovBursts(probeEvery).lyapunovBurst,
        lyapunovBursts(probeEvery).lyapunovDiscard,
      ],
    );
    assert.notEqual(ownProbe.sharpnessEvery, denseProbe.sharpnessEvery);
    // --sharpness-every still overrides either schedule's λ_max.
    const chosen = resolveSweepConfig('controller', {
      jobs: 1,
      probeSchedule: 'default',
      sharpnessEvery: 20,
    });
    assert.ok(chosen.ok);
    assert.equal(probeSettings(chosen.config).sharpnessEvery, 20);
  });

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

  it('takes --controller-start-lr as a list of one, and groups from --models × --losses', () => {
    const r = resolveSweepConfig('controller', { jobs: 1, controllerStartLr: 0.3, models: ['mlp'] });
    assert.ok(r.ok);
    assert.deepEqual(r.config.controllerStartLrs, [0.3]);
    assert.deepEqual(r.config.groups, [
      { model: 'mlp', loss: 'cross-entropy', momentum: 0 },
      { model: 'mlp', loss: 'mse', momentum: 0 },
    ]);
    const g = resolveSweepConfig('quick', {
      jobs: 1,
      groups: [
        { model: 'mlp', loss: 'cross-entropy', momentum: 0.9 },
        { model: 'cnn', loss: 'mse', momentum: 0 },
        { model: 'mlp', loss: 'cross-entropy', momentum: 0.9 },
      ],
      controllerStartLrs: [1, 0.01],
      rules: ['edge', 'edge'],
    });
    assert.ok(g.ok);
    assert.equal(g.config.groups.length, 2);
    assert.deepEqual(
      [g.config.models, g.config.losses],
      [
        ['mlp', 'cnn'],
        ['cross-entropy', 'mse'],
      ],
    );
    assert.deepEqual([g.config.controllerStartLrs, g.config.rules], [[0.01, 1], ['edge']]);
  });

  it('names what is missing or unusable', () => {
    const r = resolveSweepConfig('tiny', { jobs: 1, dataset: 'cifar10', lrs: [], probeEvery: 40 });
    assert.ok(!r.ok);
    assert.deepEqual(r.problems, [
      '--dataset cifar10 needs --data-dir pointing at the extracted cifar-10-batches-bin folder',
      '--lrs must name at least one learning rate',
      '--probe-every 40 leaves no probes in 40 steps',
    ]);
    const both = resolveSweepConfig('tiny', {
      jobs: 1,
      groups: [{ model: 'mlp', loss: 'mse', momentum: 0 }],
      losses: ['mse'],
      controllerStartLr: 1,
      controllerStartLrs: [1],
    });
    assert.ok(!both.ok);
    assert.deepEqual(both.problems, [
      '--groups lists the groups itself: give it or --models/--losses, not both',
      '--controller-start-lr is a list of one --controller-start-lrs: give one of them',
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

  it("keeps the existing presets' run ids and their meaning: ctl<α> is the quasi-newton rule from the one starting rate", () => {
    const quick = resolveSweepConfig('quick', { jobs: 1 });
    assert.ok(quick.ok);
    assert.deepEqual(
      planFirstPhase(quick.config).map((s) => s.id),
      [...[0.02, 0.04, 0.08, 0.16, 0.32, 0.64].map((lr) => `mlp-ce-lr${lr}-s1`), 'mlp-ce-ctl1-s1'],
    );
    const ctl = planFirstPhase(quick.config).at(-1);
    assert.deepEqual([ctl?.rule, ctl?.alpha, ctl?.lr], ['quasi-newton', 1, 0.1]);
    const tiny = resolveSweepConfig('tiny', { jobs: 1 });
    assert.ok(tiny.ok);
    assert.deepEqual(
      planFirstPhase(tiny.config).map((s) => s.id),
      ['mlp-ce-lr0.5-s1', 'mlp-ce-lr1-s1', 'mlp-ce-ctl1-s1'],
    );
  });

  it('plans the controller preset: four groups, every rule from five rates, the quasi-newton one at α = 1', () => {
    const r = resolveSweepConfig('controller', { jobs: 1 });
    assert.ok(r.ok);
    const specs = planFirstPhase(r.config);
    const { lrs, seeds, groups, controllerStartLrs } = r.config;
    assert.deepEqual(
      groups.map((g) => [g.model, g.loss, g.momentum]),
      [
        ['mlp', 'cross-entropy', 0],
        ['mlp', 'mse', 0],
        ['cnn', 'cross-entropy', 0],
        ['mlp', 'cross-entropy', 0.9],
      ],
    );
    assert.deepEqual(seeds, [1, 2, 3]);
    assert.deepEqual(controllerStartLrs, [1e-3, 1e-2, 1e-1, 1, 10]);
    assert.equal(specs.length, 4 * 3 * (lrs.length + 3 * 5));
    assert.equal(new Set(specs.map((s) => s.id)).size, specs.length);
    assert.ok(specs.every((s) => /^[A-Za-z0-9._:-]+$/.test(s.id)));
    const byId = new Map(specs.map((s) => [s.id, s]));
    const edge = byId.get('mlp-ce-m0.9-edge-from0.001-s1');
    assert.deepEqual(
      [edge?.group, edge?.rule, edge?.lr, edge?.momentum, edge?.alpha],
      ['mlp-ce-m0.9', 'edge', 0.001, 0.9, undefined],
    );
    const qn = byId.get('cnn-ce-ctl1-from10-s3');
    assert.deepEqual([qn?.rule, qn?.alpha, qn?.lr, qn?.momentum], ['quasi-newton', 1, 10, undefined]);
    assert.ok(byId.has('mlp-mse-gradient-newton-from1-s2'));
    assert.ok(byId.has('mlp-ce-m0.9-lr0.05-s3'));
    // The grid brackets the best rates measured: 0.5 to 1 for the MLP, about a tenth of it with momentum 0.9.
    assert.ok((lrs[0] ?? 1) <= 0.01 && (lrs.at(-1) ?? 0) >= 2);
    const cosine = planSchedulePhase(r.config, new Map([['mlp-ce-m0.9', 0.1]]));
    assert.deepEqual(
      cosine.map((s) => [s.id, s.momentum]),
      seeds.map((seed) => [`mlp-ce-m0.9-cosine0.1-s${seed}`, 0.9]),
    );
  });

  it("gives each controller arm's rule to the controller, and α to the quasi-newton rule only", () => {
    const r = resolveSweepConfig('controller-tiny', { jobs: 1 });
    assert.ok(r.ok);
    const arms = planFirstPhase(r.config).filter((s) => s.arm === 'controller');
    assert.deepEqual(
      arms.map((s) => s.id),
      [
        'mlp-ce-edge-from0.01-s1',
        'mlp-ce-edge-from10-s1',
        'mlp-ce-gradient-newton-from0.01-s1',
        'mlp-ce-gradient-newton-from10-s1',
        'mlp-ce-ctl1-from0.01-s1',
        'mlp-ce-ctl1-from10-s1',
      ],
    );
    for (const spec of arms) {
      const c = controllerConfig(spec, r.config);
      assert.deepEqual(
        [c.rule, c.alpha, c.mode],
        [spec.rule, spec.rule === 'quasi-newton' ? 1 : undefined, 'control'],
      );
      assert.equal(resolveControllerConfig(c).rule, spec.rule);
    }
  });

  it("gives --target-ratio, --warmup-ratio and --polyak-ratio to every controller arm, and keeps the controller's defaults without them", () => {
    const given = resolveSweepConfig('controller-tiny', {
      jobs: 1,
      targetRatio: 1.3,
      warmupRatio: 3.5,
      polyakRatio: 0.8,
    });
    const plain = resolveSweepConfig('controller-tiny', { jobs: 1 });
    assert.ok(given.ok && plain.ok);
    const spec = planFirstPhase(given.config).find((s) => s.arm === 'controller');
    assert.ok(spec !== undefined);
    const set = resolveControllerConfig(controllerConfig(spec, given.config));
    assert.deepEqual([set.targetRatio, set.warmupRatio, set.polyakRatio], [1.3, 3.5, 0.8]);
    const defaults = resolveControllerConfig({});
    const kept = resolveControllerConfig(controllerConfig(spec, plain.config));
    assert.deepEqual(
      [kept.targetRatio, kept.warmupRatio, kept.polyakRatio],
      [defaults.targetRatio, defaults.warmupRatio, 0],
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

  it('rejects an unknown --probe-schedule, naming the choices (exit 2)', async () => {
    const r = await lyap(['sweep', '--probe-schedule', 'sparse', '--out', '/nonexistent/never-written']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--probe-schedule.*'sparse' is invalid\. Allowed choices are dense, default/);
  });

  it('rejects a negative --polyak-ratio (0 turns the floor off), exit 2', async () => {
    const r = await lyap(['sweep', '--polyak-ratio', '-0.5', '--out', '/nonexistent/never-written']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--polyak-ratio.*a number >= 0/);
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
      ['--rules', 'edge,fast'],
      ['--controller-start-lrs', '0.1,-1'],
      ['--groups', 'mlp-ce,mlp-hinge'],
      ['--groups', 'mlp-ce-m1'],
      ['--spike-horizon', '0'],
    ]) {
      const r = await lyap(['sweep', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, new RegExp(`${args[0]} must be`));
    }
  });
});
