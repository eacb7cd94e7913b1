import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControllerConfigInput } from '../controller/index.js';
import { LyapError } from '../errors.js';
import { encodeEvent, type EstimateEvent, type GradientEvent } from '../events/index.js';
import { runClosedLoop } from '../loop/index.js';
import {
  createProblem,
  gatherBatch,
  makeDataset,
  probeSchedule,
  selectBackend,
  tf,
  type Dataset,
  type Model,
  type ProbeSettings,
  type TrainingSessionOptions,
} from '../trainer/index.js';
import type { Bus } from '../transport/index.js';
import { appliedCommands } from './command-effects.js';
import type { RunRecord } from './run-record.js';
import { rawProbe, summarizeRun, type RawProbe } from './run-summary.js';
import type { RunSpec, SweepConfig } from './sweep-config.js';

/** How long a controller arm's trainer waits for the warm-up decision (in-process: milliseconds). */
const FIRST_COMMAND_WAIT_MS = 30_000;

/** What the parent hands a child: one run, the sweep's settings, where to write. */
export interface ChildJob {
  spec: RunSpec;
  config: SweepConfig;
  /** The run's folder: estimates.jsonl, gradients.jsonl, summary.json. */
  dir: string;
  /** Kafka only: this run's own topic prefix (a processor and a controller per run read it). */
  topicPrefix?: string;
}

export interface ChildIo {
  /** A bus to the broker when the sweep has `--brokers`; undefined: in-process MemoryBus. */
  bus?: Bus;
  /** With `bus` on Kafka: read the learning-rate commands in a worker thread (TrainingSessionOptions). */
  commandThread?: TrainingSessionOptions['commandThread'];
  /** Called every few steps; the parent kills a child that stays silent too long. */
  progress: (step: number) => void;
}

/** Splits the dataset's balanced order into the first `train` samples and the `held` after them. */
export function splitDataset(full: Dataset, train: number, held: number): { train: Dataset; held: Dataset } {
  if (train + held > full.size) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `${full.name} has ${full.size} samples, fewer than ${train} training + ${held} held-out`,
    );
  }
  const f = full.inputs.length / full.size;
  const o = full.outputSize;
  const part = (from: number, size: number, name: string): Dataset =>
    makeDataset({
      ...full,
      name,
      size,
      inputs: full.inputs.subarray(from * f, (from + size) * f),
      targets: full.targets.subarray(from * o, (from + size) * o),
    });
  return { train: part(0, train, full.name), held: part(train, held, `${full.name}-held-out`) };
}

/** Held-out accuracy (argmax of outputs against argmax of targets) and mean loss at θ. */
function evaluate(model: Model, theta: tf.Tensor1D, held: Dataset): { accuracy: number; loss: number } {
  const batch = gatherBatch(
    held,
    Int32Array.from({ length: held.size }, (_, i) => i),
  );
  try {
    return tf.tidy(() => {
      const loss = model.loss(theta, batch).dataSync()[0] ?? NaN;
      if (model.outputs === undefined) return { accuracy: NaN, loss };
      const predicted = tf.argMax(model.outputs(theta, batch.x), 1);
      const correct = tf.sum(tf.cast(tf.equal(predicted, tf.argMax(batch.y, 1)), 'float32'));
      return { accuracy: (correct.dataSync()[0] ?? NaN) / held.size, loss };
    });
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
}

/**
 * The probe of every run: k_L = k_S = 1, forward differences, and by default the trainer's dense
 * schedule (λ_max every 4 probes, Lyapunov bursts of 8 steps every 4 probes), which every sweep
 * report was made with: the sweeps study the exponent and λ_max, and their cost is not the point.
 * `probeSchedule: 'default'` runs the trainer's default schedule instead, the one `lyap train`
 * users get.
 */
export function probeSettings(
  config: Pick<
    SweepConfig,
    'probeEvery' | 'minCurvature' | 'sharpnessRounds' | 'sharpnessEvery' | 'probeSchedule'
  >,
): ProbeSettings {
  const probe: ProbeSettings = {
    every: config.probeEvery,
    kLyapunov: 1,
    kSharpness: 1,
    hvp: 'forward',
    eps0: 1e-3,
    ...probeSchedule(config.probeSchedule ?? 'dense', config.probeEvery, config.sharpnessEvery),
  };
  if (config.minCurvature === true) probe.minCurvature = true;
  if (config.sharpnessRounds !== undefined) probe.sharpnessIterations = config.sharpnessRounds;
  return probe;
}

/** A controller arm's controller: its rule (α for quasi-newton), applying its commands. */
export function controllerConfig(spec: RunSpec, config: SweepConfig): ControllerConfigInput {
  const rule = spec.rule ?? 'quasi-newton';
  return {
    mode: 'control',
    rule,
    ...(rule === 'quasi-newton' ? { alpha: spec.alpha ?? 1 } : {}),
    cooldownSteps: config.controllerCooldownSteps,
    ...(config.controllerTargetRatio === undefined ? {} : { targetRatio: config.controllerTargetRatio }),
    ...(config.controllerWarmupRatio === undefined ? {} : { warmupRatio: config.controllerWarmupRatio }),
    ...(config.controllerPolyakRatio === undefined ? {} : { polyakRatio: config.controllerPolyakRatio }),
  };
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function writeJsonLines(path: string, events: readonly (GradientEvent | EstimateEvent)[]): void {
  writeFileSync(path, events.map((e) => encodeEvent(e) + '\n').join(''));
}

/**
 * One run of the sweep: the trainer, the processor and (controller arms) the controller through
 * `runClosedLoop`, over a MemoryBus or the given Kafka bus; held-out accuracy every evalEvery
 * steps. Writes the run's estimates, gradients and summary into its folder and returns the
 * summary. A diverged run is a result (status `diverged`), a thrown error is a `failed` one.
 */
export async function runChildJob(job: ChildJob, io: ChildIo): Promise<RunRecord> {
  const { spec, config } = job;
  const started = performance.now();
  mkdirSync(job.dir, { recursive: true });
  const backend = await selectBackend({ requested: config.backend });
  const problem = createProblem({
    dataset: config.dataset,
    model: spec.model,
    loss: spec.loss,
    hidden: config.hidden,
    channels: config.channels,
    ...(config.activation === undefined ? {} : { activation: config.activation }),
    seed: spec.seed,
    samples: config.trainSamples + config.evalSamples,
    ...(config.dataset === 'mnist' ? { downsample: config.downsample } : {}),
    ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
  });
  const { train, held } = splitDataset(problem.dataset, config.trainSamples, config.evalSamples);
  const model = problem.model;
  const losses: number[] = [];
  const probes: RawProbe[] = [];
  const gradients: GradientEvent[] = [];
  const evals: { step: number; accuracy: number; loss: number }[] = [];
  let status: RunRecord['status'] = 'failed';
  let error: string | undefined;
  let estimates: EstimateEvent[] = [];
  let finalLr: number | null = null;
  let commands = 0;
  try {
    const result = await runClosedLoop({
      ...(io.bus === undefined ? {} : { bus: io.bus }),
      ...(job.topicPrefix === undefined ? {} : { topicPrefix: job.topicPrefix }),
      trainer: {
        runId: spec.id,
        model,
        dataset: train,
        backend: backend.reportedName,
        lr: spec.lr,
        ...(spec.schedule === undefined ? {} : { schedule: spec.schedule }),
        ...(spec.momentum === undefined ? {} : { momentum: spec.momentum }),
        batchSize: config.batch,
        steps: config.steps,
        seed: spec.seed,
        probe: probeSettings(config),
        lrBounds: { minLr: 1e-6, maxLr: 10 },
        // Controller arms start as `lyap demo` does: a measurement step at θ0, then the first decision.
        ...(spec.arm === 'controller' ? { firstCommandWaitMs: FIRST_COMMAND_WAIT_MS } : {}),
        ...(io.commandThread === undefined ? {} : { commandThread: io.commandThread }),
        onStep: ({ gradient, theta }) => {
          gradients.push(gradient);
          losses[gradient.step] = Number.isFinite(gradient.loss) ? gradient.loss : NaN;
          const probe = rawProbe(gradient);
          if (probe !== undefined) probes.push(probe);
          const last = gradient.step + 1 === config.steps;
          if (Number.isFinite(gradient.loss) && (gradient.step % config.evalEvery === 0 || last)) {
            evals.push({ step: gradient.step + 1, ...evaluate(model, theta, held) });
          }
          if (gradient.step % 25 === 0) io.progress(gradient.step);
        },
      },
      processor: { windowProbes: config.windowProbes },
      ...(spec.arm === 'controller' ? { controller: controllerConfig(spec, config) } : {}),
    });
    status = result.session.status;
    finalLr = result.session.lr;
    estimates = result.estimates.filter((e) => e.runId === spec.id);
    commands = result.commands.filter((c) => c.runId === spec.id).length;
  } catch (caught) {
    error = (caught instanceof Error ? caught.message : String(caught)).split('\n')[0] ?? 'error';
  } finally {
    model.dispose?.();
  }
  writeJsonLines(join(job.dir, 'estimates.jsonl'), estimates);
  writeJsonLines(join(job.dir, 'gradients.jsonl'), gradients);
  const record = summarizeRun(
    spec,
    {
      status,
      ...(error === undefined ? {} : { error }),
      wallSeconds: (performance.now() - started) / 1000,
      cpuSeconds: cpuSeconds(),
      finalLr,
      commands,
      applied: appliedCommands(gradients, spec.lr),
      losses: Array.from({ length: losses.length }, (_, i) => losses[i] ?? NaN),
      probes,
      estimates,
      evals,
    },
    {
      targetLoss: config.targetLoss[spec.loss],
      lossHalfLifeSteps: config.lossHalfLifeSteps,
      spikeHorizonSteps: config.spikeHorizonSteps,
    },
  );
  const path = join(job.dir, 'summary.json');
  writeFileSync(`${path}.tmp`, JSON.stringify(record, null, 1) + '\n');
  renameSync(`${path}.tmp`, path);
  return record;
}
