import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REGIMES, stabilityBound } from '../dynamics/index.js';
import { isKnownLrCommandReason, type LyapEvent, type RunConfig } from '../events/index.js';
import { ControlLoop } from './control-loop.js';
import { METRIC } from './names.js';
import { RunSeries } from './run-series.js';

export interface LyapMetricsOptions {
  registry?: Registry;
  /** Series of a run that ended or went silent this long ago are removed. */
  runTtlMs?: number;
  /** Runs with series at once; samples of more runs are refused and counted. */
  maxRuns?: number;
  /** Node.js process metrics (CPU, memory, event loop) under the default names. */
  processMetrics?: boolean;
}

/** Seconds: the bus and processor lag, from a millisecond to a minute. */
const LAG_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds: estimate → command → applied at a step boundary; steps take ms to seconds. */
const LOOP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The metrics of docs/design.md on an explicit registry (never the global one), fed by the
 * events a process sees (`observe`). Per-run series carry `run_id` and are removed
 * `runTtlMs` after the run ended or went silent (`sweep`, also run on every scrape).
 */
export class LyapMetrics {
  readonly registry: Registry;
  private readonly series: RunSeries;
  private readonly configs = new Map<string, RunConfig>();
  private readonly loop = new ControlLoop();
  private readonly clock: () => number;

  readonly loss: Gauge<'run_id'>;
  readonly learningRate: Gauge<'run_id'>;
  readonly gradNorm: Gauge<'run_id'>;
  readonly trainingStep: Gauge<'run_id'>;
  readonly lyapunovExponent: Gauge<'run_id' | 'k'>;
  readonly curvature: Gauge<'run_id' | 'k'>;
  readonly hessianMaxEigenvalue: Gauge<'run_id'>;
  readonly stabilityRatio: Gauge<'run_id'>;
  readonly batchSharpness: Gauge<'run_id'>;
  readonly batchStabilityRatio: Gauge<'run_id'>;
  readonly stabilityBound: Gauge<'run_id'>;
  readonly regime: Gauge<'run_id' | 'regime'>;
  readonly lrCommandsTotal: Counter<'run_id' | 'reason'>;
  readonly eventsTotal: Counter<'topic'>;
  readonly eventsInvalidTotal: Counter<'topic' | 'reason'>;
  readonly eventLagSeconds: Histogram;
  readonly controlLoopSeconds: Histogram;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly trainerInfo: Gauge<'backend' | 'model'>;
  readonly runsRefusedTotal: Counter;

  constructor(options: LyapMetricsOptions = {}, clock: () => number = Date.now) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    this.clock = clock;
    this.series = new RunSeries(options.runTtlMs ?? 300_000, options.maxRuns ?? 1_000);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const perRun = { labelNames: ['run_id'] as const, registers };
    this.loss = new Gauge({
      name: METRIC.loss,
      help: 'Training loss of the last step (NaN when diverged).',
      ...perRun,
    });
    this.learningRate = new Gauge({
      name: METRIC.learningRate,
      help: 'Learning rate used by the last step.',
      ...perRun,
    });
    this.gradNorm = new Gauge({
      name: METRIC.gradNorm,
      help: 'Norm of the minibatch gradient of the last step.',
      ...perRun,
    });
    this.trainingStep = new Gauge({ name: METRIC.trainingStep, help: 'Last training step seen.', ...perRun });
    this.lyapunovExponent = new Gauge({
      name: METRIC.lyapunovExponent,
      help: 'Finite-time Lyapunov exponent k (per step, window mean of the Benettin local exponents).',
      labelNames: ['run_id', 'k'] as const,
      registers,
    });
    this.curvature = new Gauge({
      name: METRIC.curvature,
      help: 'Hessian curvature (Ritz value) paired with Lyapunov exponent k.',
      labelNames: ['run_id', 'k'] as const,
      registers,
    });
    this.hessianMaxEigenvalue = new Gauge({
      name: METRIC.hessianMaxEigenvalue,
      help: 'Sharpness: the top Hessian eigenvalue lambda_max (window median).',
      ...perRun,
    });
    this.stabilityRatio = new Gauge({
      name: METRIC.stabilityRatio,
      help: 'Learning rate times sharpness; 2 is the gradient-descent stability bound.',
      ...perRun,
    });
    this.batchSharpness = new Gauge({
      name: METRIC.batchSharpness,
      help: "Batch sharpness: curvature along the step's own gradient on its minibatch (window median).",
      ...perRun,
    });
    this.batchStabilityRatio = new Gauge({
      name: METRIC.batchStabilityRatio,
      help: "Learning rate times batch sharpness; SGD's own stability edge is near 2.",
      ...perRun,
    });
    this.stabilityBound = new Gauge({
      name: METRIC.stabilityBound,
      help: 'The bound the stability ratios are judged against: 2, or 2(1 + momentum) with heavy-ball momentum.',
      ...perRun,
    });
    this.regime = new Gauge({
      name: METRIC.regime,
      help: 'Training regime: 1 for the current one, 0 for the others.',
      labelNames: ['run_id', 'regime'] as const,
      registers,
    });
    this.lrCommandsTotal = new Counter({
      name: METRIC.lrCommandsTotal,
      help: 'Learning-rate commands issued, by reason.',
      labelNames: ['run_id', 'reason'] as const,
      registers,
    });
    this.eventsTotal = new Counter({
      name: METRIC.eventsTotal,
      help: 'Events consumed, by topic.',
      labelNames: ['topic'] as const,
      registers,
    });
    this.eventsInvalidTotal = new Counter({
      name: METRIC.eventsInvalidTotal,
      help: 'Events dead-lettered, by topic and reason.',
      labelNames: ['topic', 'reason'] as const,
      registers,
    });
    this.eventLagSeconds = new Histogram({
      name: METRIC.eventLagSeconds,
      help: 'Time from an event being produced (its ts) to being processed.',
      buckets: LAG_BUCKETS_SECONDS,
      registers,
    });
    this.controlLoopSeconds = new Histogram({
      name: METRIC.controlLoopSeconds,
      help: 'Time from the estimate behind a learning-rate command to the training step that applied it.',
      buckets: LOOP_BUCKETS_SECONDS,
      registers,
    });
    this.consumerLag = new Gauge({
      name: METRIC.consumerLag,
      help: 'Messages behind the end of the partition, per consumed topic and partition.',
      labelNames: ['topic', 'partition'] as const,
      registers,
    });
    const configs = this.configs;
    this.trainerInfo = new Gauge({
      name: METRIC.trainerInfo,
      help: 'Live runs by TensorFlow.js backend and model.',
      labelNames: ['backend', 'model'] as const,
      registers,
      collect() {
        this.reset();
        for (const c of configs.values()) this.inc({ backend: c.backend, model: c.model });
      },
    });
    const series = this.series;
    new Gauge({
      name: METRIC.liveRuns,
      help: 'Runs that currently have per-run series.',
      registers,
      collect() {
        this.set(series.size);
      },
    });
    this.runsRefusedTotal = new Counter({
      name: METRIC.runsRefusedTotal,
      help: 'Samples of runs refused because the run cap was reached.',
      registers,
    });
  }

  /** A consumed event: counted by topic, its lag observed, and recorded. */
  consumed(event: LyapEvent, topic: string, nowMs: number = this.clock()): void {
    this.eventsTotal.inc({ topic });
    const lagSeconds = (nowMs - event.ts) / 1000;
    if (lagSeconds >= 0) this.eventLagSeconds.observe(lagSeconds);
    this.record(event, nowMs);
  }

  /** Updates the per-run series from an event (consumed, or produced by this process). */
  record(event: LyapEvent, nowMs: number = this.clock()): void {
    if (event.type === 'dead-letter' || event.type === 'alert') return;
    if (!this.series.admit(event.runId, nowMs)) {
      this.runsRefusedTotal.inc();
      return;
    }
    const run_id = event.runId;
    switch (event.type) {
      case 'run':
        if (event.phase === 'start') this.configs.set(run_id, event.config);
        else {
          this.configs.delete(run_id);
          this.series.ended(run_id, nowMs);
        }
        break;
      case 'gradient': {
        this.set(METRIC.loss, this.loss, { run_id }, event.loss);
        this.set(METRIC.learningRate, this.learningRate, { run_id }, event.lr);
        this.set(METRIC.gradNorm, this.gradNorm, { run_id }, event.gradNorm);
        this.set(METRIC.trainingStep, this.trainingStep, { run_id }, event.step);
        const loopMs = this.loop.applied(event);
        if (loopMs !== undefined) this.controlLoopSeconds.observe(loopMs / 1000);
        break;
      }
      case 'estimate':
        event.lyapunov.forEach((x, k) => {
          this.set(METRIC.lyapunovExponent, this.lyapunovExponent, { run_id, k: String(k) }, x);
        });
        event.curvature.forEach((x, k) => {
          this.set(METRIC.curvature, this.curvature, { run_id, k: String(k) }, x);
        });
        if (event.window > 0) {
          this.set(METRIC.hessianMaxEigenvalue, this.hessianMaxEigenvalue, { run_id }, event.sharpness);
          this.set(METRIC.stabilityRatio, this.stabilityRatio, { run_id }, event.stabilityRatio);
        }
        if (event.batchSharpness !== undefined && event.batchStabilityRatio !== undefined) {
          this.set(METRIC.batchSharpness, this.batchSharpness, { run_id }, event.batchSharpness);
          this.set(
            METRIC.batchStabilityRatio,
            this.batchStabilityRatio,
            { run_id },
            event.batchStabilityRatio,
          );
        }
        this.set(METRIC.stabilityBound, this.stabilityBound, { run_id }, stabilityBound(event.momentum));
        for (const regime of REGIMES)
          this.set(METRIC.regime, this.regime, { run_id, regime }, regime === event.regime ? 1 : 0);
        this.loop.estimate(event);
        break;
      case 'lr-command': {
        // A newer controller's reasons are accepted (docs/events.md) but counted as `other`: the
        // label's values stay the known, bounded set whatever is written to the control topic.
        const reason = isKnownLrCommandReason(event.reason) ? event.reason : 'other';
        this.lrCommandsTotal.inc({ run_id, reason });
        this.series.track(run_id, JSON.stringify([METRIC.lrCommandsTotal, { run_id, reason }]));
        this.loop.command(event);
        break;
      }
      case 'trajectory':
        break;
    }
  }

  /** A consumed payload that was dead-lettered. */
  lag(topic: string, partition: number, messages: number): void {
    this.consumerLag.set({ topic, partition: String(partition) }, messages);
  }

  invalid(topic: string, reason: string): void {
    this.eventsTotal.inc({ topic });
    this.eventsInvalidTotal.inc({ topic, reason });
  }

  /** Removes the series of runs past their TTL. */
  sweep(nowMs: number = this.clock()): void {
    for (const { runId, labelSets } of this.series.expire(nowMs)) {
      for (const key of labelSets) {
        const [name, labels] = JSON.parse(key) as [string, Record<string, string>];
        const metric = this.registry.getSingleMetric(name) as Gauge | Counter | undefined;
        metric?.remove(labels);
      }
      this.configs.delete(runId);
      this.loop.forget(runId);
    }
  }

  async render(): Promise<string> {
    this.sweep();
    return this.registry.metrics();
  }

  private set<L extends 'run_id' | 'k' | 'regime'>(
    name: string,
    gauge: Gauge<L>,
    labels: Record<L, string> & { run_id: string },
    value: number,
  ): void {
    gauge.set(labels, value);
    this.series.track(labels.run_id, JSON.stringify([name, labels]));
  }
}
