import { LyapError } from '../errors.js';
import { RunId, topicNames, type TopicNames } from '../events/index.js';
import type { TrainerConfig } from '../trainer/config.js';
import { lyapunovBursts, lyapunovBurstsProblem, type LyapunovBursts } from '../trainer/lyapunov-bursts.js';
import { BACKEND_NAMES, isBackendName, type BackendName } from '../trainer/names.js';
import { sharpnessEvery, sharpnessEveryProblem } from '../trainer/sharpness-schedule.js';
import type { ProblemOptions } from '../trainer/problem.js';

/** What commander hands `lyap train`'s action: every setting of TrainerConfig. */
export type TrainFlags = TrainerConfig;

export interface CheckedTrainFlags {
  /** The backend asked for, by --backend or LYAP_TF_BACKEND. */
  backend: BackendName | 'auto';
  topics: TopicNames;
  /** The Lyapunov burst schedule, defaults filled in (lyapunov-bursts.ts). */
  bursts: LyapunovBursts;
  /** Steps between λ_max measurements, the default filled in (sharpness-schedule.ts). */
  sharpnessEvery: number;
}

/**
 * The checks that need no TensorFlow.js, in the order they report: the backend, the run id,
 * then combinations of options that do not fit. Each failure is a LyapError LYAP_E_CONFIG.
 * LYAP_TF_BACKEND, the older variable for --backend, ranks with the environment: after the
 * flag and LYAP_BACKEND, before a config file.
 */
export function checkTrainFlags(
  flags: TrainFlags,
  options: { backendFromConfig: boolean; env: NodeJS.ProcessEnv },
): CheckedTrainFlags {
  const envBackend = options.env['LYAP_TF_BACKEND'];
  const backend =
    (options.backendFromConfig ? (envBackend ?? flags.backend) : (flags.backend ?? envBackend)) ?? 'auto';
  if (backend !== 'auto' && !isBackendName(backend)) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `LYAP_TF_BACKEND must be one of auto, ${BACKEND_NAMES.join(', ')}; got '${backend}'`,
    );
  }
  if (flags.runId !== undefined && !RunId.safeParse(flags.runId).success) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `--run-id must be 1-128 characters of [A-Za-z0-9._:-], got '${flags.runId}'`,
    );
  }
  if (flags.shadow !== undefined && flags.momentum > 0) {
    throw new LyapError('LYAP_E_CONFIG', '--shadow needs plain SGD (--momentum 0)');
  }
  const bursts = lyapunovBursts(flags.probeEvery, {
    every: flags.lyapunovEvery,
    burst: flags.lyapunovBurst,
    discard: flags.lyapunovDiscard,
  });
  if (flags.probeEvery > 0) {
    const problem = lyapunovBurstsProblem(flags.probeEvery, bursts);
    if (problem !== undefined) {
      throw new LyapError(
        'LYAP_E_CONFIG',
        `--lyapunov-every/--lyapunov-burst/--lyapunov-discard: ${problem}`,
      );
    }
  }
  const everySharpness = sharpnessEvery(flags.probeEvery, flags.sharpnessEvery);
  const sharpnessProblem =
    flags.probeEvery > 0 ? sharpnessEveryProblem(flags.probeEvery, everySharpness) : undefined;
  if (sharpnessProblem !== undefined)
    throw new LyapError('LYAP_E_CONFIG', `--sharpness-every: ${sharpnessProblem}`);
  if (flags.firstCommandWait > 0 && flags.probeEvery === 0) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      '--first-command-wait needs the probe: its warm-up step measures the sharpness (--probe-every > 0)',
    );
  }
  if (flags.lrMin > flags.lrMax)
    throw new LyapError('LYAP_E_CONFIG', `--lr-min ${flags.lrMin} exceeds --lr-max ${flags.lrMax}`);
  const topics = topicsOrConfigError(flags.topicPrefix);
  if (flags.brokers !== undefined && flags.out !== undefined) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      '--out copies the in-process stream; with --brokers, read the topics instead',
    );
  }
  return { backend, topics, bursts, sharpnessEvery: everySharpness };
}

/** The problem's settings among the flags: those that are set (createProblem fills in the rest). */
export function problemSettings(flags: TrainFlags): ProblemOptions {
  const { model, hidden, channels, activation, loss, dataDir, samples, downsample, dim, noise, spectrum } =
    flags;
  return {
    ...defined({
      model,
      hidden,
      channels,
      activation,
      loss,
      dataDir,
      samples,
      downsample,
      dim,
      noise,
      spectrum,
    }),
    dataset: flags.dataset,
    seed: flags.seed,
  };
}

function defined<T extends object>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function topicsOrConfigError(prefix: string): TopicNames {
  try {
    return topicNames(prefix);
  } catch (error) {
    throw new LyapError('LYAP_E_CONFIG', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}
