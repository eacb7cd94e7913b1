import type {
  AlertEvent,
  EstimateEvent,
  GradientEvent,
  LrCommandEvent,
  Regime,
  RunStatus,
} from '../events/index.js';

/** Minibatch losses the final loss is the mean of (one minibatch is too noisy to compare runs). */
export const FINAL_LOSS_STEPS = 20;

/** What the demo knows of one run, from its steps, estimates, commands and alerts. */
export interface BoardRun {
  readonly runId: string;
  readonly initialLr: number;
  readonly totalSteps: number;
  status: RunStatus | 'running';
  stepsDone: number;
  /**
   * The rate of the first step that updated θ (a rate above 0: the warm-up's measurement step
   * has lr 0): the starting rate, or the controller's first command when the trainer waited for
   * it before any update (`--first-command-wait`).
   */
  firstUpdateLr: number | undefined;
  lr: number;
  loss: number;
  /** The last FINAL_LOSS_STEPS minibatch losses, oldest first. */
  recentLosses: number[];
  lastEstimate: EstimateEvent | undefined;
  /** Sharpness of every estimate with a non-empty window. */
  sharpness: number[];
  /** Regimes in the order first seen, with how many estimates reported each. */
  regimes: Map<Regime, number>;
  lastCommand: LrCommandEvent | undefined;
  commandsSent: number;
  commandsApplied: number;
  /** Training accuracy at the end (see trainingAccuracy), when the model can tell. */
  accuracy: number | undefined;
  alertsFired: number;
  criticalFired: number;
  /** The alert firing now, if any. */
  firing: string | undefined;
}

/**
 * The runs of a demo as plain records, fed by events in the order they arrive. Events of
 * runs it was not told about are ignored. Pure: what the display and the summary read.
 */
export class RunBoard {
  private readonly byId = new Map<string, BoardRun>();

  add(runId: string, initialLr: number, totalSteps: number): void {
    this.byId.set(runId, {
      runId,
      initialLr,
      totalSteps,
      status: 'running',
      stepsDone: 0,
      firstUpdateLr: undefined,
      lr: initialLr,
      loss: Number.NaN,
      recentLosses: [],
      lastEstimate: undefined,
      sharpness: [],
      regimes: new Map(),
      lastCommand: undefined,
      commandsSent: 0,
      commandsApplied: 0,
      accuracy: undefined,
      alertsFired: 0,
      criticalFired: 0,
      firing: undefined,
    });
  }

  get runs(): readonly BoardRun[] {
    return [...this.byId.values()];
  }

  get(runId: string): BoardRun | undefined {
    return this.byId.get(runId);
  }

  gradient(g: GradientEvent): void {
    const run = this.byId.get(g.runId);
    if (run === undefined) return;
    run.stepsDone = g.step + 1;
    if (run.firstUpdateLr === undefined && g.lr > 0) run.firstUpdateLr = g.lr;
    run.lr = g.lr;
    run.loss = g.loss;
    run.recentLosses.push(g.loss);
    if (run.recentLosses.length > FINAL_LOSS_STEPS) run.recentLosses.shift();
  }

  estimate(e: EstimateEvent): void {
    const run = this.byId.get(e.runId);
    if (run === undefined) return;
    if (run.lastEstimate !== undefined && e.step <= run.lastEstimate.step) return;
    run.lastEstimate = e;
    if (e.window > 0) run.sharpness.push(e.sharpness);
    run.regimes.set(e.regime, (run.regimes.get(e.regime) ?? 0) + 1);
  }

  command(c: LrCommandEvent): void {
    const run = this.byId.get(c.runId);
    if (run === undefined) return;
    run.lastCommand = c;
    run.commandsSent++;
  }

  alert(a: AlertEvent): void {
    const run = this.byId.get(a.runId);
    if (run === undefined) return;
    if (a.state === 'firing') {
      run.alertsFired++;
      if (a.severity === 'critical') run.criticalFired++;
      run.firing = a.name;
    } else if (run.firing === a.name) {
      run.firing = undefined;
    }
  }

  finish(runId: string, result: { status: RunStatus; commandsApplied: number; accuracy?: number }): void {
    const run = this.byId.get(runId);
    if (run === undefined) return;
    run.status = result.status;
    run.commandsApplied = result.commandsApplied;
    run.accuracy = result.accuracy;
  }
}
