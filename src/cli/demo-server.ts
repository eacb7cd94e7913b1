import { LyapError } from '../errors.js';
import type { TopicNames } from '../events/index.js';
import { LiveFeed, liveApp } from '../live/index.js';
import { listen, metricsApp, type LyapMetrics, type WebConfig } from '../metrics/index.js';
import type { Bus } from '../transport/index.js';

export interface DemoServerOptions {
  bus: Bus;
  topics: TopicNames;
  groupPrefix: string;
  metrics: LyapMetrics;
  host: string;
  /** 0: a free port. */
  port: number;
  /** TLS and basic authentication (`--web-config`). */
  webConfig?: WebConfig;
}

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** The demo's HTTP surface: the live page (fed from the bus) at `/`, and `/metrics`, `/healthz`, `/readyz`. */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const feed = new LiveFeed({ topics: options.topics });
  feed.start(options.bus, `${options.groupPrefix}lyap-live`);
  try {
    const server = await listen(
      metricsApp({
        render: () => options.metrics.render(),
        contentType: options.metrics.registry.contentType,
        ready: () => true,
        routes: liveApp(feed),
      }),
      {
        host: options.host,
        port: options.port,
        ...(options.webConfig === undefined ? {} : { webConfig: options.webConfig }),
      },
    );
    return {
      url: server.url,
      close: async () => {
        feed.stop();
        await server.close();
      },
    };
  } catch (error) {
    feed.stop();
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use (--port 0 picks a free one; --no-live serves nothing)'
        : error instanceof Error
          ? error.message
          : String(error);
    throw new LyapError(
      'LYAP_E_CONFIG',
      `cannot serve the live page on ${options.host}:${options.port}: ${why}`,
      {
        cause: error,
      },
    );
  }
}
