import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveFeed } from './live-feed.js';
import type { LiveDelta } from './live-protocol.js';
import { sseComment, sseEvent, sseRetry } from './sse.js';
import { AssetCache, webAssets, type WebAsset } from './web-assets.js';

export interface LiveAppOptions {
  /** Comment lines on `/live/events` that keep idle connections open (default 15 s). */
  heartbeatMs?: number;
  /** A client with more unsent bytes than this is disconnected; it reconnects to a fresh snapshot (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Reconnection delay the page's EventSource is told (default 2 s). */
  retryMs?: number;
}

const NO_CACHE = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' } as const;
const PAGE_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

/** One serialisation per delta, however many clients receive it. */
const frames = new WeakMap<LiveDelta, string>();

function deltaFrame(delta: LiveDelta): string {
  let frame = frames.get(delta);
  if (frame === undefined) {
    frame = sseEvent('delta', JSON.stringify(delta));
    frames.set(delta, frame);
  }
  return frame;
}

/**
 * The built-in live page as routes for `metricsApp({ routes })`: `GET /` (the page),
 * `/live/app.js`, `/live/app.css`, `/live/uplot.js`, `/live/uplot.css`, `/live/snapshot`
 * (JSON) and `/live/events` (server-sent events: a `snapshot` event, then `delta` events).
 * Returns true when it answered the request, false to let the caller's routes answer.
 */
export function liveApp(
  feed: LiveFeed,
  options: LiveAppOptions = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const assets = webAssets();
  const cache = new AssetCache();
  const settings = {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024,
    retryMs: options.retryMs ?? 2_000,
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const asset = assets.get(path);
    if (asset !== undefined) {
      serveAsset(cache, asset, req, res);
    } else if (path === '/live/snapshot') {
      const body = JSON.stringify(feed.snapshot());
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...NO_CACHE });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (path === '/live/events') {
      streamEvents(feed, req, res, settings);
    } else {
      return false;
    }
    return true;
  };
}

function serveAsset(cache: AssetCache, asset: WebAsset, req: IncomingMessage, res: ServerResponse): void {
  cache.read(asset).then(
    (body) => {
      const headers: Record<string, string> = { 'content-type': asset.contentType, ...NO_CACHE };
      if (asset.contentType.startsWith('text/html')) headers['content-security-policy'] = PAGE_POLICY;
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
    },
    (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      res
        .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`live page file missing: ${asset.path} (${reason})\n`);
    },
  );
}

function streamEvents(
  feed: LiveFeed,
  req: IncomingMessage,
  res: ServerResponse,
  settings: Required<LiveAppOptions>,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...NO_CACHE,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  req.socket.setNoDelay(true);
  res.write(sseRetry(settings.retryMs));
  res.write(sseEvent('snapshot', JSON.stringify(feed.snapshot())));
  // Subscribed in the same tick as the snapshot: the first delta is the snapshot's version + 1.
  const unsubscribe = feed.subscribe((delta) => {
    send(deltaFrame(delta));
  });
  const heartbeat = setInterval(() => {
    send(sseComment('heartbeat'));
  }, settings.heartbeatMs);
  heartbeat.unref();
  let open = true;
  const cleanup = (): void => {
    if (!open) return;
    open = false;
    unsubscribe();
    clearInterval(heartbeat);
  };
  function send(frame: string): void {
    if (!open) return;
    if (res.writableLength > settings.maxBufferedBytes) {
      // Too slow to keep up: drop the connection; EventSource reconnects to a fresh snapshot.
      cleanup();
      res.destroy();
      return;
    }
    res.write(frame);
  }
  res.on('close', cleanup);
}
