import { concatMap, defer, type Subscription } from 'rxjs';
import {
  decodeEvent,
  encodeEvent,
  signCommand,
  topicNames,
  type EstimateEvent,
  type LrCommandEvent,
} from '../events/index.js';
import type { Bus } from '../transport/index.js';
import { resolveControllerConfig, type ControllerConfig, type ControllerConfigInput } from './config.js';
import { RunControl, type Decision } from './run-control.js';

export interface ControllerStats {
  estimates: number;
  commands: number;
  invalid: number;
  byOutcome: Map<string, number>;
}

export interface ControllerOptions {
  bus: Bus;
  config?: ControllerConfigInput | Readonly<ControllerConfig>;
  clock?: () => number;
  /** Shared HMAC key: every command is signed (`sig`). */
  signingKey?: string | undefined;
  /** Told of every command the controller decides on, published or not (observe mode). */
  onDecision?: (estimate: EstimateEvent, decision: Decision, command: LrCommandEvent | undefined) => void;
  fromBeginning?: boolean;
}

export interface ControllerHandle {
  readonly stats: ControllerStats;
  readonly done: Promise<void>;
  stop(): void;
}

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
  const { bus } = options;
  const topics = topicNames(config.topicPrefix);
  const clock = options.clock ?? Date.now;
  const runs = new Map<string, RunControl>();
  const stats: ControllerStats = { estimates: 0, commands: 0, invalid: 0, byOutcome: new Map() };

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

  const decideAll = (values: readonly (string | Uint8Array)[]): LrCommandEvent[] => {
    const out: LrCommandEvent[] = [];
    for (const value of values) {
      const decoded = decodeEvent(value);
      if (!decoded.ok) {
        stats.invalid++;
        continue;
      }
      const estimate = decoded.event;
      if (estimate.type !== 'estimate') continue;
      stats.estimates++;
      const now = clock();
      const decision = runFor(estimate.runId).decide(estimate, now);
      const outcome = decision.kind === 'command' ? decision.reason : decision.why;
      stats.byOutcome.set(outcome, (stats.byOutcome.get(outcome) ?? 0) + 1);
      let command: LrCommandEvent | undefined;
      if (decision.kind === 'command') {
        command = {
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
        if (config.mode !== 'observe') out.push(command);
      }
      options.onDecision?.(estimate, decision, command);
    }
    return out;
  };

  let subscription: Subscription | undefined;
  let settle: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    subscription = bus
      .consume([topics.estimates], { groupId: config.groupId, fromBeginning: options.fromBeginning ?? false })
      .pipe(
        concatMap((delivery) =>
          defer(async () => {
            const commands = decideAll(delivery.messages.map((m) => m.value));
            if (commands.length > 0) {
              await bus.publish(
                topics.control,
                commands.map((c) => ({ key: c.runId, value: encodeEvent(c) })),
              );
              stats.commands += commands.length;
            }
            delivery.ack();
          }),
        ),
      )
      .subscribe({ error: reject, complete: resolve });
  });

  return {
    stats,
    done,
    stop: () => {
      subscription?.unsubscribe();
      settle?.();
    },
  };
}
