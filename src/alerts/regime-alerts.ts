import type { AlertEvent, EstimateEvent, Regime } from '../events/index.js';
import { REGIME_ALERT_RULES, type RegimeAlertRule } from './regime-alert-rules.js';

const SEVERITY_RANK: Readonly<Record<AlertEvent['severity'], number>> = { info: 0, warning: 1, critical: 2 };

interface RunAlertState {
  lastStep: number;
  regime: Regime | undefined;
  /** Consecutive estimates in `regime`, this one included. */
  streak: number;
  /** The rule firing for the run, if any (regimes exclude each other, so at most one). */
  firing: RegimeAlertRule | undefined;
  /** Consecutive estimates outside the firing rule's regime. */
  away: number;
}

export interface RegimeAlertsOptions {
  rules?: readonly RegimeAlertRule[];
  /** Runs with state; the oldest is forgotten beyond it. */
  maxRuns?: number;
}

/**
 * Regime alerts, pure: fed each run's estimates in step order, it returns the alert events
 * they cause. An alert fires once its regime has held for the rule's `forEstimates`
 * estimates in a row, and resolves after `keepFiringEstimates` estimates in a row in other
 * regimes (at once when another rule as severe fires). Estimates not
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
    const rule = this.rules.get(estimate.regime);
    if (run.firing !== undefined) {
      run.away = run.firing.regime === estimate.regime ? 0 : run.away + 1;
      // Another rule's regime, at least as severe, takes over at once (unstable → diverged).
      const superseded =
        rule !== undefined &&
        rule !== run.firing &&
        run.streak >= rule.forEstimates &&
        SEVERITY_RANK[rule.severity] >= SEVERITY_RANK[run.firing.severity];
      if (superseded || run.away >= (run.firing.keepFiringEstimates ?? 1)) {
        const now =
          superseded || run.away <= 1 ? `now ${estimate.regime}` : `${run.away} estimates out of it`;
        out.push(alert(run.firing, estimate, 'resolved', `left ${run.firing.regime} (${now})`));
        run.firing = undefined;
      }
    }
    if (
      rule !== undefined &&
      run.firing === undefined &&
      (run.streak >= rule.forEstimates || (run.streak === 1 && rule.firesAtOnce?.(estimate) === true))
    ) {
      out.push(alert(rule, estimate, 'firing', rule.describe(estimate)));
      run.firing = rule;
      run.away = 0;
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
      run = { lastStep: -1, regime: undefined, streak: 0, firing: undefined, away: 0 };
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
