import { topicNames, type AlertEvent } from '../events/index.js';
import { stageCounts, startStage, type RunningStage } from '../stage/index.js';
import type { Bus } from '../transport/index.js';
import { RegimeAlerts, type RegimeAlertsOptions } from './regime-alerts.js';

export interface AlerterOptions extends RegimeAlertsOptions {
  bus: Bus;
  topicPrefix?: string;
  /** Consumer group of the estimates topic (default `lyap-alerter`). */
  groupId?: string;
  fromBeginning?: boolean;
  /** Told of every alert once it is published. */
  onAlert?: (alert: AlertEvent) => void;
}

export interface AlerterStats {
  readonly estimates: number;
  readonly alerts: number;
  /** Payloads on the estimates topic that did not decode; each is dead-lettered. */
  readonly invalid: number;
}

export type AlerterHandle = RunningStage<AlerterStats>;

/**
 * Regime alerts as a stage over the bus: estimates in, `alert` events out on the alerts
 * topic (keyed by run id), one batch at a time, published before the batch is acknowledged.
 */
export function startAlerter(options: AlerterOptions): AlerterHandle {
  const topics = topicNames(options.topicPrefix);
  const rule = new RegimeAlerts(options);
  const stage = startStage({
    bus: options.bus,
    inputs: [topics.estimates],
    groupId: options.groupId ?? 'lyap-alerter',
    fromBeginning: options.fromBeginning ?? false,
    deadLetterTopic: topics.dlq,
    accepts: ['estimate'],
    handle: (estimate) =>
      rule.observe(estimate).map((alert) => ({ topic: topics.alerts, key: alert.runId, event: alert })),
    published: (outputs) => {
      for (const { event } of outputs) if (event.type === 'alert') options.onAlert?.(event);
    },
  });
  const stats: AlerterStats = stageCounts(stage.stats, {
    estimates: 'handled',
    alerts: 'published',
    invalid: 'invalid',
  });
  return { stats, done: stage.done, acked: stage.acked, stop: stage.stop };
}
