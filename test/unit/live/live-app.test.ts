import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { VirtualTimeScheduler } from 'rxjs';
import { topicNames } from '../../../src/events/index.js';
import { LiveFeed, liveApp, type LiveDelta, type LiveSnapshot } from '../../../src/live/index.js';
import { sseComment, sseEvent } from '../../../src/live/sse.js';
import { listen, metricsApp, type ListeningServer } from '../../../src/metrics/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { gradient, runEvent } from '../../helpers/events.js';
import { command, publish, untilConsumed } from './support/live-events.js';

const topics = topicNames('live-app.');

interface SseFrame {
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

/** Parses server-sent events as a browser would (one frame per blank-line-terminated block). */
function parseFrames(text: string): SseFrame[] {
  return text
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      const frame: SseFrame = {};
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        else if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('retry: ')) frame.retry = line.slice(7);
      }
      if (data.length > 0) frame.data = data.join('\n');
      return frame;
    });
}

/** An open `/live/events` stream: what arrived so far, and a way to wait for more. */
interface Stream {
  res: IncomingMessage;
  frames(): SseFrame[];
  until(condition: (frames: SseFrame[]) => boolean, what: string): Promise<SseFrame[]>;
  close(): void;
}

function openStream(url: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('error', () => undefined);
      const complete = (): SseFrame[] => parseFrames(text.slice(0, text.lastIndexOf('\n\n') + 2));
      resolve({
        res,
        frames: complete,
        async until(condition, what) {
          for (let i = 0; i < 2000 && !condition(complete()); i++) await new Promise((r) => setTimeout(r, 5));
          assert.ok(condition(complete()), `timed out waiting for ${what}; got ${text.slice(0, 400)}`);
          return complete();
        },
        close: () => {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}

describe('live > liveApp', () => {
  const bus = new MemoryBus();
  const scheduler = new VirtualTimeScheduler();
  const feed = new LiveFeed({ topics, scheduler });
  let listeners = 0;
  const subscribe = feed.subscribe.bind(feed);
  feed.subscribe = (listener) => {
    listeners += 1;
    const unsubscribe = subscribe(listener);
    return () => {
      listeners -= 1;
      unsubscribe();
    };
  };
  let server: ListeningServer;

  before(async () => {
    feed.start(bus, 'live-app');
    await publish(bus, topics, [runEvent('a', 'start'), gradient('a', 0), gradient('a', 1), command('a', 1)]);
    await untilConsumed(feed, 4);
    scheduler.flush();
    server = await listen(
      metricsApp({
        render: () => Promise.resolve('lyap_up 1\n'),
        contentType: 'text/plain; version=0.0.4',
        routes: liveApp(feed, { heartbeatMs: 20 }),
      }),
    );
  });

  after(async () => {
    await server.close();
    feed.stop();
    await bus.close();
  });

  it('serves the page, its scripts and styles, and uPlot, with their content types', async () => {
    const expected: [string, RegExp, RegExp][] = [
      ['/', /^text\/html; charset=utf-8$/, /data-testid="chart-loss"/],
      ['/live/app.js', /^text\/javascript; charset=utf-8$/, /new EventSource\('\/live\/events'\)/],
      ['/live/app.css', /^text\/css; charset=utf-8$/, /\.chart/],
      ['/live/uplot.js', /^text\/javascript; charset=utf-8$/, /uPlot/],
      ['/live/uplot.css', /^text\/css; charset=utf-8$/, /\.uplot/],
    ];
    for (const [path, type, body] of expected) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
      assert.equal(res.headers.get('cache-control'), 'no-cache', path);
      assert.match(await res.text(), body, path);
    }
    const head = await fetch(`${server.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.match(
      (await fetch(`${server.url}/`)).headers.get('content-security-policy') ?? '',
      /default-src 'self'/,
    );
  });

  it('serves the snapshot as JSON', async () => {
    const res = await fetch(`${server.url}/live/snapshot`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await res.json()) as LiveSnapshot;
    assert.deepEqual(body, JSON.parse(JSON.stringify(feed.snapshot())));
    assert.deepEqual(
      body.runs.map((r) => [r.info.runId, r.gradients.length]),
      [['a', 2]],
    );
    assert.equal(body.commands.length, 1);
  });

  it('leaves other paths and methods to metricsApp: /metrics, 404 naming /, 405', async () => {
    const metrics = await fetch(`${server.url}/metrics`);
    assert.equal(await metrics.text(), 'lyap_up 1\n');
    const missing = await fetch(`${server.url}/live/nope`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /try \/ \(the live page/);
    assert.equal((await fetch(`${server.url}/`, { method: 'POST' })).status, 405);
  });

  it('streams a snapshot, then deltas and heartbeats, and unsubscribes when the client leaves', async () => {
    const stream = await openStream(`${server.url}/live/events`);
    try {
      assert.equal(stream.res.statusCode, 200);
      assert.equal(stream.res.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(stream.res.headers['cache-control'], 'no-cache');
      let frames = await stream.until((f) => f.some((x) => x.event === 'snapshot'), 'the snapshot');
      assert.equal(frames[0]?.retry, '2000', 'the reconnection delay comes first');
      const snapshot = JSON.parse(frames[1]?.data ?? '') as LiveSnapshot;
      assert.equal(frames[1]?.event, 'snapshot');
      assert.deepEqual(snapshot, JSON.parse(JSON.stringify(feed.snapshot())));
      assert.equal(listeners, 1);

      await publish(bus, topics, [gradient('a', 2, { loss: Infinity }), runEvent('a', 'end')]);
      await untilConsumed(feed, 6);
      scheduler.flush();
      frames = await stream.until((f) => f.some((x) => x.event === 'delta'), 'a delta');
      const delta = JSON.parse(frames.find((x) => x.event === 'delta')?.data ?? '') as LiveDelta;
      assert.equal(delta.version, snapshot.version + 1);
      assert.deepEqual(delta.runs[0]?.gradients, { reset: false, rows: [[2, null, 0.1]] });
      assert.equal(delta.runs[0]?.info.status, 'completed');

      await stream.until((f) => f.some((x) => x.comment === 'heartbeat'), 'a heartbeat');
    } finally {
      stream.close();
    }
    for (let i = 0; i < 400 && listeners > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(listeners, 0, 'the listener is removed when the connection closes');
  });

  it('answers HEAD /live/events with the headers only', async () => {
    const res = await fetch(`${server.url}/live/events`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(listeners, 0);
  });
});

describe('live > SSE framing', () => {
  it('writes one data line per line of the payload and ends the event with a blank line', () => {
    assert.equal(sseEvent('delta', '{"a":1}'), 'event: delta\ndata: {"a":1}\n\n');
    assert.equal(sseEvent('x', 'one\ntwo\r\nthree'), 'event: x\ndata: one\ndata: two\ndata: three\n\n');
    assert.equal(sseComment('heart\nbeat'), ': heart beat\n\n');
    assert.throws(() => sseEvent('bad\nname', ''), RangeError);
  });
});
