// Where each run of a sweep folder trained, on the two scales a learning-rate rule can aim at:
// over a window of steps, the median of η·‖g‖²/L over every step (the rate against the Polyak
// step L/‖g‖²: 1 where they meet) and the mean of η·BS over the probes (the batch sharpness,
// the `edge` rule's scale). A rule pins a rate only where its ratio moves with η; the constant
// runs at several rates show how much (docs/controller.md, "A floor from the loss").
// Usage: npx tsx scripts/run-ratios.ts <sweep folder with runs/> [--from 60] [--to 150]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent, type GradientEvent } from '../src/events/index.js';
import { mean, median } from '../src/sweep/stats.js';
import { ScriptArgsError, scriptArgs } from './script-args.js';

const { dir, from, to } = scriptArgs(
  {
    name: 'run-ratios',
    usage: `Usage: npx tsx scripts/run-ratios.ts <sweep folder> [--from 60] [--to 150]

Per run of the folder's runs/: the median of lr·gradNorm²/loss over the steps in [from, to) and
the mean of lr·batchSharpness over the probes in it, from the run's gradients.jsonl.`,
    allowPositionals: true,
    options: { from: { type: 'string', default: '60' }, to: { type: 'string', default: '150' } },
  },
  ({ values, positionals }) => {
    const [dir, extra] = positionals;
    if (dir === undefined || extra !== undefined) throw new ScriptArgsError('expected one sweep folder');
    if (!existsSync(join(dir, 'runs'))) throw new ScriptArgsError(`${dir} has no runs/ folder`);
    const from = Number(values.from);
    const to = Number(values.to);
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to))
      throw new ScriptArgsError(`--from ${values.from} --to ${values.to}: expected integers, 0 <= from < to`);
    return { dir, from, to };
  },
);

const shown = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(2));

console.log(`| run | steps | η·‖g‖²/L, median | probes | η·BS, mean |  (steps ${from}–${to - 1})`);
console.log('| --- | --- | --- | --- | --- |');
for (const run of readdirSync(join(dir, 'runs')).sort()) {
  const path = join(dir, 'runs', run, 'gradients.jsonl');
  if (!existsSync(path)) continue;
  const steps: GradientEvent[] = readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const decoded = line.trim() === '' ? undefined : decodeEvent(line);
      return decoded?.ok === true && decoded.event.type === 'gradient' ? [decoded.event] : [];
    })
    .filter((e) => e.step >= from && e.step < to);
  const polyak = steps
    .filter((e) => e.loss > 0 && Number.isFinite(e.loss) && Number.isFinite(e.gradNorm))
    .map((e) => (e.lr * e.gradNorm ** 2) / e.loss);
  const edge = steps.flatMap((e) => {
    const bs = e.probe?.batchSharpness;
    return bs !== undefined && Number.isFinite(bs) ? [e.lr * bs] : [];
  });
  console.log(
    `| ${run} | ${steps.length} | ${shown(median(polyak))} | ${edge.length} | ${shown(mean(edge))} |`,
  );
}
