import { mulberry32, norm } from '../dynamics/index.js';
import {
  MAX_K,
  type LyapEvent,
  type Probe,
  type ProbeConfig,
  type RunConfig,
  type RunEvent,
  type RunStatus,
} from '../events/index.js';
import { BatchSampler, type Batch } from './data/sampler.js';
import type { Dataset } from './data/dataset.js';
import type { Model } from './models/model.js';
import { waitForFirstCommand } from './first-command.js';
import { lrJumpFactor, lrJumpProblem, type LrJump } from './lr-jump.js';
import { lyapunovBurstsProblem } from './lyapunov-bursts.js';
import { sharpnessEveryProblem } from './sharpness-schedule.js';
import { scheduledLr, type ScheduleName } from './lr-schedule.js';
import type { HvpMode } from './probe/hvp.js';
import { TangentProbe } from './probe/tangent-probe.js';
import { ShadowReplica } from './shadow-replica.js';
import { applyStep, computeStep, type SgdState } from './sgd-step.js';
import { gradientEvent, trajectoryEvent, type StepRecord } from './step-events.js';
import { tf } from './tf.js';

export interface ProbeSettings {
  /** Probe every this many steps (at steps 0, every, 2·every, …); 0 turns it off. */
  every: number;
  kLyapunov: number;
  kSharpness: number;
  hvp: HvpMode;
  eps0: number;
  /** Also measure the batch sharpness gᵀHg/gᵀg along the step's gradient (one HVP); default true. */
  batchSharpness?: boolean;
  /** Rayleigh–Ritz rounds of every probe on its own minibatch (default 5, see tangent-probe.ts). */
  sharpnessIterations?: number;
  /** Rounds at the first probe and after a rate change of more than ×2 (default 20). */
  convergeIterations?: number;
  /** Ritz residuals, as a share of λ_max, under which those rounds stop (default 1e-3). */
  sharpnessTolerance?: number;
  /** Track the most negative curvature h_min beside λ_max (a product per probe and round; default false). */
  minCurvature?: boolean;
  /**
   * λ_max (and h_min) is measured every this many steps, a multiple of `every` (default `every`);
   * the probes between measure the batch sharpness and carry the Lyapunov subspace only. A probe
   * also measures it when the rate moved by more than ×2 since it last did.
   */
  sharpnessEvery?: number;
  /**
   * A Lyapunov burst starts every this many steps (default `every`); a multiple of `every`, so
   * that each burst starts on a probe.
   */
  lyapunovEvery?: number;
  /**
   * Consecutive steps the Lyapunov subspace is carried through from each burst's start (steps
   * lyapunovEvery·j … lyapunovEvery·j + lyapunovBurst − 1), each with its own minibatch
   * Jacobian; at most `lyapunovEvery`. Default 1: one step per burst.
   */
  lyapunovBurst?: number;
  /** The burst's first steps whose exponents are not counted (they re-align the subspace); default 0. */
  lyapunovDiscard?: number;
  /**
   * Sharpness iterations at most at the warm-up probe (TrainerOptions.firstCommandWaitMs),
   * stopping once the top Ritz residual is under `sharpnessTolerance`; default 20.
   */
  warmupIterations?: number;
}

export const DEFAULT_WARMUP_ITERATIONS = 20;

/** Where learning-rate changes come from; consulted at every step boundary. */
export interface LrCommandSource {
  take(step: number): { lr: number; seq: number } | undefined;
  /**
   * Resolves true as soon as a command that `take` would apply is waiting (at once if one is),
   * false after `timeoutMs` or when `signal` aborts. Needed for the warm-up.
   */
  waitForCommand?(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

export interface TrainerOptions {
  runId: string;
  model: Model;
  dataset: Dataset;
  /** The active backend's reported name, for the `run` events. */
  backend: string;
  lr: number;
  /**
   * How the rate moves from `lr` over the run (lr-schedule.ts); default `constant`. It applies
   * until the first learning-rate command; from then on the commanded rate holds.
   */
  schedule?: ScheduleName;
  /**
   * Multiplies the (scheduled) rate by `factor` from step `atStep` on, at once or over
   * `rampSteps` steps (lr-jump.ts); like the schedule, it gives way to the first learning-rate
   * command.
   */
  lrJump?: LrJump;
  momentum?: number;
  batchSize: number;
  steps: number;
  seed: number;
  probe: ProbeSettings;
  /** Takes each event; must not block (see EventBuffer). */
  emit: (event: LyapEvent) => void;
  commands?: LrCommandSource;
  /** Event timestamps, Unix ms. */
  now?: () => number;
  /** Monotonic milliseconds for stepMs / probeMs. */
  clock?: () => number;
  onStep?: (events: {
    gradient: LyapEvent & { type: 'gradient' };
    trajectory: LyapEvent & { type: 'trajectory' };
    /** θ[t+1], after the step: to read (e.g. evaluate the model), never to write or dispose. */
    theta: tf.Tensor1D;
  }) => void;
  signal?: AbortSignal;
  /**
   * Runs a shadow replica (two-trajectory method) renormalised to distance
   * `eps0 · (1 + ‖θ[0]‖)` after every step; plain SGD only (momentum 0).
   */
  shadow?: { eps0: number };
  /**
   * The warm-up (> 0, with `commands`; default 0, off): step 0 measures at θ[0] without an
   * update (lr 0, θ[1] = θ[0]) and converges the sharpness, then the run waits up to this long
   * for the first command, so that a command from that probe sets the rate of step 1.
   */
  firstCommandWaitMs?: number;
  /**
   * Resolves once every event emitted so far is published; awaited (within
   * `firstCommandWaitMs`) before the warm-up wait. Without it the loop only yields once.
   */
  flushEvents?: () => Promise<void>;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export interface TrainResult {
  status: RunStatus;
  /** The last step emitted, undefined if none was. */
  lastStep: number | undefined;
  finalLoss: number;
  /** θ after the last applied update. */
  theta: Float32Array;
  lr: number;
}

/**
 * The SGD loop. Random streams are split by purpose so that none perturbs another:
 * mulberry32(seed) initialises θ, seed + 1 orders the minibatches, seed + 2 draws the
 * probe's initial directions, seed + 5 the shadow replica's offset (the problem uses seed + 3
 * and + 4 for synthetic data). At step t: lr commands are applied (step boundary), the
 * minibatch B_t is drawn, loss, gradient and update are computed at θ[t], the probe (if due)
 * measures at θ[t] on B_t reusing that gradient, then θ[t+1] = θ[t] + u is applied and the
 * shadow replica (if any) takes the same step, and the step's gradient and trajectory events
 * are emitted. The probe and the replica read θ and the gradient and never write them, so the
 * trajectory is the same with them on or off. A non-finite loss or
 * gradient norm ends the run as `diverged` after its events are emitted. With a warm-up
 * (`firstCommandWaitMs`), step 0 is a probe at rate 0 (no update, the sharpness converged, no
 * Lyapunov or shadow step), and before step 1 the run waits for the first command.
 */
export async function train(options: TrainerOptions): Promise<TrainResult> {
  checkOptions(options);
  const { model, dataset, probe: probeSettings } = options;
  const now = options.now ?? Date.now;
  const clock = options.clock ?? (() => performance.now());
  const sampler = new BatchSampler(dataset, { batchSize: options.batchSize, seed: options.seed + 1 });
  const tangent = probeIsOn(probeSettings)
    ? new TangentProbe({ ...probeSettings, params: model.layout.size, seed: options.seed + 2 })
    : undefined;
  const lyapunovEvery = probeSettings.lyapunovEvery ?? probeSettings.every;
  const sharpnessEvery = probeSettings.sharpnessEvery ?? probeSettings.every;
  const firstCommandWaitMs = options.firstCommandWaitMs ?? 0;
  // The source the warm-up waits on; without one (or at 0 ms) there is no warm-up step.
  const warmUpCommands = firstCommandWaitMs > 0 ? options.commands : undefined;
  const warmUp = warmUpCommands !== undefined;
  const initialValues = model.init(mulberry32(options.seed));
  const initial = tf.tensor1d(initialValues);
  const shadow =
    options.shadow === undefined
      ? undefined
      : new ShadowReplica({
          theta0: initialValues,
          distance: options.shadow.eps0 * (1 + norm(initialValues)),
          seed: options.seed + 5,
        });
  const state: SgdState = {
    theta: tf.variable(initial),
    theta0: initial,
    velocity: undefined,
    previousUpdate: undefined,
  };
  const config = runConfig(options, sampler.batchSize);
  const schedule = options.schedule ?? 'constant';
  let lr = options.lr;
  let cmdSeq: number | undefined;
  let status: RunStatus = 'completed';
  let lastStep: number | undefined;
  let finalLoss = Number.NaN;

  options.emit(runEvent(options.runId, now(), 'start', config));
  try {
    for (let step = 0; step < options.steps; step++) {
      if (warmUpCommands !== undefined && step === 1) {
        const outcome = await waitForFirstCommand({
          commands: warmUpCommands,
          timeoutMs: firstCommandWaitMs,
          flushEvents: options.flushEvents,
          signal: options.signal,
          clock,
        });
        if (outcome === 'timeout') {
          options.log?.(
            'warn',
            `no learning-rate command within ${firstCommandWaitMs} ms of the warm-up probe; ` +
              `training at the starting rate ${options.lr}`,
          );
        }
      }
      if (options.signal?.aborted === true) {
        status = 'stopped';
        break;
      }
      const command = options.commands?.take(step);
      if (command !== undefined) {
        lr = command.lr;
        cmdSeq = command.seq;
      } else if (cmdSeq === undefined) {
        lr = scheduledLr(schedule, options.lr, step, options.steps) * lrJumpFactor(options.lrJump, step);
      }
      // The warm-up step measures and does not move: rate 0, and its gradient stays out of the
      // momentum buffer, which starts at step 1 as at a run's first update.
      const measuring = warmUp && step === 0;
      const stepLr = measuring ? 0 : lr;
      const batch = sampler.next();
      const loss = (theta: tf.Tensor1D): tf.Scalar => model.loss(theta, batch);
      const started = clock();
      const computed = computeStep({
        state,
        loss,
        lr: stepLr,
        momentum: measuring ? 0 : (options.momentum ?? 0),
        blocks: model.layout.blocks.length > 1 ? model.layout.blocks : [],
      });
      let stepMs = clock() - started;
      const finite = Number.isFinite(computed.stats.loss) && Number.isFinite(computed.stats.gradNorm);
      let probe: Probe | undefined;
      let probeMs: number | undefined;
      const probed = step % probeSettings.every === 0;
      const burstIndex = step % lyapunovEvery;
      // After a warm-up (J = I at rate 0: no exponent) the first burst starts at the next burst start.
      const inBurst = burstIndex < (tangent?.burstLength ?? 0) && !(warmUp && step < lyapunovEvery);
      if (tangent !== undefined && finite && (probed || inBurst)) {
        const probeStarted = clock();
        const context = {
          gradAt: gradientOn(batch, model),
          theta: state.theta,
          thetaNorm: computed.stats.paramNorm,
          grad: computed.grad,
          lr: stepLr,
        };
        // A probed step measures everything due; a burst's steps between probes carry the Lyapunov subspace on.
        probe = measuring
          ? tangent.measure(context, null, {
              converge: probeSettings.warmupIterations ?? DEFAULT_WARMUP_ITERATIONS,
            })
          : probed
            ? tangent.measure(context, inBurst ? burstIndex : null, {
                sharpness: step % sharpnessEvery === 0 || tangent.sharpnessStale(stepLr),
              })
            : tangent.propagate(context, burstIndex);
        probeMs = clock() - probeStarted;
      }
      const applyStarted = clock();
      applyStep(state, computed);
      stepMs += clock() - applyStarted;
      const separation =
        finite && !measuring
          ? shadow?.step({ gradAt: gradientOn(batch, model), lr, nextTheta: state.theta })
          : undefined;
      disposeBatch(batch);

      const record: StepRecord = {
        runId: options.runId,
        ts: now(),
        step,
        lr: stepLr,
        batchSize: sampler.batchSize,
        stats: computed.stats,
        layout: model.layout,
        cmdSeq,
        stepMs,
        probeMs,
        probe,
      };
      const gradient = gradientEvent(record);
      const trajectory = trajectoryEvent(record);
      if (separation !== undefined) trajectory.shadow = separation;
      options.emit(gradient);
      options.emit(trajectory);
      options.onStep?.({ gradient, trajectory, theta: state.theta });
      lastStep = step;
      finalLoss = computed.stats.loss;
      if (!finite) {
        status = 'diverged';
        break;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    options.emit(runEvent(options.runId, now(), 'end', config, 'failed', finalLoss, lastStep));
    throw error;
  } finally {
    state.velocity?.dispose();
    state.previousUpdate?.dispose();
    state.theta0.dispose();
    shadow?.dispose();
  }
  const theta = Float32Array.from(state.theta.dataSync());
  state.theta.dispose();
  options.emit(runEvent(options.runId, now(), 'end', config, status, finalLoss, lastStep));
  return { status, lastStep, finalLoss, theta, lr };
}

function probeIsOn(settings: ProbeSettings): boolean {
  return (
    settings.every > 0 && (settings.kLyapunov + settings.kSharpness > 0 || settings.batchSharpness !== false)
  );
}

/** Values the events could not carry are programmer errors here (the CLI validates its flags first). */
function checkOptions(options: TrainerOptions): void {
  const { lr, steps, batchSize, probe } = options;
  const waitMs = options.firstCommandWaitMs ?? 0;
  const problems = [
    lr > 0 && Number.isFinite(lr) ? '' : `lr ${lr} is not a positive number`,
    Number.isSafeInteger(steps) && steps >= 0 ? '' : `steps ${steps} is not a non-negative integer`,
    Number.isSafeInteger(batchSize) && batchSize >= 1
      ? ''
      : `batchSize ${batchSize} is not a positive integer`,
    Number.isSafeInteger(probe.every) && probe.every >= 0
      ? ''
      : `probe.every ${probe.every} is not a non-negative integer`,
    options.shadow === undefined || ((options.momentum ?? 0) === 0 && options.shadow.eps0 > 0)
      ? ''
      : 'the shadow replica needs eps0 > 0 and plain SGD (momentum 0)',
    [probe.kLyapunov, probe.kSharpness].every((k) => Number.isSafeInteger(k) && k >= 0 && k <= MAX_K)
      ? ''
      : `probe subspaces must have 0-${MAX_K} vectors`,
    options.lrJump === undefined ? '' : (lrJumpProblem(options.lrJump) ?? ''),
    probe.every > 0 ? (lyapunovBurstsProblem(probe.every, probe) ?? '') : '',
    probe.every > 0 ? (sharpnessEveryProblem(probe.every, probe.sharpnessEvery) ?? '') : '',
    probe.warmupIterations === undefined ||
    (Number.isSafeInteger(probe.warmupIterations) && probe.warmupIterations >= 1)
      ? ''
      : `probe.warmupIterations ${probe.warmupIterations} is not a positive integer`,
    Number.isFinite(waitMs) && waitMs >= 0 ? '' : `firstCommandWaitMs ${waitMs} is not a non-negative number`,
    waitMs > 0 && options.commands !== undefined && !probeIsOn(probe)
      ? 'the warm-up (firstCommandWaitMs) needs the probe on'
      : '',
    waitMs > 0 && options.commands !== undefined && options.commands.waitForCommand === undefined
      ? 'the warm-up (firstCommandWaitMs) needs a command source that can wait (waitForCommand)'
      : '',
  ].filter((p) => p !== '');
  if (problems.length > 0) throw new RangeError(`train: ${problems.join('; ')}`);
}

function gradientOn(batch: Batch, model: Model): (theta: tf.Tensor1D) => tf.Tensor1D {
  const grad = tf.grad((theta: tf.Tensor) => model.loss(theta as tf.Tensor1D, batch));
  return (theta) => grad(theta) as tf.Tensor1D;
}

function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  batch.y.dispose();
}

function runConfig(options: TrainerOptions, batchSize: number): RunConfig {
  const { every, kLyapunov, kSharpness, hvp, lyapunovEvery, lyapunovBurst, lyapunovDiscard, sharpnessEvery } =
    options.probe;
  const probe: ProbeConfig = { every, kLyapunov, kSharpness, hvp };
  if (kSharpness > 0 && sharpnessEvery !== undefined && sharpnessEvery !== every)
    probe.sharpnessEvery = sharpnessEvery;
  if (kLyapunov > 0 && lyapunovEvery !== undefined && lyapunovEvery !== every)
    probe.lyapunovEvery = lyapunovEvery;
  if (kLyapunov > 0 && (lyapunovBurst ?? 1) > 1) {
    probe.lyapunovBurst = lyapunovBurst;
    probe.lyapunovDiscard = lyapunovDiscard ?? 0;
  }
  const momentum = options.momentum ?? 0;
  return {
    model: options.model.name,
    dataset: options.dataset.name,
    optimizer: momentum > 0 ? `sgd-momentum-${momentum}` : 'sgd',
    ...(momentum > 0 ? { momentum } : {}),
    lr: options.lr,
    batchSize,
    params: options.model.layout.size,
    backend: options.backend,
    seed: options.seed,
    probe,
  };
}

function runEvent(
  runId: string,
  ts: number,
  phase: 'start' | 'end',
  config: RunConfig,
  status?: RunStatus,
  finalLoss?: number,
  lastStep?: number,
): RunEvent {
  const event: RunEvent = { v: 1, type: 'run', runId, ts, phase, config };
  if (status !== undefined) event.status = status;
  if (finalLoss !== undefined) event.finalLoss = finalLoss;
  if (lastStep !== undefined) event.lastStep = lastStep;
  return event;
}
