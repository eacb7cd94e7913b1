import type { LyapMetrics } from '../metrics/index.js';
import { listen, loadWebConfig, metricsApp, type ListeningServer } from '../metrics/index.js';
import type { Bus } from '../transport/index.js';
import { withTimeout } from '../with-timeout.js';
import { EXIT } from './exit-codes.js';

export interface ServiceOptions {
  name: string;
  bus: Bus;
  metrics: LyapMetrics;
  metricsHost: string;
  /** undefined: no metrics endpoint; 0: a free port, logged. */
  metricsPort: number | undefined;
  /** `--web-config`: TLS and basic authentication of the endpoint. */
  webConfig?: string | undefined;
  /** Called once the service has stopped (releases what the command set up: file watches). */
  onStop?: () => void;
  /**
   * Starts the pipeline; `done` settles when its input ends, `stop` stops it. `finish`, when
   * given, is awaited first on SIGINT/SIGTERM (at most `FINISH_TIMEOUT_MS`): the processor's
   * last snapshots and offsets.
   */
  start: () => { done: Promise<void>; stop: () => void; finish?: () => Promise<void> };
}

/** How long a graceful stop waits for the pipeline's `finish` before it stops anyway. */
export const FINISH_TIMEOUT_MS = 10_000;

/**
 * A long-running role (processor, controller): its pipeline and its metrics endpoint, until
 * SIGINT or SIGTERM. Stopping is graceful: the pipeline stops taking batches, the bus is
 * closed (in-flight publishes flushed, the last acknowledged offsets committed), then the
 * endpoint closes. Logs are JSON lines on stderr.
 */
export async function runService(options: ServiceOptions): Promise<number> {
  const log = (msg: string, fields: Record<string, unknown> = {}): void => {
    process.stderr.write(`${JSON.stringify({ level: 'info', role: options.name, msg, ...fields })}\n`);
  };
  let ready = false;
  const server =
    options.metricsPort === undefined
      ? undefined
      : await startMetricsEndpoint({
          metrics: options.metrics,
          host: options.metricsHost,
          port: options.metricsPort,
          webConfig: options.webConfig,
          ready: () => ready,
          log,
        });
  const pipeline = options.start();
  ready = true;
  log('started');
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
  });
  let why: string;
  try {
    why = await Promise.race([signalled, pipeline.done.then(() => 'input ended')]);
  } catch (error) {
    // A failure (the broker refused this user, say): release what is open, then report it.
    pipeline.stop();
    await options.bus.close().catch(() => undefined);
    await server?.close();
    options.onStop?.();
    throw error;
  }
  log(`stopping (${why})`);
  ready = false;
  if (pipeline.finish !== undefined) await finishWithin(pipeline.finish(), options.name);
  pipeline.stop();
  await options.bus.close();
  await server?.close();
  options.onStop?.();
  log('stopped');
  return EXIT.ok;
}

/** Waits for a graceful stop's last writes, at most FINISH_TIMEOUT_MS; a failure or timeout is a warning. */
async function finishWithin(finishing: Promise<void>, role: string): Promise<void> {
  try {
    await withTimeout(finishing, FINISH_TIMEOUT_MS, 'writing the last snapshots and offsets');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const msg = `stopping: ${why}; the next owner redoes what was not committed`;
    process.stderr.write(`${JSON.stringify({ level: 'warn', role, msg })}\n`);
  }
}

export interface MetricsEndpointOptions {
  metrics: LyapMetrics;
  host: string;
  /** 0: a free port; the URL is logged either way. */
  port: number;
  /** The path of a web.config (TLS, basic auth), loaded here. */
  webConfig?: string | undefined;
  ready: () => boolean;
  log: (msg: string, fields: Record<string, unknown>) => void;
}

/** Serves `/metrics`, `/healthz` and `/readyz` of a process and logs where. */
export async function startMetricsEndpoint(options: MetricsEndpointOptions): Promise<ListeningServer> {
  const server = await listen(
    metricsApp({
      render: () => options.metrics.render(),
      contentType: options.metrics.registry.contentType,
      ready: options.ready,
    }),
    {
      host: options.host,
      port: options.port,
      ...(options.webConfig === undefined ? {} : { webConfig: loadWebConfig(options.webConfig) }),
    },
  );
  options.log(`metrics on ${server.url}/metrics`, { metricsUrl: server.url });
  return server;
}
