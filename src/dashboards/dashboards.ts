/* eslint-disable @typescript-eslint/no-deprecated -- classic dashboard JSON, the format Grafana's file provisioning
   reads; the SDK's dashboardv2 needs Grafana 12's v2 APIs and feature flags (docs/observability.md). */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { jsonText } from './json-text.js';
import { pipelineHealthDashboard } from './pipeline-health.js';
import { trainingDynamicsDashboard } from './training-dynamics.js';

export interface DashboardFile {
  /** File name under `dashboards/`. */
  file: string;
  build: () => Dashboard;
}

/** Every dashboard the project ships, and the file it is committed as. */
export const DASHBOARDS: readonly DashboardFile[] = [
  { file: 'training-dynamics.json', build: trainingDynamicsDashboard },
  { file: 'pipeline-health.json', build: pipelineHealthDashboard },
];

/** The dashboards as the JSON text committed in `dashboards/` (deterministic). */
export function renderDashboards(): { file: string; text: string }[] {
  return DASHBOARDS.map(({ file, build }) => ({
    file,
    text: jsonText(JSON.parse(JSON.stringify(build())) as unknown),
  }));
}
