import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { LyapError } from '../errors.js';
import { CommandKeyring } from '../events/index.js';
import type { BusLogger, KafkaBusOptions } from '../transport/kafka/index.js';
import { LrCommandInbox } from './lr-command-inbox.js';
import { intakeStats, noArrivals, type ArrivalCounts, type LrIntakeStats } from './lr-command-record.js';
import type { LrCommandIntake, LrIntakeOptions } from './lr-intake.js';
import {
  errorFromThread,
  threadKeys,
  type FromThread,
  type IntakeThreadData,
  type ToThread,
} from './lr-intake-thread-messages.js';

/** The thread's entry, beside this file: `.js` in the build, `.ts` when the sources run through tsx. */
const THREAD_ENTRY = new URL(`./lr-intake-thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export interface ThreadedLrIntakeOptions extends Omit<LrIntakeOptions, 'bus' | 'clock'> {
  /**
   * The thread's own Kafka client, built from these settings (the trainer's: the same brokers,
   * credentials and TLS); a logger cannot cross threads, so the client's records come back to
   * `kafkaLogger`.
   */
  kafka: Omit<KafkaBusOptions, 'logger'>;
  /** Where the thread's Kafka client logs, on this thread (default: nowhere). */
  kafkaLogger?: BusLogger;
  /** How long `close` waits for the thread to leave its group and close its client before ending it (default 15 s). */
  closeTimeoutMs?: number;
}

/**
 * Learning-rate commands for one run, read from the control topic in a worker thread, so that
 * the trainer's step loop, which holds its own event loop for a whole step, does not hold up
 * the reading: the thread consumes, decodes, filters to the run and verifies
 * (`LrCommandScreen`, as `LrIntake` does) as soon as a command reaches it, and posts what
 * passes through a MessagePort.
 *
 * The queue is on the trainer's thread (`LrCommandInbox`, as in `LrIntake`): `take(step)`
 * first drains the port with `receiveMessageOnPort`, which is synchronous and needs no turn of
 * the event loop, so a command that reached the thread before the step boundary is in force
 * from that boundary; and the seq order, the stale and duplicate drops, the clamping and the
 * `applied` and `superseded` records are decided where the rate is set, with no copy of the
 * queue's state to keep in step across threads. The port's messages are also handled as they
 * come whenever the trainer's event loop is free (the warm-up's `waitForCommand`), in the one
 * order the thread sent them.
 *
 * Across the boundary: the thread's refusals, log lines and its Kafka client's log records
 * come back as messages and go to `log`, `onCommand` and `kafkaLogger` here; its counts as
 * copies after each command and each dead letter; the error that stopped its consumer rejects
 * `done` (a LyapError keeps its code, so a refusal of the brokers' still stops the run); a
 * thread that dies rejects `done` with LYAP_E_INTERNAL. A keyring's rotation is posted to the
 * thread. `close` asks the thread to leave its group and close its client, and resolves once
 * it has exited (ended after `closeTimeoutMs` if it has not).
 */
export class ThreadedLrIntake implements LrCommandIntake {
  readonly joined: Promise<void>;
  readonly done: Promise<void>;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly inbox: LrCommandInbox;
  private readonly view: LrIntakeStats;
  private readonly log: (message: string) => void;
  private arrivals: ArrivalCounts = noArrivals();
  private undecodable = 0;
  private signalJoined!: () => void;
  private settleDone!: (error?: Error) => void;
  private readonly exited: Promise<void>;
  private stopWatchingKeys: () => void = () => undefined;
  private closing: Promise<void> | undefined;
  private portOpen = true;

  constructor(private readonly options: ThreadedLrIntakeOptions) {
    this.log = options.log ?? (() => undefined);
    this.inbox = new LrCommandInbox({
      runId: options.runId,
      bounds: options.bounds,
      silenceSteps: options.silenceSteps,
      log: this.log,
      onCommand: options.onCommand,
      clock: Date.now,
    });
    this.view = intakeStats(
      () => this.arrivals,
      this.inbox.counts,
      () => this.undecodable,
    );
    this.joined = new Promise<void>((resolve) => (this.signalJoined = resolve));
    this.done = new Promise<void>((resolve, reject) => {
      let settled = false;
      this.settleDone = (error) => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: IntakeThreadData = {
      port: port2,
      kafka: options.kafka,
      topics: options.topics,
      runId: options.runId,
      ...(options.groupId === undefined ? {} : { groupId: options.groupId }),
      keys: threadKeys(options.signingKey),
      acceptUnsigned: options.acceptUnsigned,
    };
    this.worker = startThread(data, [port2]);
    port1.on('message', (message: FromThread) => {
      this.handle(message);
    });
    this.worker.on('error', (error) => {
      this.settleDone(
        new LyapError('LYAP_E_INTERNAL', `the learning-rate intake's thread failed: ${error.message}`, {
          cause: error,
        }),
      );
    });
    this.exited = new Promise<void>((resolve) => {
      this.worker.once('exit', (code) => {
        this.settleDone(
          new LyapError('LYAP_E_INTERNAL', `the learning-rate intake's thread exited (code ${code})`),
        );
        resolve();
      });
    });
    const keys = options.signingKey;
    if (keys instanceof CommandKeyring) {
      this.stopWatchingKeys = keys.onReplace((replaced) => {
        this.send({ kind: 'keys', keys: replaced });
      });
    }
  }

  take(step: number): { lr: number; seq: number } | undefined {
    this.drain();
    return this.inbox.take(step);
  }

  /**
   * True as soon as a command `take` would apply is queued (verified, for this run, not
   * advisory, not stale); at once if one is waiting. False after `timeoutMs`, when `signal`
   * aborts, or on `close`.
   */
  waitForCommand(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    this.drain();
    return this.inbox.waitForCommand(timeoutMs, signal);
  }

  /** The counts, with what the thread has posted so far. */
  get stats(): LrIntakeStats {
    this.drain();
    return this.view;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.inbox.close();
    this.stopWatchingKeys();
    this.settleDone();
    this.send({ kind: 'close' });
    const timer = setTimeout(() => {
      this.log(
        `the learning-rate intake's thread did not stop within ${this.options.closeTimeoutMs ?? 15_000} ms; ending it`,
      );
      void this.worker.terminate();
    }, this.options.closeTimeoutMs ?? 15_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
      // What the thread posted last (its client's records while it closed) is told too.
      this.drain();
      this.portOpen = false;
      this.port.close();
    }
  }

  private send(message: ToThread): void {
    if (this.portOpen) this.port.postMessage(message);
  }

  /** Handles every message the thread has posted so far, synchronously, in order. */
  private drain(): void {
    if (!this.portOpen) return;
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      this.handle(m.message as FromThread);
    }
  }

  private handle(message: FromThread): void {
    switch (message.kind) {
      case 'joined':
        this.signalJoined();
        return;
      case 'command':
        this.inbox.offer(message.command, message.atMs);
        return;
      case 'refused':
        this.options.onCommand?.({ seq: message.seq, outcome: message.outcome, atMs: message.atMs });
        return;
      case 'log':
        this.log(message.message);
        return;
      case 'bus-log':
        this.options.kafkaLogger?.(message.record);
        return;
      case 'counts':
        this.arrivals = message.arrivals;
        this.undecodable = message.undecodable;
        return;
      case 'ended':
        this.settleDone(message.error === undefined ? undefined : errorFromThread(message.error));
        return;
      case 'closed':
        return;
    }
  }
}

/**
 * The thread, from the build or from the sources. Node 20 runs a `--import` preload in a worker
 * too, but tsx registers its loader on the main thread only there (nodejs/node#47747: a worker
 * could not inherit loaders), so a worker started from `.ts` sources registers tsx's loader
 * itself before it imports its entry.
 */
function startThread(data: IntakeThreadData, transferList: MessagePort[]): Worker {
  const options = { workerData: data, transferList };
  if (!THREAD_ENTRY.pathname.endsWith('.ts')) return new Worker(THREAD_ENTRY, options);
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(THREAD_ENTRY.href);
  return new Worker(`import(${api}).then(({ register }) => { register(); return import(${entry}); });`, {
    ...options,
    eval: true,
  });
}
