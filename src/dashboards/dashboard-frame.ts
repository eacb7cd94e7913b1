/* eslint-disable @typescript-eslint/no-deprecated -- classic dashboard JSON, the format Grafana's file provisioning
   reads; the SDK's dashboardv2 needs Grafana 12's v2 APIs and feature flags (docs/observability.md). */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { datasourceVariable } from './variables.js';

/** The tag every dashboard of the project carries; the dashboards' link menu lists them by it. */
export const DASHBOARD_TAG = 'lyapunov-pipeline';

/**
 * What every dashboard of the project shares: its tag, editable, crosshair shared between
 * panels, the browser's time zone, the last hour refreshed every 10 s, a drop-down of the
 * project's other dashboards (keeping the time range), and the Prometheus data source variable.
 * The caller adds its own variables, rows and panels.
 */
export function projectDashboard(options: {
  title: string;
  uid: string;
  description: string;
}): DashboardBuilder {
  return new DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags([DASHBOARD_TAG])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .timezone('browser')
    .time({ from: 'now-1h', to: 'now' })
    .refresh('10s')
    .link(
      new DashboardLinkBuilder('Lyapunov pipeline')
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true)
        .targetBlank(false)
        .icon('external link')
        .tooltip('')
        .url(''),
    )
    .withVariable(datasourceVariable());
}
