export { startAlerter, type AlerterHandle, type AlerterOptions, type AlerterStats } from './alerter.js';
export {
  AT_ONCE_FACTOR,
  EDGE_WARNING,
  REGIME_ALERT_RULES,
  type RegimeAlertRule,
} from './regime-alert-rules.js';
export { RegimeAlerts, type RegimeAlertsOptions } from './regime-alerts.js';
