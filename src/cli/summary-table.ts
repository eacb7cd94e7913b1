import type { BaselineComparison } from '../demo/comparison.js';
import type { DemoRunSummary } from '../demo/run-summary.js';
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
  return table(header, rows);
}

/**
 * A fixed-width table of each run of `lyap demo` at its end; with a comparison, a column of each
 * run's training accuracy against the best constant rate's (points) and a line saying which
 * rate that is and where it comes from.
 */
export function formatDemoSummary(runs: readonly DemoRunSummary[], comparison?: BaselineComparison): string {
  const best = comparison?.best.accuracy;
  const header = [
    'run',
    'status',
    'steps',
    'lr start → end',
    'first update lr',
    'final loss',
    'train acc',
    ...(best === undefined ? [] : ['vs best constant']),
    'median λmax',
    'η·λmax',
    'lyapunov[0]',
    'regimes seen',
    'commands applied/sent',
    'alerts fired',
  ];
  const opt = (x: number | undefined): string => (x === undefined ? '-' : num(x));
  const rows = runs.map((r) => [
    r.runId,
    r.status,
    String(r.steps),
    `${num(r.initialLr)} → ${num(r.finalLr)}`,
    opt(r.firstUpdateLr),
    num(r.finalLoss),
    r.accuracy === undefined ? '-' : `${(100 * r.accuracy).toFixed(1)}%`,
    ...(best === undefined ? [] : [r.accuracy === undefined ? '-' : points(r.accuracy - best)]),
    opt(r.medianSharpness),
    opt(r.stabilityRatio),
    opt(r.topExponent),
    r.regimes.length === 0 ? '-' : r.regimes.join(', '),
    `${r.commandsApplied}/${r.commandsSent}`,
    r.criticalFired > 0 ? `${r.alertsFired} (${r.criticalFired} critical)` : String(r.alertsFired),
  ]);
  const text = table(header, rows);
  if (comparison === undefined || best === undefined) return text;
  const b = comparison.best;
  return (
    `${text}\n` +
    `best constant rate: lr ${num(b.lr)}, train acc ${(100 * best).toFixed(1)}%, final loss ${num(b.finalLoss)}: ` +
    `${comparison.source}\n`
  );
}

/** A difference of two shares in percentage points, signed, one decimal (−0.0 shown as 0.0). */
function points(diff: number): string {
  const p = Math.round(1000 * diff) / 10;
  return `${p > 0 ? '+' : p < 0 ? '−' : ''}${Math.abs(p).toFixed(1)} pt`;
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n');
}

function num(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  return abs >= 1e4 || abs < 1e-3 ? x.toExponential(3) : x.toPrecision(4);
}
