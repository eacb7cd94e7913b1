import { concatMap, defer, type Subscription } from 'rxjs';
import { decodeEvent, encodeEvent, topicNames, type AlertEvent } from '../events/index.js';
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
  estimates: number;
  alerts: number;
  invalid: number;
}

export interface AlerterHandle {
  readonly stats: AlerterStats;
  /** Settles when the estimates topic ends (sealed or closed bus) or on `stop`. */
  readonly done: Promise<void>;
  stop(): void;
}

/**
 * Regime alerts as a pipeline over the bus: estimates in, `alert` events out on the alerts
 * topic (keyed by run id), one batch at a time, published before the batch is acknowledged.
 */
export function startAlerter(options: AlerterOptions): AlerterHandle {
  const { bus } = options;
  const topics = topicNames(options.topicPrefix);
  const rule = new RegimeAlerts(options);
  const stats: AlerterStats = { estimates: 0, alerts: 0, invalid: 0 };

  const alertsOf = (values: readonly (string | Uint8Array)[]): AlertEvent[] => {
    const out: AlertEvent[] = [];
    for (const value of values) {
      const decoded = decodeEvent(value);
      if (!decoded.ok) {
        stats.invalid++;
        continue;
      }
      if (decoded.event.type !== 'estimate') continue;
      stats.estimates++;
      out.push(...rule.observe(decoded.event));
    }
    return out;
  };

  let subscription: Subscription | undefined;
  let settle: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    subscription = bus
      .consume([topics.estimates], {
        groupId: options.groupId ?? 'lyap-alerter',
        fromBeginning: options.fromBeginning ?? false,
      })
      .pipe(
        concatMap((delivery) =>
          defer(async () => {
            const alerts = alertsOf(delivery.messages.map((m) => m.value));
            if (alerts.length > 0) {
              await bus.publish(
                topics.alerts,
                alerts.map((a) => ({ key: a.runId, value: encodeEvent(a) })),
              );
              stats.alerts += alerts.length;
              for (const a of alerts) options.onAlert?.(a);
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
