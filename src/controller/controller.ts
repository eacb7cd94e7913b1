import {
  signCommand,
  topicNames,
  type EstimateEvent,
  type LrCommandEvent,
  type SigningKey,
} from '../events/index.js';
import { stageCounts, startStage, type RunningStage, type StageOutput } from '../stage/index.js';
import type { Bus } from '../transport/index.js';
import { resolveControllerConfig, type ControllerConfig, type ControllerConfigInput } from './config.js';
import { RunControl, type Decision } from './run-control.js';

type CommandDecision = Extract<Decision, { kind: 'command' }>;

export interface ControllerStats {
  readonly estimates: number;
  readonly commands: number;
  /** Payloads on the estimates topic that did not decode; each is dead-lettered. */
  readonly invalid: number;
  byOutcome: Map<string, number>;
}

export interface ControllerOptions {
  bus: Bus;
  config?: ControllerConfigInput | Readonly<ControllerConfig>;
  clock?: () => number;
  /** Shared HMAC key, or keyring whose newest key signs: every command is signed (`sig`, `keyId`). */
  signingKey?: SigningKey | undefined;
  /** Told of every command the controller decides on, published or not (observe mode). */
  onDecision?: (estimate: EstimateEvent, decision: Decision, command: LrCommandEvent | undefined) => void;
  fromBeginning?: boolean;
}

export type ControllerHandle = RunningStage<ControllerStats>;

/**
 * The controller as a pipeline over the bus: estimates in, `lr-command` events out on the
 * control topic, one batch at a time (commands published before the batch is acknowledged).
 * `seq` is the estimate's step: strictly increasing per run, stable across restarts, and a
 * redelivered estimate yields the same command, which the trainer drops as a duplicate.
 * Modes: `observe` decides and reports but publishes nothing; `advise` publishes commands
 * marked `advisory`, which trainers report and do not apply; `control` publishes them.
 */
export function startController(options: ControllerOptions): ControllerHandle {
  const config = resolveControllerConfig(options.config);
  const topics = topicNames(config.topicPrefix);
  const clock = options.clock ?? Date.now;
  const runs = new Map<string, RunControl>();
  const byOutcome = new Map<string, number>();

  const runFor = (runId: string): RunControl => {
    let run = runs.get(runId);
    if (run === undefined) {
      if (runs.size >= config.maxRuns) {
        const oldest = runs.keys().next();
        if (oldest.done !== true) runs.delete(oldest.value);
      }
      run = new RunControl(config);
      runs.set(runId, run);
    }
    return run;
  };

  const decide = (estimate: EstimateEvent): StageOutput[] => {
    const now = clock();
    const decision = runFor(estimate.runId).decide(estimate, now);
    const outcome = decision.kind === 'command' ? decision.reason : decision.why;
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    const command = decision.kind === 'command' ? commandFor(estimate, decision, now) : undefined;
    options.onDecision?.(estimate, decision, command);
    return command === undefined || config.mode === 'observe'
      ? []
      : [{ topic: topics.control, key: command.runId, event: command }];
  };

  const commandFor = (estimate: EstimateEvent, decision: CommandDecision, now: number): LrCommandEvent => {
    let command: LrCommandEvent = {
      v: 1,
      type: 'lr-command',
      runId: estimate.runId,
      ts: now,
      seq: estimate.step,
      lr: decision.lr,
      previousLr: decision.previousLr,
      reason: decision.reason,
      basedOnStep: estimate.step,
    };
    if (decision.sharpness !== undefined) command.sharpness = decision.sharpness;
    if (config.mode === 'advise') command.advisory = true;
    if (options.signingKey !== undefined) command = signCommand(command, options.signingKey);
    return command;
  };

  const stage = startStage({
    bus: options.bus,
    inputs: [topics.estimates],
    groupId: config.groupId,
    fromBeginning: options.fromBeginning ?? false,
    deadLetterTopic: topics.dlq,
    accepts: ['estimate'],
    handle: decide,
  });
  const stats: ControllerStats = stageCounts(
    stage.stats,
    { estimates: 'handled', commands: 'published', invalid: 'invalid' },
    { byOutcome },
  );
  return { stats, done: stage.done, acked: stage.acked, stop: stage.stop };
}
