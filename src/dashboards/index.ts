export { DASHBOARDS, renderDashboards, type DashboardFile } from './dashboards.js';
export { jsonText } from './json-text.js';
export { JOB_PREFIX, PIPELINE_HEALTH_UID, pipelineHealthDashboard } from './pipeline-health.js';
export { PROCESS_METRIC, SCRAPE_METRIC } from './process-metrics.js';
export { metricNamesIn } from './promql-names.js';
export { dashboardQueries, parseLabelValues, type DashboardQuery } from './queries.js';
export { RECORDING_RULE } from './recording-rules.js';
export { DASHBOARD_TAG } from './dashboard-frame.js';
export {
  TRAINING_DYNAMICS_UID,
  regimeCode,
  regimeCodeQuery,
  trainingDynamicsDashboard,
} from './training-dynamics.js';
