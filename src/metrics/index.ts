export { ControlLoop } from './control-loop.js';
export { LyapMetrics, type LyapMetricsOptions } from './lyap-metrics.js';
export { METRIC } from './names.js';
export { RunSeries } from './run-series.js';
export { listen, metricsApp, type ListeningServer, type MetricsAppOptions } from './server.js';
export { basicAuth, loadWebConfig, type WebConfig } from './web-config.js';
