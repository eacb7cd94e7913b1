/**
 * Small PromQL builders, so that every query names its metric through `METRIC` and the
 * label matchers and windows are written once.
 */

/** Grafana's rate window: at least four scrape intervals, whatever the panel's resolution. */
export const RATE_WINDOW = '$__rate_interval';

/** Matchers of the dashboard variables (multi-select, so regex matches). */
export const BY_RUN = 'run_id=~"$run_id"';
export const BY_JOB = 'job=~"$job"';

export function selector(metric: string, ...matchers: string[]): string {
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

export function rate(metric: string, matchers: readonly string[], window = RATE_WINDOW): string {
  return `rate(${selector(metric, ...matchers)}[${window}])`;
}

export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `sum(${expr})` : `sum by (${labels.join(', ')}) (${expr})`;
}

/** The q-quantile of a prom-client histogram, summed over instances by `labels` (and `le`). */
export function histogramQuantile(
  q: number,
  histogram: string,
  matchers: readonly string[],
  labels: readonly string[] = [],
): string {
  return `histogram_quantile(${q}, ${sumBy([...labels, 'le'], rate(`${histogram}_bucket`, matchers))})`;
}
