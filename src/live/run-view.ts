import type { AlertEvent, EstimateEvent, GradientEvent, LrCommandEvent, RunEvent } from '../events/index.js';
import { DecimatedSeries } from './decimated-series.js';
import type {
  AlertItem,
  CommandItem,
  EstimateRow,
  GradientRow,
  LiveRunDelta,
  LiveRunInfo,
  LiveRunSnapshot,
} from './live-protocol.js';

/** Commands and alerts kept per run; older ones are dropped (lowest seq, oldest alert). */
export const MAX_LIST_ITEMS_PER_RUN = 200;

export interface RunViewDelta {
  run: LiveRunDelta;
  commands: CommandItem[];
  alerts: AlertItem[];
}

function measured(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * What the live page holds of one run: its info, decimated gradient and estimate series,
 * and its latest commands and alerts; plus what changed since the last `drain()`.
 * Step events at or below the newest step already held, and alerts equal to one held (same
 * `ts`, `step`, `name`, `state`), are duplicates (at-least-once delivery) and are dropped.
 */
export class RunView {
  readonly info: LiveRunInfo;
  private readonly gradients: DecimatedSeries<GradientRow>;
  private readonly estimates: DecimatedSeries<EstimateRow>;
  private readonly commands = new Map<number, CommandItem>();
  private readonly alerts: AlertItem[] = [];
  /** Step of the first gradient event reporting each applied command seq (`cmdSeq`). */
  private readonly appliedAt = new Map<number, number>();
  private readonly changedCommands = new Set<number>();
  private newAlerts: AlertItem[] = [];
  private alertsSeen = 0;
  private lastGradientStep = -1;
  private lastEstimateStep = -1;

  constructor(runId: string, maxPointsPerRun: number) {
    this.info = { runId, status: 'running' };
    this.gradients = new DecimatedSeries(maxPointsPerRun);
    this.estimates = new DecimatedSeries(maxPointsPerRun);
  }

  get finished(): boolean {
    return this.info.status !== 'running';
  }

  /** Whether the event changed anything (false for duplicates). */
  ingest(event: RunEvent | GradientEvent | EstimateEvent | LrCommandEvent | AlertEvent): boolean {
    switch (event.type) {
      case 'run':
        this.onRun(event);
        return true;
      case 'gradient':
        return this.onGradient(event);
      case 'estimate':
        return this.onEstimate(event);
      case 'lr-command':
        this.onCommand(event);
        return true;
      case 'alert':
        return this.onAlert(event);
    }
  }

  snapshot(): LiveRunSnapshot {
    return {
      info: { ...this.info },
      gradients: this.gradients.settled(),
      estimates: this.estimates.settled(),
    };
  }

  commandItems(): CommandItem[] {
    return [...this.commands.values()].map((c) => ({ ...c }));
  }

  alertItems(): AlertItem[] {
    return this.alerts.map((a) => ({ ...a }));
  }

  drain(): RunViewDelta {
    const run: LiveRunDelta = { info: { ...this.info } };
    const gradients = this.gradients.drain();
    if (gradients !== undefined) run.gradients = gradients;
    const estimates = this.estimates.drain();
    if (estimates !== undefined) run.estimates = estimates;
    const commands: CommandItem[] = [];
    for (const seq of this.changedCommands) {
      const item = this.commands.get(seq);
      if (item !== undefined) commands.push({ ...item });
    }
    this.changedCommands.clear();
    const alerts = this.newAlerts;
    this.newAlerts = [];
    return { run, commands, alerts };
  }

  private onRun(event: RunEvent): void {
    const { config } = event;
    Object.assign(this.info, {
      model: config.model,
      dataset: config.dataset,
      optimizer: config.optimizer,
      backend: config.backend,
      initialLr: config.lr,
      batchSize: config.batchSize,
      kLyapunov: config.probe.kLyapunov,
    });
    if (event.phase === 'start') {
      this.info.status = 'running';
      this.info.startedTs = event.ts;
      delete this.info.endedTs;
    } else {
      this.info.status = event.status ?? 'completed';
      this.info.endedTs = event.ts;
    }
  }

  private onGradient(event: GradientEvent): boolean {
    if (event.step <= this.lastGradientStep) return false;
    this.lastGradientStep = event.step;
    const loss = measured(event.loss);
    this.gradients.push([event.step, loss, event.lr]);
    Object.assign(this.info, { step: event.step, loss, lr: event.lr });
    if (event.cmdSeq !== undefined && !this.appliedAt.has(event.cmdSeq)) {
      this.appliedAt.set(event.cmdSeq, event.step);
      trimOldest(this.appliedAt);
      const command = this.commands.get(event.cmdSeq);
      if (command !== undefined && command.appliedAtStep === undefined) {
        command.appliedAtStep = event.step;
        this.changedCommands.add(command.seq);
      }
    }
    return true;
  }

  private onEstimate(event: EstimateEvent): boolean {
    if (event.step <= this.lastEstimateStep) return false;
    this.lastEstimateStep = event.step;
    const row: EstimateRow = {
      step: event.step,
      lr: event.lr,
      sharpness: event.sharpness,
      stabilityRatio: event.stabilityRatio,
      lyapunov: [...event.lyapunov],
      curvature: [...event.curvature],
      regime: event.regime,
    };
    if (event.batchStabilityRatio !== undefined) row.batchStabilityRatio = event.batchStabilityRatio;
    this.estimates.push(row);
    Object.assign(this.info, {
      regime: event.regime,
      sharpness: event.sharpness,
      stabilityRatio: event.stabilityRatio,
    });
    return true;
  }

  private onCommand(event: LrCommandEvent): void {
    const item: CommandItem = {
      id: `${event.runId}#${event.seq}`,
      runId: event.runId,
      seq: event.seq,
      ts: event.ts,
      basedOnStep: event.basedOnStep,
      lr: event.lr,
      previousLr: event.previousLr,
      reason: event.reason,
      advisory: event.advisory === true,
    };
    if (event.sharpness !== undefined) item.sharpness = event.sharpness;
    const applied = this.appliedAt.get(event.seq);
    if (applied !== undefined && !item.advisory) item.appliedAtStep = applied;
    this.commands.set(event.seq, item);
    this.changedCommands.add(event.seq);
    if (this.commands.size > MAX_LIST_ITEMS_PER_RUN) {
      const oldest = Math.min(...this.commands.keys());
      this.commands.delete(oldest);
      this.changedCommands.delete(oldest);
    }
  }

  private onAlert(event: AlertEvent): boolean {
    const duplicate = this.alerts.some(
      (a) => a.ts === event.ts && a.step === event.step && a.name === event.name && a.state === event.state,
    );
    if (duplicate) return false;
    const item: AlertItem = {
      id: `${event.runId}#${this.alertsSeen}`,
      runId: event.runId,
      ts: event.ts,
      step: event.step,
      name: event.name,
      severity: event.severity,
      state: event.state,
      message: event.message,
      value: measured(event.value),
    };
    this.alertsSeen += 1;
    this.alerts.push(item);
    this.newAlerts.push(item);
    if (this.alerts.length > MAX_LIST_ITEMS_PER_RUN) this.alerts.shift();
    if (this.newAlerts.length > MAX_LIST_ITEMS_PER_RUN) this.newAlerts.shift();
    return true;
  }
}

function trimOldest(map: Map<number, number>): void {
  if (map.size <= MAX_LIST_ITEMS_PER_RUN) return;
  const first = map.keys().next();
  if (first.done !== true) map.delete(first.value);
}
