import type { AlertEvent, EstimateEvent, Regime } from '../events/index.js';
import { REGIME_ALERT_RULES, type RegimeAlertRule } from './regime-alert-rules.js';

interface RunAlertState {
  lastStep: number;
  regime: Regime | undefined;
  /** Consecutive estimates in `regime`, this one included. */
  streak: number;
  /** The rule firing for the run, if any (regimes exclude each other, so at most one). */
  firing: RegimeAlertRule | undefined;
}

export interface RegimeAlertsOptions {
  rules?: readonly RegimeAlertRule[];
  /** Runs with state; the oldest is forgotten beyond it. */
  maxRuns?: number;
}

/**
 * Regime alerts, pure: fed each run's estimates in step order, it returns the alert events
 * they cause. An alert fires once its regime has held for the rule's `forEstimates`
 * estimates in a row, and resolves at the first estimate in another regime. Estimates not
 * newer than the run's last are ignored (redeliveries). Alerts carry the estimate's `ts`
 * and `step`, so the same estimates always give the same alerts.
 */
export class RegimeAlerts {
  private readonly rules: ReadonlyMap<Regime, RegimeAlertRule>;
  private readonly runs = new Map<string, RunAlertState>();
  private readonly maxRuns: number;

  constructor(options: RegimeAlertsOptions = {}) {
    this.rules = new Map((options.rules ?? REGIME_ALERT_RULES).map((rule) => [rule.regime, rule]));
    this.maxRuns = options.maxRuns ?? 10_000;
  }

  observe(estimate: EstimateEvent): AlertEvent[] {
    const run = this.stateOf(estimate.runId);
    if (estimate.step <= run.lastStep) return [];
    run.lastStep = estimate.step;
    run.streak = estimate.regime === run.regime ? run.streak + 1 : 1;
    run.regime = estimate.regime;
    const out: AlertEvent[] = [];
    if (run.firing !== undefined && run.firing.regime !== estimate.regime) {
      out.push(alert(run.firing, estimate, 'resolved', `left ${run.firing.regime} (now ${estimate.regime})`));
      run.firing = undefined;
    }
    const rule = this.rules.get(estimate.regime);
    if (rule !== undefined && run.firing === undefined && run.streak >= rule.forEstimates) {
      out.push(alert(rule, estimate, 'firing', rule.describe(estimate)));
      run.firing = rule;
    }
    return out;
  }

  /** The alert firing for a run now, if any. */
  firing(runId: string): string | undefined {
    return this.runs.get(runId)?.firing?.name;
  }

  private stateOf(runId: string): RunAlertState {
    let run = this.runs.get(runId);
    if (run === undefined) {
      if (this.runs.size >= this.maxRuns) {
        const oldest = this.runs.keys().next();
        if (oldest.done !== true) this.runs.delete(oldest.value);
      }
      run = { lastStep: -1, regime: undefined, streak: 0, firing: undefined };
      this.runs.set(runId, run);
    }
    return run;
  }
}

function alert(
  rule: RegimeAlertRule,
  estimate: EstimateEvent,
  state: AlertEvent['state'],
  what: string,
): AlertEvent {
  return {
    v: 1,
    type: 'alert',
    runId: estimate.runId,
    ts: estimate.ts,
    step: estimate.step,
    name: rule.name,
    severity: rule.severity,
    state,
    message: `run ${estimate.runId}: ${what} at step ${estimate.step}`,
    value: rule.value(estimate),
  };
}
