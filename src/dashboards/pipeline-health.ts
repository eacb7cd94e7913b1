/* eslint-disable @typescript-eslint/no-deprecated -- classic dashboard JSON, the format Grafana's file provisioning
   reads; the SDK's dashboardv2 needs Grafana 12's v2 APIs and feature flags (docs/observability.md). */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { METRIC } from '../metrics/names.js';
import { stat, table, timeseries } from './panel-kit.js';
import { PROCESS_METRIC, SCRAPE_METRIC } from './process-metrics.js';
import { BY_JOB, histogramQuantile, rate, RATE_WINDOW, selector, sumBy } from './promql.js';
import { projectDashboard } from './dashboard-frame.js';
import { labelVariable } from './variables.js';

export const PIPELINE_HEALTH_UID = 'lyap-pipeline-health';

/** Scrape jobs of `deploy/prometheus/prometheus.yml` (and the PodMonitor's) start with this. */
export const JOB_PREFIX = 'lyap-';

const QUANTILES = [0.5, 0.9, 0.99] as const;

function quantiles(histogram: string): { expr: string; legend: string }[] {
  return QUANTILES.map((q) => ({
    expr: histogramQuantile(q, histogram, [BY_JOB]),
    legend: `p${Math.round(q * 100)}`,
  }));
}

export function pipelineHealthDashboard(): Dashboard {
  const job = (metric: string): string => selector(metric, BY_JOB);
  const perInstance = '{{job}} {{instance}}';
  return projectDashboard({
    title: 'Lyapunov pipeline / Pipeline health',
    uid: PIPELINE_HEALTH_UID,
    description:
      'Health of the event pipeline: event rates, dead letters, event and consumer lag, closed-loop ' +
      'latency of the learning-rate controller, trainer backends and the Node.js processes.',
  })
    .withVariable(
      labelVariable({
        name: 'job',
        label: 'Job',
        description: 'Scrape jobs of the pipeline: processors, controllers, trainers.',
        metric: SCRAPE_METRIC.up,
        matcher: `job=~"${JOB_PREFIX}.*"`,
      }),
    )
    .withRow(new RowBuilder('Event flow').id(100))
    .withPanel(
      timeseries({
        id: 1,
        title: 'Events consumed by topic',
        description: `Events per second each topic delivers to the processors, valid or not (${METRIC.eventsTotal}).`,
        unit: 'suffix: events/s',
        thresholds: ['green'],
        queries: [{ expr: sumBy(['topic'], rate(METRIC.eventsTotal, [BY_JOB])), legend: '{{topic}}' }],
        width: 12,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: 2,
        title: 'Invalid events and dead letters by reason',
        description:
          'Events dead-lettered per second by topic and reason (invalid-json, invalid-field, late, run-capacity, …). ' +
          'Every one is on the dead-letter topic with its payload (alert LyapDeadLetters).',
        unit: 'suffix: events/s',
        thresholds: ['green', [0.01, 'red']],
        queries: [
          {
            expr: sumBy(['topic', 'reason'], rate(METRIC.eventsInvalidTotal, [BY_JOB])),
            legend: '{{topic}} {{reason}}',
          },
        ],
        width: 12,
        height: 8,
      }),
    )
    .withPanel(
      stat({
        id: 3,
        title: 'Dead-letter share',
        description: 'Dead-lettered events over all consumed events, per rate window.',
        unit: 'percentunit',
        thresholds: ['green', [0.01, 'yellow'], [0.05, 'red']],
        queries: [
          {
            expr:
              `(${sumBy([], rate(METRIC.eventsInvalidTotal, [BY_JOB]))} or vector(0)) / ` +
              sumBy([], rate(METRIC.eventsTotal, [BY_JOB])),
            legend: 'share',
          },
        ],
        width: 6,
        height: 5,
      }),
    )
    .withPanel(
      stat({
        id: 4,
        title: 'Dead letters in range',
        description: 'Events dead-lettered over the dashboard time range.',
        unit: 'short',
        thresholds: ['green', [1, 'red']],
        queries: [
          {
            expr: `${sumBy([], `increase(${job(METRIC.eventsInvalidTotal)}[$__range])`)} or vector(0)`,
            legend: 'dead letters',
          },
        ],
        width: 6,
        height: 5,
      }),
    )
    .withPanel(
      timeseries({
        id: 11,
        title: 'Learning-rate commands by reason',
        description:
          'Commands of the controller per second by reason (the rule: edge, gradient-newton, quasi-newton; warm-up, guard, brake, manual, hold), all runs.',
        unit: 'suffix: commands/s',
        thresholds: ['green'],
        queries: [{ expr: sumBy(['reason'], rate(METRIC.lrCommandsTotal, [BY_JOB])), legend: '{{reason}}' }],
        width: 12,
        height: 5,
      }),
    )
    .withRow(new RowBuilder('Latency and lag').id(101))
    .withPanel(
      timeseries({
        id: 5,
        title: 'Event lag',
        description:
          'Quantiles of the time from an event being produced (its ts) to being processed ' +
          `(${METRIC.eventLagSeconds}). Alert LyapProcessorEventLagHigh: p99 above 5 s.`,
        unit: 's',
        thresholds: ['green', [1, 'yellow'], [5, 'red']],
        thresholdLines: true,
        queries: quantiles(METRIC.eventLagSeconds),
        width: 8,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: 6,
        title: 'Consumer lag by partition',
        description:
          `Messages behind the end of each partition, per consumed topic (${METRIC.consumerLag}, set by the ` +
          'Kafka transport). Alert LyapConsumerLagHigh: above 10000 per topic.',
        unit: 'short',
        thresholds: ['green', [1000, 'yellow'], [10000, 'red']],
        thresholdLines: true,
        queries: [
          {
            expr: `max by (topic, partition) (${job(METRIC.consumerLag)})`,
            legend: '{{topic}} [{{partition}}]',
          },
        ],
        width: 8,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: 7,
        title: 'Closed-loop latency',
        description:
          'Quantiles of the time from the estimate behind a learning-rate command to the training step ' +
          `that applied it (${METRIC.controlLoopSeconds}). Alert LyapControlLoopSlow: p99 above 10 s.`,
        unit: 's',
        thresholds: ['green', [1, 'yellow'], [10, 'red']],
        thresholdLines: true,
        queries: quantiles(METRIC.controlLoopSeconds),
        width: 8,
        height: 8,
      }),
    )
    .withRow(new RowBuilder('Runs and trainers').id(102))
    .withPanel(
      table({
        id: 8,
        title: 'Trainer backends',
        description: `Live runs by TensorFlow.js backend and model (${METRIC.trainerInfo}), at the end of the range.`,
        unit: 'short',
        thresholds: ['green'],
        queries: [
          {
            expr: sumBy(['backend', 'model'], job(METRIC.trainerInfo)),
            legend: '{{backend}} {{model}}',
            instant: true,
          },
        ],
        width: 12,
        height: 7,
      }),
    )
    .withPanel(
      timeseries({
        id: 9,
        title: 'Runs with series',
        description:
          `Runs that currently have per-run series (${METRIC.liveRuns}). At the cap (maxRuns, default 1000) ` +
          'further runs are refused.',
        unit: 'short',
        thresholds: ['green', [1000, 'red']],
        queries: [{ expr: sumBy(['job', 'instance'], job(METRIC.liveRuns)), legend: perInstance }],
        width: 6,
        height: 7,
      }),
    )
    .withPanel(
      timeseries({
        id: 10,
        title: 'Samples refused by the run cap',
        description: `Per-run samples refused because the run cap was reached (${METRIC.runsRefusedTotal}).`,
        unit: 'suffix: samples/s',
        thresholds: ['green', [0.01, 'red']],
        queries: [
          { expr: sumBy(['job', 'instance'], rate(METRIC.runsRefusedTotal, [BY_JOB])), legend: perInstance },
        ],
        width: 6,
        height: 7,
      }),
    )
    .withRow(new RowBuilder('Processes').id(103))
    .withPanel(
      stat({
        id: 12,
        title: 'Targets up',
        description: 'Whether Prometheus reaches each scrape target of the pipeline (1 up, 0 down).',
        unit: 'none',
        thresholds: ['red', [1, 'green']],
        queries: [{ expr: job(SCRAPE_METRIC.up), legend: perInstance }],
        width: 6,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: 13,
        title: 'CPU',
        description: 'CPU time per second of each process (1 = one core busy).',
        unit: 'percentunit',
        thresholds: ['green', [0.8, 'yellow'], [1, 'red']],
        queries: [
          { expr: `rate(${job(PROCESS_METRIC.cpuSecondsTotal)}[${RATE_WINDOW}])`, legend: perInstance },
        ],
        width: 6,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: 14,
        title: 'Memory',
        description: 'Resident set size and used V8 heap of each process.',
        unit: 'bytes',
        thresholds: ['green'],
        queries: [
          { expr: job(PROCESS_METRIC.residentMemoryBytes), legend: `rss ${perInstance}` },
          { expr: job(PROCESS_METRIC.heapUsedBytes), legend: `heap used ${perInstance}` },
        ],
        width: 6,
        height: 8,
      }),
    )
    .withPanel(
      timeseries({
        id: 15,
        title: 'Event-loop lag',
        description:
          'Event-loop delay quantiles of each process (prom-client). A blocked loop delays consumption ' +
          'and the metrics endpoint alike.',
        unit: 's',
        thresholds: ['green', [0.1, 'yellow'], [0.5, 'red']],
        thresholdLines: true,
        queries: [
          { expr: job(PROCESS_METRIC.eventLoopLagP99Seconds), legend: `p99 ${perInstance}` },
          { expr: job(PROCESS_METRIC.eventLoopLagP50Seconds), legend: `p50 ${perInstance}` },
        ],
        width: 6,
        height: 8,
      }),
    )
    .build();
}
