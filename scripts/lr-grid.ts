// The controller's rules against a constant-learning-rate grid, on the demo's problem (the
// MNIST MLP 784-128-10, batch 64, a probe every 5 steps with Lyapunov bursts, seed 1): the
// training accuracy on the demo's 2,000 digits after N steps, the final loss, and what each
// controller command cost. Every run is in-process over a MemoryBus: trainer, processor and,
// for the rules, the controller in control mode, the trainer taking its warm-up measurement
// step and waiting for the first decision (as the demo does).
// Usage: npm run lr-grid -- --help
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONTROL_RULES, type ControlRule } from '../src/controller/index.js';
import { trainingAccuracy } from '../src/demo/accuracy.js';
import type { LrCommandEvent } from '../src/events/index.js';
import { runClosedLoop } from '../src/loop/index.js';
import { appliedCommands, commandEffects } from '../src/sweep/command-effects.js';
import { smoothedLoss } from '../src/sweep/smoothed-loss.js';
import { median } from '../src/sweep/stats.js';
import { SPIKE_FACTOR } from '../src/sweep/sweep-config.js';
import { createProblem, selectBackend, type BackendName } from '../src/trainer/index.js';
import { denseLyapunovBursts } from '../src/trainer/lyapunov-bursts.js';
import { ScriptArgsError, scriptArgs } from './script-args.js';

const USAGE = `Usage: npm run lr-grid -- [--steps 600] [--backend auto] [--rules ${CONTROL_RULES.join(',')}]
       [--starts 0.0125,0.5,20] [--grid 0.0125,0.05,0.125,0.25,0.5,1,2] [--out bench/results/lr-grid.json]

The controller's rules against a grid of constant rates on the demo's problem (MNIST MLP
784-128-10, batch 64, probe every 5, seed 1), each run in-process over a MemoryBus; prints the
table and writes it as JSON (docs/controller.md).

  --steps <n>       steps per run (default 600)
  --backend <name>  TensorFlow.js backend: auto, wasm, cpu, node, node-gpu (default auto)
  --rules <list>    controller rules to run from each start, comma-separated, or none
  --starts <list>   the controlled runs' starting rates
  --grid <list>     the constant rates
  --out <file>      the JSON report`;

const numbers = (list: string, flag: string): number[] => {
  const xs = list.split(',').map(Number);
  if (xs.some((x) => !(x > 0))) throw new ScriptArgsError(`${flag} must be positive numbers, got '${list}'`);
  return xs;
};
const { steps, grid, starts, rules, backendName, out } = scriptArgs(
  {
    name: 'lr-grid',
    usage: USAGE,
    options: {
      steps: { type: 'string', default: '600' },
      backend: { type: 'string', default: 'auto' },
      rules: { type: 'string', default: CONTROL_RULES.join(',') },
      starts: { type: 'string', default: '0.0125,0.5,20' },
      grid: { type: 'string', default: '0.0125,0.05,0.125,0.25,0.5,1,2' },
      out: { type: 'string', default: 'bench/results/lr-grid.json' },
    },
  },
  ({ values }) => {
    const rules = values.rules === 'none' ? [] : values.rules.split(',');
    for (const rule of rules) {
      if (!(CONTROL_RULES as readonly string[]).includes(rule))
        throw new ScriptArgsError(`--rules: unknown rule '${rule}' (${CONTROL_RULES.join(', ')})`);
    }
    const steps = Number(values.steps);
    if (!(Number.isSafeInteger(steps) && steps > 0))
      throw new ScriptArgsError(`--steps ${values.steps}: expected a positive integer`);
    return {
      steps,
      grid: numbers(values.grid, '--grid'),
      starts: numbers(values.starts, '--starts'),
      rules: rules as ControlRule[],
      backendName: values.backend,
      out: values.out,
    };
  },
);
const LAST = 50;
const PROBE_EVERY = 5;

const backend = await selectBackend({ requested: backendName as BackendName | 'auto' });
const problem = createProblem({ dataset: 'mnist', model: 'mlp', hidden: [128], seed: 1 });

interface Row {
  run: string;
  startLr: number;
  finalLr: number;
  accuracy: number | undefined;
  finalLoss: number;
  /** Median of the estimates' batch sharpness (itself a window median) over the last 100 steps. */
  lateBatchSharpness: number | undefined;
  commands: number;
  /** The warm-up command's rate and the curvature max(λ_max, BS) at θ0 it was set from. */
  warmUp: { lr: number; curvature: number | undefined } | undefined;
  guardUndos: number;
  /** Applied commands after which the loss (EMA, half-life 20 steps) passed 2× its running minimum within 50 steps (the sweep's rule). */
  spikes: number;
  seconds: number;
}

async function one(run: string, lr: number, rule: ControlRule | undefined): Promise<Row> {
  const started = performance.now();
  const r = await runClosedLoop({
    trainer: {
      runId: run,
      model: problem.model,
      dataset: problem.dataset,
      backend: backend.reportedName,
      lr,
      batchSize: 64,
      steps,
      seed: 1,
      probe: {
        every: PROBE_EVERY,
        kLyapunov: 1,
        kSharpness: 1,
        hvp: 'forward',
        eps0: 1e-3,
        ...denseLyapunovBursts(PROBE_EVERY),
      },
      lrBounds: { minLr: 1e-6, maxLr: 10 },
      ...(rule === undefined ? {} : { firstCommandWaitMs: 10_000 }),
    },
    ...(rule === undefined ? {} : { controller: { mode: 'control' as const, rule, lrMax: 10 } }),
  });
  const losses = r.gradients.map((g) => g.loss);
  const applied = appliedCommands(r.gradients, lr);
  const diverged = losses.findIndex((l) => !Number.isFinite(l));
  const effects = commandEffects(applied, smoothedLoss(losses, 20), {
    horizonSteps: 50,
    factor: SPIKE_FACTOR,
    ...(diverged < 0 ? {} : { divergedAtStep: diverged }),
  });
  const last = losses.slice(-LAST);
  return {
    run,
    startLr: lr,
    finalLr: r.session.lr,
    accuracy: trainingAccuracy(problem.model, r.session.theta, problem.dataset),
    finalLoss: last.reduce((a, b) => a + b, 0) / last.length,
    lateBatchSharpness: median(
      r.estimates.flatMap((e) =>
        e.step >= steps - 100 && e.batchSharpness !== undefined ? [e.batchSharpness] : [],
      ),
    ),
    commands: applied.length,
    warmUp: warmUpOf(r.commands.find((c) => c.reason === 'warm-up')),
    guardUndos: r.commands.filter((c) => c.reason === 'guard').length,
    spikes: effects.filter((e) => e.spike).length,
    seconds: (performance.now() - started) / 1000,
  };
}

function warmUpOf(c: LrCommandEvent | undefined): Row['warmUp'] {
  return c === undefined ? undefined : { lr: c.lr, curvature: c.sharpness };
}

const rows: Row[] = [];
for (const lr of grid) rows.push(await one(`constant-${lr}`, lr, undefined));
for (const rule of rules) {
  for (const lr of starts) rows.push(await one(`${rule}-from-${lr}`, lr, rule));
}

const fmt = (x: number | undefined): string =>
  x === undefined ? '–' : Number.isFinite(x) ? x.toPrecision(4) : String(x);
const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(100 * x).toFixed(2)} %`);
console.log(
  `MNIST MLP 784-128-10, batch 64, ${steps} steps, probe every ${PROBE_EVERY}, backend ${backend.name}; ` +
    `training accuracy on the demo's 2,000 digits; loss = mean of the last ${LAST} minibatch losses\n`,
);
console.log(
  '| run | start lr | warm-up lr (curvature at θ0) | final lr | accuracy | final loss | late BS | commands | guard undos | spikes | seconds |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.run} | ${r.startLr} | ${r.warmUp === undefined ? '–' : `${fmt(r.warmUp.lr)} (${fmt(r.warmUp.curvature)})`} | ${fmt(r.finalLr)} | ${pct(r.accuracy)} | ${fmt(r.finalLoss)} | ${fmt(r.lateBatchSharpness)} | ${r.commands} | ` +
      `${r.guardUndos} | ${r.spikes} | ${r.seconds.toFixed(1)} |`,
  );
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), steps, backend: backend.name, rows }, null, 2) + '\n',
);
console.log(`\nwrote ${out}`);
