import type { RunSummary } from '../replay/summary.js';

/** A fixed-width table of the last estimate of each run. */
export function formatSummary(runs: readonly RunSummary[]): string {
  const header = [
    'run',
    'estimates',
    'last step',
    'lr',
    'lyapunov[0]',
    'curvature[0]',
    'sharpness',
    'lr·λmax',
    'regime',
  ];
  const rows = runs.map((r) => [
    r.runId,
    String(r.estimates),
    String(r.lastStep),
    num(r.lr),
    r.lyapunov[0] === undefined ? '-' : num(r.lyapunov[0]),
    r.curvature[0] === undefined ? '-' : num(r.curvature[0]),
    num(r.sharpness),
    num(r.stabilityRatio),
    r.regime,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n');
}

function num(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  return abs >= 1e4 || abs < 1e-3 ? x.toExponential(3) : x.toPrecision(4);
}
