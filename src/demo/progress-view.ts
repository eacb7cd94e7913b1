import type { AlertEvent } from '../events/index.js';
import type { BoardRun } from './run-board.js';

/** A number in at most about nine characters: four significant digits, exponent when tiny or huge. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  return abs >= 1e4 || abs < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

const cell = (text: string, width: number): string => text.padEnd(width);

/**
 * One run's progress as one line, columns aligned across runs given the widest run id:
 * step, loss, lr, sharpness λ_max, η·λ_max, top Lyapunov exponent λ₁ and regime (from the
 * last estimate), the last learning-rate command, and the alert firing, if any.
 */
export function progressLine(run: BoardRun, idWidth: number): string {
  const e = run.lastEstimate;
  const stepWidth = String(run.totalSteps).length;
  const parts = [
    cell(run.runId, idWidth),
    `step ${String(run.stepsDone).padStart(stepWidth)}/${run.totalSteps}`,
    `loss ${cell(formatNumber(run.loss), 9)}`,
    `lr ${cell(formatNumber(run.lr), 9)}`,
    `λmax ${cell(e === undefined || e.window === 0 ? '-' : formatNumber(e.sharpness), 9)}`,
    `η·λmax ${cell(e === undefined || e.window === 0 ? '-' : formatNumber(e.stabilityRatio), 9)}`,
    `λ₁ ${cell(e?.lyapunov[0] === undefined ? '-' : formatNumber(e.lyapunov[0]), 9)}`,
    cell(e?.regime ?? '-', 10),
    cell(commandText(run), 24),
  ];
  if (run.firing !== undefined) parts.push(`ALERT ${run.firing}`);
  if (run.status !== 'running') parts.push(`[${run.status}]`);
  return parts.join('  ').trimEnd();
}

function commandText(run: BoardRun): string {
  const c = run.lastCommand;
  if (c === undefined) return 'no command yet';
  const advice = c.advisory === true ? ' advised' : '';
  return `${c.reason}${advice} ${formatNumber(c.previousLr)}→${formatNumber(c.lr)} @${c.basedOnStep}`;
}

/** The progress lines of every run, aligned. */
export function progressLines(runs: readonly BoardRun[]): string[] {
  const idWidth = Math.max(0, ...runs.map((r) => r.runId.length));
  return runs.map((r) => progressLine(r, idWidth));
}

/** An alert as the demo prints it when it fires or resolves. */
export function alertLine(alert: AlertEvent): string {
  const tag =
    alert.state === 'firing' ? `${alert.severity.toUpperCase()} ${alert.name}` : `resolved ${alert.name}`;
  return `alert: ${tag}: ${alert.message}`;
}
