// How far the probes' λ_max and h_min had converged in each run of a sweep folder: over the
// last half of each run's probes that measured the sharpness, the median top Ritz residual
// ‖Hu − θu‖/|θ|, the median h_min residual (when tracked) and the median Rayleigh–Ritz rounds.
// Usage: npx tsx scripts/probe-convergence.ts <sweep folder>
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent } from '../src/events/index.js';
import { median } from '../src/sweep/stats.js';

const dir = process.argv[2];
if (dir === undefined || !existsSync(join(dir, 'runs'))) {
  console.error('usage: npx tsx scripts/probe-convergence.ts <sweep folder with runs/>');
  process.exit(2);
}
const shown = (x: number | undefined): string => (x === undefined ? '-' : String(Number(x.toPrecision(2))));
console.log('| run | probes | λ_max residual | h_min residual | rounds |');
console.log('| --- | --- | --- | --- | --- |');
for (const run of readdirSync(join(dir, 'runs')).sort()) {
  const path = join(dir, 'runs', run, 'gradients.jsonl');
  if (!existsSync(path)) continue;
  const probes = readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const decoded = line.trim() === '' ? undefined : decodeEvent(line);
      return decoded?.ok === true &&
        decoded.event.type === 'gradient' &&
        decoded.event.probe?.sharpness !== undefined
        ? [decoded.event.probe]
        : [];
    });
  const late = probes.slice(Math.floor(probes.length / 2));
  console.log(
    `| ${run} | ${late.length} | ${shown(median(late.map((p) => p.sharpness?.residual ?? Number.NaN)))} | ` +
      `${shown(median(late.map((p) => p.minCurvature?.residual ?? Number.NaN)))} | ` +
      `${shown(median(late.map((p) => p.sharpness?.iterations ?? 1)))} |`,
  );
}
