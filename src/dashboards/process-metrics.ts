/**
 * The prom-client 15 default metrics (`collectDefaultMetrics`) the dashboards read. They are
 * not in `METRIC` because prom-client names them; a test checks each against a registry
 * that collects the defaults.
 */
export const PROCESS_METRIC = {
  cpuSecondsTotal: 'process_cpu_seconds_total',
  residentMemoryBytes: 'process_resident_memory_bytes',
  heapUsedBytes: 'nodejs_heap_size_used_bytes',
  heapTotalBytes: 'nodejs_heap_size_total_bytes',
  eventLoopLagP99Seconds: 'nodejs_eventloop_lag_p99_seconds',
  eventLoopLagP50Seconds: 'nodejs_eventloop_lag_p50_seconds',
} as const;

/** Series Prometheus itself writes for every target. */
export const SCRAPE_METRIC = {
  up: 'up',
} as const;
