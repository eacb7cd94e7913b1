import type { Observable, SchedulerLike } from 'rxjs';
import type { Bus } from '../transport/index.js';
import type { ProcessorConfig, ProcessorConfigInput } from './config.js';
import type { ProcessorEngine } from './engine.js';
import type { ProcessorObserver } from './observer.js';
import type { StateStore } from './state-store.js';
import type { ProcessorStats } from './stats.js';

export interface ProcessorOptions {
  bus: Bus;
  config?: ProcessorConfigInput | Readonly<ProcessorConfig>;
  /**
   * `'wall'` (default): time is `clock()`, and a timer on `scheduler` releases steps whose
   * lateness ran out and expires silent runs. `'event'`: time is the largest event `ts`
   * seen, no sweep timer runs, and the output depends on the input alone (replay).
   */
  time?: 'wall' | 'event';
  /** The wall clock: wall time, and the commit cadence in both modes (default Date.now). */
  clock?: () => number;
  /** Where the sweep timer and the commit timer run (default RxJS's asyncScheduler). */
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
   * With a state store: how often snapshots are written and offsets committed (together),
   * default 1000 ms, caught up or reading a backlog. Between, deliveries are acknowledged
   * without committing, and each run's snapshot is written once per interval however many
   * deliveries touched it; a timer commits what is left when the interval runs out, also when
   * the input goes quiet. 0: after every delivery. A crash redoes at most this much work.
   */
  commitIntervalMs?: number;
}

export interface ProcessorHandle {
  readonly engine: ProcessorEngine;
  readonly stats: ProcessorStats;
  /** Settles when the input completes (sealed or closed bus) and the last outputs are published. */
  readonly done: Promise<void>;
  /**
   * A graceful stop, before `stop()`: takes no delivery after the one in hand, and with a state
   * store writes the runs' snapshots and commits every acknowledged offset (else the commit
   * interval's last deliveries are read and redone by the next owner). Live runs are not
   * finalised. Resolves when that is done, or at once when the pipeline has ended.
   */
  finish(): Promise<void>;
  /** Stops consuming without finalising live runs: their state is rebuilt by whoever consumes next. */
  stop(): void;
  /**
   * Messages of input `topic` in deliveries acknowledged so far: their estimates and dead
   * letters are published.
   */
  acked(topic: string): number;
}
