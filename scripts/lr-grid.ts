// The controller against a constant-learning-rate grid on MNIST with the MLP (issue 5's
// note): final training loss after N steps for constant rates over three decades, and for
// the quasi-Newton controller started from the grid's two ends. Everything runs in-process
// over a MemoryBus: trainer, processor, controller (control mode, default rule settings).
// Usage: npm run lr-grid [-- --steps 300 --backend wasm --out bench/results/lr-grid.json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { runClosedLoop } from '../src/loop/index.js';
import { createProblem, selectBackend, type BackendName } from '../src/trainer/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '300' },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'bench/results/lr-grid.json' },
  },
});
const steps = Number(values.steps);
const GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const LAST = 20;

const backend = await selectBackend({ requested: values.backend as BackendName | 'auto' });
const problem = createProblem({ dataset: 'mnist', model: 'mlp', hidden: [128], seed: 1 });

interface Row {
  run: string;
  startLr: number;
  finalLr: number;
  finalLoss: number;
  commands: number;
  seconds: number;
}

async function one(run: string, lr: number, controlled: boolean): Promise<Row> {
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
      probe: { every: 5, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      lrBounds: { minLr: 1e-6, maxLr: 10 },
    },
    ...(controlled ? { controller: { mode: 'control' as const } } : {}),
  });
  const losses = r.gradients.slice(-LAST).map((g) => g.loss);
  return {
    run,
    startLr: lr,
    finalLr: r.session.lr,
    finalLoss: losses.reduce((a, b) => a + b, 0) / losses.length,
    commands: r.commands.length,
    seconds: (performance.now() - started) / 1000,
  };
}

const rows: Row[] = [];
for (const lr of GRID) rows.push(await one(`constant-${lr}`, lr, false));
rows.push(await one('controller-from-0.001', GRID[0] ?? 0.001, true));
rows.push(await one('controller-from-1', GRID.at(-1) ?? 1, true));

const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(4) : String(x));
console.log(
  `MNIST MLP 784-128-10, batch 64, ${steps} steps, backend ${backend.name}; loss = mean of the last ${LAST} minibatch losses\n`,
);
console.log('| run | start lr | final lr | final loss | commands | seconds |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.run} | ${r.startLr} | ${fmt(r.finalLr)} | ${fmt(r.finalLoss)} | ${r.commands} | ${r.seconds.toFixed(1)} |`,
  );
}
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(
  values.out,
  JSON.stringify({ date: new Date().toISOString(), steps, backend: backend.name, rows }, null, 2) + '\n',
);
console.log(`\nwrote ${values.out}`);
