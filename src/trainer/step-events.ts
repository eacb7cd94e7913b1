import type { GradientEvent, Probe, TrajectoryEvent } from '../events/index.js';
import type { ParamLayout } from './params.js';
import type { StepStats } from './sgd-step.js';

export interface StepRecord {
  readonly runId: string;
  readonly ts: number;
  readonly step: number;
  readonly lr: number;
  readonly batchSize: number;
  readonly stats: StepStats;
  readonly layout: ParamLayout;
  readonly cmdSeq: number | undefined;
  readonly stepMs: number;
  readonly probeMs: number | undefined;
  readonly probe: Probe | undefined;
}

export function gradientEvent(r: StepRecord): GradientEvent {
  const event: GradientEvent = {
    v: 1,
    type: 'gradient',
    runId: r.runId,
    ts: r.ts,
    step: r.step,
    lr: r.lr,
    loss: r.stats.loss,
    gradNorm: r.stats.gradNorm,
    batchSize: r.batchSize,
  };
  if (r.layout.blocks.length > 1) {
    event.layerGradNorms = Object.fromEntries(
      r.layout.blocks.map((block, i) => [block.name, r.stats.blockGradNorms[i] ?? Number.NaN]),
    );
  }
  if (r.cmdSeq !== undefined) event.cmdSeq = r.cmdSeq;
  event.stepMs = r.stepMs;
  if (r.probeMs !== undefined) event.probeMs = r.probeMs;
  if (r.probe !== undefined) event.probe = r.probe;
  return event;
}

/** ‖θ[t]‖, ‖θ[t+1] − θ[t]‖, ‖θ[t] − θ[0]‖ and the cosine between this update and the previous one. */
export function trajectoryEvent(r: StepRecord): TrajectoryEvent {
  const { stats } = r;
  const event: TrajectoryEvent = {
    v: 1,
    type: 'trajectory',
    runId: r.runId,
    ts: r.ts,
    step: r.step,
    paramNorm: stats.paramNorm,
    updateNorm: stats.updateNorm,
    distanceFromInit: stats.distanceFromInit,
  };
  const denominator = stats.updateNorm * stats.previousUpdateNorm;
  if (r.step > 0 && denominator > 0) event.cosPrevUpdate = stats.updateDot / denominator;
  return event;
}
