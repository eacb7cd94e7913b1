import type { AlertSeverity, AlertState, LrCommandEvent, Regime, RunStatus } from '../events/index.js';

/**
 * The JSON shapes of the live page's feed (`/live/snapshot`, and the `snapshot` and `delta`
 * events of `/live/events`); docs/live-page.md describes them. Every value is plain JSON:
 * measurements that may be non-finite (a diverging loss, an alert's value) are `null` then.
 */

/** What is known of a run: its `run` events, and the latest values of its step events. */
export interface LiveRunInfo {
  runId: string;
  /** `running` until the run's end event. */
  status: 'running' | RunStatus;
  model?: string;
  dataset?: string;
  optimizer?: string;
  backend?: string;
  /** The learning rate the run started with (its `run` event's config). */
  initialLr?: number;
  batchSize?: number;
  /** Tangent vectors in the run's Lyapunov subspace: how many exponents and curvatures its estimates carry. */
  kLyapunov?: number;
  startedTs?: number;
  endedTs?: number;
  /** Newest gradient event, undecimated. */
  step?: number;
  loss?: number | null;
  lr?: number;
  /** Newest estimate, undecimated. */
  regime?: Regime;
  sharpness?: number;
  stabilityRatio?: number;
}

/** `[step, loss, lr]` of one gradient event. */
export type GradientRow = [step: number, loss: number | null, lr: number];

export interface EstimateRow {
  step: number;
  lr: number;
  sharpness: number;
  stabilityRatio: number;
  /** η·batch sharpness, when the probes measure it: SGD's own edge is near 2. */
  batchStabilityRatio?: number;
  lyapunov: number[];
  curvature: number[];
  regime: Regime;
}

export interface CommandItem {
  /** `<runId>#<seq>`: deltas upsert by it. */
  id: string;
  runId: string;
  seq: number;
  ts: number;
  basedOnStep: number;
  lr: number;
  previousLr: number;
  /** A known `LrCommandReason`, or one a newer controller added. */
  reason: LrCommandEvent['reason'];
  /** Published in advise mode: reported, not applied. */
  advisory: boolean;
  sharpness?: number;
  /** The first step whose gradient event reported this command applied (`cmdSeq`). */
  appliedAtStep?: number;
}

export interface AlertItem {
  /** `<runId>#<n>`, n counting the run's alert events: deltas upsert by it. */
  id: string;
  runId: string;
  ts: number;
  step: number;
  name: string;
  severity: AlertSeverity;
  state: AlertState;
  message: string;
  value: number | null;
}

export interface LiveRunSnapshot {
  info: LiveRunInfo;
  /** Oldest first, decimated to at most `maxPointsPerRun` rows. */
  gradients: GradientRow[];
  estimates: EstimateRow[];
}

export interface LiveSnapshot {
  /** Deltas emitted before this snapshot: the next delta a subscriber gets is `version + 1`. */
  version: number;
  maxPointsPerRun: number;
  /** In the order the runs were first seen. */
  runs: LiveRunSnapshot[];
  /** Oldest first. */
  commands: CommandItem[];
  alerts: AlertItem[];
}

/** New rows of a series; with `reset`, `rows` replaces the series (it was decimated). */
export interface SeriesDelta<Row> {
  reset: boolean;
  rows: Row[];
}

export interface LiveRunDelta {
  info: LiveRunInfo;
  gradients?: SeriesDelta<GradientRow>;
  estimates?: SeriesDelta<EstimateRow>;
}

export interface LiveDelta {
  version: number;
  /** Runs that changed, new ones included. */
  runs: LiveRunDelta[];
  /** Runs evicted: forget them, their commands and alerts. */
  removedRuns: string[];
  /** New or changed commands (upsert by `id`). */
  commands: CommandItem[];
  /** New alerts (upsert by `id`). */
  alerts: AlertItem[];
}
