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
  takeUntil,
  tap,
} from 'rxjs';
import { lastValueFrom, toArray } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { encodeEvent, processorStateTopic } from '../events/index.js';
import type { Bus, Delivery, OutgoingMessage, Payload } from '../transport/index.js';
import { resolveProcessorConfig, type ProcessorConfig, type ProcessorConfigInput } from './config.js';
import { ProcessorEngine, type Output, type ProcessorObserver } from './engine.js';
import type { ProcessorStats } from './stats.js';

export interface ProcessorOptions {
  bus: Bus;
  config?: ProcessorConfigInput | Readonly<ProcessorConfig>;
  /**
   * `'wall'` (default): time is `clock()`, and a timer on `scheduler` releases steps whose
   * lateness ran out and expires silent runs. `'event'`: time is the largest event `ts`
   * seen, no timer runs, and the output depends on the input alone (replay).
   */
  time?: 'wall' | 'event';
  clock?: () => number;
  scheduler?: SchedulerLike;
  /** Overrides the sweep timer (wall time only): each emission is one sweep at `clock()`. */
  ticks?: Observable<unknown>;
  fromBeginning?: boolean;
  /** Told of every event consumed, estimate produced and payload dead-lettered (metrics). */
  observer?: ProcessorObserver;
  /** Topics to read; default the run, gradient and trajectory topics of the prefix. */
  inputTopics?: readonly string[];
  /**
   * Window-state snapshots on the processors' state topic, so that a run continues exactly
   * where another processor (or this one before a restart) left it. `'auto'` (default):
   * on when the bus can read a topic to its end (Kafka), off otherwise (MemoryBus: nothing
   * moves). See docs/kafka.md.
   */
  state?: 'auto' | 'off' | StateStore;
  /**
   * With a state store, while reading a backlog (the delivery's partition still behind its
   * end): how often snapshots are written and offsets committed (together), default 1000 ms.
   * Between, deliveries are acknowledged without committing, and each run's snapshot is
   * written once per interval however many deliveries touched it. A caught-up delivery always
   * commits. 0: after every delivery. A crash redoes at most this much work.
   */
  commitIntervalMs?: number;
}

/** Where the processor's run snapshots live (Kafka: the compacted state topic). */
export interface StateStore {
  readonly topic: string;
  /** Every record the store holds now (the topic read to its end). */
  read(): Promise<Payload[]>;
}

export interface ProcessorHandle {
  readonly engine: ProcessorEngine;
  readonly stats: ProcessorStats;
  /** Settles when the input completes (sealed or closed bus) and the last outputs are published. */
  readonly done: Promise<void>;
  /** Stops consuming without finalising live runs: their state is rebuilt by whoever consumes next. */
  stop(): void;
}

type Work = { kind: 'batch'; delivery: Delivery } | { kind: 'tick' };

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
  const store = stateStore(options, bus, config.topicPrefix);
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
  const ticks$ = eventTime
    ? EMPTY
    : (options.ticks ?? interval(config.sweepIntervalMs, options.scheduler ?? asyncScheduler)).pipe(
        takeUntil(inputDone),
        map((): Work => ({ kind: 'tick' })),
      );

  const publish = async (outputs: Output[]): Promise<void> => {
    if (outputs.length === 0) return;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const o of outputs) {
      let list = byTopic.get(o.topic);
      if (list === undefined) byTopic.set(o.topic, (list = []));
      list.push({ key: o.key, value: encodeEvent(o.event) });
    }
    for (const [topic, messages] of byTopic) await bus.publish(topic, messages);
  };

  const publishSnapshots = async (): Promise<void> => {
    if (store === undefined) return;
    const snapshots = engine.drainSnapshots();
    if (snapshots.length > 0) await bus.publish(store.topic, snapshots);
  };
  const commitIntervalMs = options.commitIntervalMs ?? 1_000;
  let lastCommitMs = -Infinity;

  const handle = async (work: Work): Promise<void> => {
    if (work.kind === 'tick') {
      engine.tick(now());
    } else {
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
    await publish(engine.drain());
    // Snapshots and the commit go together: the state topic is never behind the committed offsets.
    // Ticks commit nothing (no delivery to ack); what they change is saved at the next commit.
    // Commits are deferred only while the partition is behind (catching up on a backlog): a
    // caught-up delivery commits, so an input that goes quiet leaves nothing uncommitted.
    const commitNow =
      store === undefined ||
      (work.kind === 'batch' &&
        (work.delivery.lag === undefined ||
          work.delivery.lag === 0 ||
          Date.now() - lastCommitMs >= commitIntervalMs));
    if (commitNow && store !== undefined) {
      await publishSnapshots();
      lastCommitMs = Date.now();
    }
    if (work.kind === 'batch') {
      work.delivery.ack(commitNow ? undefined : { commit: false });
      const first = work.delivery.messages[0];
      if (work.delivery.lag !== undefined && first !== undefined) {
        options.observer?.lag?.(first.topic, first.partition, work.delivery.lag);
      }
    }
  };

  let subscription: Subscription | undefined;
  let settle: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    subscription = concat(
      merge(batches$, ticks$).pipe(concatMap((work) => defer(() => handle(work)))),
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
    stop: () => {
      subscription?.unsubscribe();
      inputDone.next();
      settle?.();
    },
  };
}

function stateStore(options: ProcessorOptions, bus: Bus, prefix: string): StateStore | undefined {
  const choice = options.state ?? 'auto';
  if (choice === 'off') return undefined;
  if (choice !== 'auto') return choice;
  const read = bus.readToEnd?.bind(bus);
  if (read === undefined) return undefined;
  const topic = processorStateTopic(prefix);
  return {
    topic,
    read: async () => (await lastValueFrom(read([topic]).pipe(toArray()))).flat().map((m) => m.value),
  };
}
