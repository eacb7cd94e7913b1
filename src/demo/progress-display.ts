import type { RunBoard } from './run-board.js';
import { progressLines } from './progress-view.js';

export interface ProgressDisplayOptions {
  board: RunBoard;
  write: (text: string) => void;
  /** On a terminal the lines are redrawn in place; elsewhere they are logged. */
  tty: boolean;
  /** Terminal width: longer lines are cut so that each stays one row (redrawing counts rows). */
  columns?: number;
  /** Fewest milliseconds between redraws on a terminal (200: at most 5 per second). */
  minRedrawMs?: number;
  /** Off a terminal, a run's line is logged every this many steps (and at its end). */
  logEverySteps: number;
  clock?: () => number;
}

const ERASE_DOWN = '\u001b[J';
const up = (rows: number): string => (rows > 0 ? `\u001b[${rows}F` : '');

/**
 * The runs' progress. On a terminal: one line per run, redrawn in place at most every
 * `minRedrawMs`, with notes (alerts, messages) printed above it. Off a terminal (pipes, CI):
 * no escape codes, each run's line every `logEverySteps` steps, and notes as lines.
 */
export class ProgressDisplay {
  private readonly minRedrawMs: number;
  private readonly clock: () => number;
  private drawnRows = 0;
  private lastDrawMs = -Infinity;
  private readonly loggedAt = new Map<string, number>();

  constructor(private readonly options: ProgressDisplayOptions) {
    this.minRedrawMs = options.minRedrawMs ?? 200;
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Something changed: redraw (throttled) or log the runs that crossed a multiple of logEverySteps. */
  update(): void {
    if (this.options.tty) {
      if (this.clock() - this.lastDrawMs >= this.minRedrawMs) this.redraw();
      return;
    }
    const runs = this.options.board.runs;
    const lines = progressLines(runs);
    const every = Math.max(1, this.options.logEverySteps);
    runs.forEach((run, i) => {
      const last = this.loggedAt.get(run.runId) ?? 0;
      const due =
        Math.floor(run.stepsDone / every) > Math.floor(last / every) ||
        (run.status !== 'running' && run.stepsDone !== last);
      if (due) {
        this.loggedAt.set(run.runId, run.stepsDone);
        this.options.write(`${lines[i] ?? ''}\n`);
      }
    });
  }

  /** A line printed above the progress lines (on a terminal) or in the log. */
  note(line: string): void {
    if (!this.options.tty) {
      this.options.write(`${line}\n`);
      return;
    }
    this.options.write(`${up(this.drawnRows)}${ERASE_DOWN}${line}\n`);
    this.drawnRows = 0;
    this.redraw();
  }

  /** The final state, drawn or logged whatever the throttle says. */
  finish(): void {
    if (this.options.tty) this.redraw();
    else this.update();
  }

  private redraw(): void {
    const columns = this.options.columns;
    // The lines hold only single-unit characters (ASCII, λ, η, ₁, →), so length counts columns.
    const lines = progressLines(this.options.board.runs).map((l) =>
      columns !== undefined && columns > 1 && l.length >= columns ? l.slice(0, columns - 1) : l,
    );
    this.options.write(`${up(this.drawnRows)}${ERASE_DOWN}${lines.map((l) => `${l}\n`).join('')}`);
    this.drawnRows = lines.length;
    this.lastDrawMs = this.clock();
  }
}
