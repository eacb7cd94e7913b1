import {
  asyncScheduler,
  concat,
  concatMap,
  defer,
  EMPTY,
  interval,
  map,
  merge,
  Subject,
  switchMap,
  takeUntil,
  tap,
  timer,
} from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Delivery } from '../transport/index.js';
import { commitNow } from './commit-rule.js';
import { resolveProcessorConfig } from './config.js';
import { ProcessorEngine } from './engine.js';
import type { Output } from './engine-outputs.js';
import type { ProcessorHandle, ProcessorOptions } from './processor-options.js';
import { publishGrouped } from '../stage/index.js';
import { stateStore } from './state-store.js';
import { bump } from './stats.js';

/**
 * A delivery; a sweep (`tick`); the commit interval running out with offsets uncommitted
 * (`commit`); or a graceful stop (`finish`): the last snapshots and offsets, then nothing more.
 */
type Work =
  { kind: 'batch'; delivery: Delivery } | { kind: 'tick' } | { kind: 'commit' } | { kind: 'finish' };

/**
 * The processor as an RxJS pipeline over a `Bus`: batches of run, gradient and trajectory
 * events flow through the engine one batch at a time (`concatMap`); a batch's estimates
 * and dead letters are published before the batch is acknowledged, so a crash replays
 * the batch rather than losing it (duplicates are dropped downstream by run, type, step).
 * The bus delivers the next batch only after the ack, which is the backpressure: at most
 * one batch is in the processor at any time.
 */
export function startProcessor(options: ProcessorOptions): ProcessorHandle {
  const config = resolveProcessorConfig(options.config);
  const engine = new ProcessorEngine(config, options.observer);
  const { bus } = options;
  const eventTime = options.time === 'event';
  const clock = options.clock ?? Date.now;
  const now = (): number => (eventTime ? engine.watermarkMs : clock());
  const inputDone = new Subject<void>();
  const topics = engine.topics;
  const store = stateStore({ choice: options.state ?? 'auto', bus, prefix: config.topicPrefix });
  if (store !== undefined) engine.enableSnapshots();
  /** The consumer generation whose snapshots the engine holds. */
  let epoch: number | undefined;
  /** Messages behind the end, per input partition (Kafka), as of its last delivery. */
  const behind = new Map<string, number>();

  const batches$ = bus
    .consume(options.inputTopics ?? [topics.runs, topics.gradients, topics.trajectory], {
      groupId: config.groupId,
      fromBeginning: options.fromBeginning ?? false,
    })
    .pipe(
      tap({
        complete: () => {
          inputDone.next();
        },
      }),
      map((delivery): Work => ({ kind: 'batch', delivery })),
    );
  const scheduler = options.scheduler ?? asyncScheduler;
  const ticks$ = eventTime
    ? EMPTY
    : (options.ticks ?? interval(config.sweepIntervalMs, scheduler)).pipe(
        takeUntil(inputDone),
        map((): Work => ({ kind: 'tick' })),
      );
  /** Arms (a delay, ms) or disarms (undefined) the commit timer. */
  const commitTimer = new Subject<number | undefined>();
  const commits$ = commitTimer.pipe(
    switchMap((delayMs) => (delayMs === undefined ? EMPTY : timer(delayMs, scheduler))),
    takeUntil(inputDone),
    map((): Work => ({ kind: 'commit' })),
  );
  /** `finish()` asks for a graceful stop: handled after the work already queued. */
  const finishing = new Subject<void>();
  const finish$ = finishing.pipe(
    takeUntil(inputDone),
    map((): Work => ({ kind: 'finish' })),
  );
  /** Set by the graceful stop: what comes after is left to the next owner (unacked). */
  let halted = false;
  let finished: (() => void) | undefined;
  const whenFinished = new Promise<void>((resolve) => (finished = resolve));

  const publish = (outputs: Output[]): Promise<void> => publishGrouped(bus, outputs);

  const publishSnapshots = async (): Promise<void> => {
    if (store === undefined) return;
    const snapshots = engine.drainSnapshots();
    if (snapshots.length > 0) await bus.publish(store.topic, snapshots);
  };
  const commitIntervalMs = options.commitIntervalMs ?? 1_000;
  let lastCommitMs = -Infinity;
  /** The last delivery acknowledged without a commit since the last commit (its `commit` covers those before it). */
  let uncommitted: Delivery | undefined;
  const acked = new Map<string, number>();

  const handle = async (work: Work): Promise<void> => {
    // After a graceful stop, deliveries are not acked: the consumer gives them up when it stops,
    // and the group's next owner reads them from the committed offsets.
    if (halted) return;
    if (work.kind === 'finish') {
      // What the commit timer would do now (snapshots, then the offsets acked without a commit,
      // unless the consumer has rejoined since), then nothing more.
      await handle({ kind: 'commit' });
      halted = true;
      finished?.();
      return;
    }
    if (work.kind === 'tick') {
      engine.tick(now());
    } else if (work.kind === 'batch') {
      const next = work.delivery.epoch;
      if (store !== undefined && next !== undefined && next !== epoch) {
        // (Re)joined the group: partitions may have moved; take over from the state topic.
        engine.resetFromSnapshots(await store.read());
        epoch = next;
      }
      const first = work.delivery.messages[0];
      if (work.delivery.lag !== undefined && first !== undefined) {
        behind.set(`${first.topic}:${first.partition}`, work.delivery.lag);
        engine.setCatchingUp([...behind.values()].some((lag) => lag > 0));
      }
      for (const message of work.delivery.messages) engine.ingest(message, eventTime ? undefined : clock());
    }
    // The delivery's estimates first: a snapshot never holds back what it is based on.
    await publish(engine.drain());
    let commit = commitNow({
      stateStore: store !== undefined,
      work: work.kind,
      uncommitted: uncommitted !== undefined,
      nowMs: clock(),
      lastCommitMs,
      intervalMs: commitIntervalMs,
    });
    if (commit && work.kind === 'commit' && uncommitted?.current?.() === false) {
      // The consumer has rejoined its group since: those offsets are dropped, the partitions
      // may be another's, and the next delivery takes over from the state topic.
      commit = false;
      uncommitted = undefined;
    }
    if (commit && store !== undefined) {
      // Snapshots, then offsets: the state topic is never behind the committed offsets.
      await publishSnapshots();
      lastCommitMs = clock();
    }
    if (work.kind === 'batch') {
      work.delivery.ack(commit ? undefined : { commit: false });
      for (const message of work.delivery.messages) bump(acked, message.topic);
      const first = work.delivery.messages[0];
      if (work.delivery.lag !== undefined && first !== undefined) {
        options.observer?.lag?.(first.topic, first.partition, work.delivery.lag);
      }
    } else if (commit) {
      uncommitted?.commit?.();
    }
    if (commit) {
      if (uncommitted !== undefined) commitTimer.next(undefined);
      uncommitted = undefined;
    } else if (work.kind === 'batch' && store !== undefined) {
      // Due when the interval since the last commit has passed, even if no delivery comes.
      if (uncommitted === undefined) commitTimer.next(Math.max(0, lastCommitMs + commitIntervalMs - clock()));
      uncommitted = work.delivery;
    }
  };

  let subscription: Subscription | undefined;
  let settle: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    subscription = concat(
      merge(batches$, ticks$, commits$, finish$).pipe(concatMap((work) => defer(() => handle(work)))),
      defer(async () => {
        engine.flush(now());
        await publish(engine.drain());
        await publishSnapshots();
      }),
    ).subscribe({ error: reject, complete: resolve });
  });

  return {
    engine,
    stats: engine.stats,
    done,
    finish: async () => {
      finishing.next();
      // A pipeline that has ended (or failed) has nothing left to finish.
      await Promise.race([whenFinished, done.catch(() => undefined)]);
    },
    stop: () => {
      subscription?.unsubscribe();
      inputDone.next();
      settle?.();
    },
    acked: (topic) => acked.get(topic) ?? 0,
  };
}
