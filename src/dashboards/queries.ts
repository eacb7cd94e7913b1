/** The PromQL a dashboard runs: panel targets, annotation queries and variable queries. */
export interface DashboardQuery {
  dashboard: string;
  /** Panel title, annotation name or variable name. */
  source: string;
  kind: 'panel' | 'annotation' | 'variable';
  refId: string;
  expr: string;
  instant: boolean;
}

interface TargetJson {
  refId?: string;
  expr?: string;
  instant?: boolean;
}
interface PanelJson {
  title?: string;
  targets?: TargetJson[];
  panels?: PanelJson[];
}
interface DashboardJson {
  uid?: string;
  panels?: PanelJson[];
  annotations?: { list?: { name?: string; expr?: string }[] };
  templating?: { list?: { name?: string; type?: string; definition?: string }[] };
}

/** Every query of a dashboard (built by the SDK or read from its JSON file). */
export function dashboardQueries(dashboard: unknown): DashboardQuery[] {
  const d = dashboard as DashboardJson;
  const name = d.uid ?? '?';
  const out: DashboardQuery[] = [];
  const visit = (panels: PanelJson[] | undefined): void => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (target.expr === undefined) continue;
        out.push({
          dashboard: name,
          source: panel.title ?? '?',
          kind: 'panel',
          refId: target.refId ?? '?',
          expr: target.expr,
          instant: target.instant === true,
        });
      }
      visit(panel.panels);
    }
  };
  visit(d.panels);
  for (const annotation of d.annotations?.list ?? []) {
    if (annotation.expr === undefined) continue;
    out.push({
      dashboard: name,
      source: annotation.name ?? '?',
      kind: 'annotation',
      refId: 'Anno',
      expr: annotation.expr,
      instant: false,
    });
  }
  for (const variable of d.templating?.list ?? []) {
    if (variable.type !== 'query' || variable.definition === undefined) continue;
    out.push({
      dashboard: name,
      source: variable.name ?? '?',
      kind: 'variable',
      refId: 'Var',
      expr: variable.definition,
      instant: true,
    });
  }
  return out;
}

/** `label_values(series, label)`, Grafana's variable query, split into its parts. */
export function parseLabelValues(query: string): { series: string; label: string } | undefined {
  const match = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(query.trim());
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { series: match[1].trim(), label: match[2] };
}
