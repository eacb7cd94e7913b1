import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { basicAuth, type WebConfig } from './web-config.js';

export interface MetricsAppOptions {
  render: () => Promise<string>;
  contentType: string;
  /** Whether the process is ready to serve its purpose (connected, consuming); `/readyz`. */
  ready?: () => boolean;
  /**
   * More routes, consulted before the built-in ones (the live page: `liveApp(feed)` from
   * src/live); returns true when it answered the request.
   */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/**
 * The HTTP surface of a process: `/metrics` (Prometheus text format), `/healthz` (the
 * process is up), `/readyz` (it is doing its job). Built apart from where it listens, so
 * it can be tested without a socket. `routes` (the live page at `/`) answer first.
 */
export function metricsApp(options: MetricsAppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (options.routes?.(req, res) === true) return;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.render().then(
        (body) => res.writeHead(200, { 'content-type': options.contentType }).end(body),
        (error: unknown) =>
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = options.ready?.() ?? true;
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ready\n' : 'not ready\n');
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try / (the live page, when served), /metrics, /healthz, /readyz\n');
    }
  };
}

export interface ListeningServer {
  server: Server;
  /** `http://host:port`, with the port the OS chose when asked for 0. */
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (loopback by default; port 0 picks a free one). With a `webConfig`
 * (web-config.ts): HTTPS with its certificate, and basic authentication on every path.
 */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  { host = '127.0.0.1', port = 0, webConfig }: { host?: string; port?: number; webConfig?: WebConfig } = {},
): Promise<ListeningServer> {
  const authenticate = webConfig?.users === undefined ? undefined : basicAuth(webConfig.users);
  const guarded =
    authenticate === undefined
      ? handler
      : (req: IncomingMessage, res: ServerResponse): void => {
          authenticate(req, res).then(
            (ok) => {
              if (ok) handler(req, res);
            },
            () => res.writeHead(500).end(),
          );
        };
  const tls = webConfig?.tls;
  const server: Server = tls === undefined ? createServer(guarded) : createHttpsServer(tls, guarded);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `${tls === undefined ? 'http' : 'https'}://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
