import type { MessagePort } from 'node:worker_threads';
import { ERROR_CODES, LyapError, isLyapError, type ErrorCode } from '../errors.js';
import { CommandKeyring, type CommandKey, type LrCommandEvent, type TopicNames } from '../events/index.js';
import type { KafkaBusOptions, LogRecord } from '../transport/kafka/index.js';
import type { ArrivalCounts, CommandOutcome } from './lr-command-record.js';

/** The keys as they cross to the thread: a ring's set and legacy key, or the legacy key alone. */
export type ThreadKeys = { keys: readonly CommandKey[]; legacyKey?: string } | { legacyKey: string };

/** What the intake's thread starts with (its `workerData`). */
export interface IntakeThreadData {
  /** Everything both ways: the thread's messages, in the order it sent them, and the trainer's. */
  port: MessagePort;
  /** The thread's Kafka client: the trainer's settings, without the logger (records cross instead). */
  kafka: Omit<KafkaBusOptions, 'logger'>;
  topics: TopicNames;
  runId: string;
  groupId?: string;
  keys?: ThreadKeys | undefined;
  acceptUnsigned: boolean;
}

/** An error as it crosses: a LyapError keeps its code and context. */
export interface ThreadError {
  message: string;
  stack?: string;
  code?: ErrorCode;
  context?: Record<string, unknown>;
}

/** From the thread, in order. */
export type FromThread =
  | { kind: 'joined' }
  /** Passed the arrival rules, at `atMs`: for the queue, which is on the trainer's thread. */
  | { kind: 'command'; command: LrCommandEvent; atMs: number }
  | { kind: 'refused'; seq: number; outcome: CommandOutcome; atMs: number }
  | { kind: 'log'; message: string }
  /** A record of the thread's Kafka client, for the trainer's bus logger. */
  | { kind: 'bus-log'; record: LogRecord }
  | { kind: 'counts'; arrivals: ArrivalCounts; undecodable: number }
  /** The stage ended: the topic ended or the bus closed, or (with `error`) it failed. */
  | { kind: 'ended'; error?: ThreadError }
  /** After `close`: the consumer has left and the client is closed; the thread exits next. */
  | { kind: 'closed' };

/** To the thread. */
export type ToThread = { kind: 'keys'; keys: readonly CommandKey[] } | { kind: 'close' };

export function threadKeys(keys: string | CommandKeyring | undefined): ThreadKeys | undefined {
  if (keys === undefined) return undefined;
  if (typeof keys === 'string') return { legacyKey: keys };
  return keys.legacyKey === undefined ? { keys: keys.keys } : { keys: keys.keys, legacyKey: keys.legacyKey };
}

export function keysFromThread(keys: ThreadKeys | undefined): string | CommandKeyring | undefined {
  if (keys === undefined) return undefined;
  if (!('keys' in keys)) return keys.legacyKey;
  return new CommandKeyring(keys.keys, keys.legacyKey);
}

export function errorToThread(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { message: String(error) };
  const crossing: ThreadError = { message: error.message };
  if (error.stack !== undefined) crossing.stack = error.stack;
  if (isLyapError(error)) {
    crossing.code = error.code;
    crossing.context = jsonSafe(error.context);
  }
  return crossing;
}

/** The error again on the trainer's side: a LyapError with the same code, message and context. */
export function errorFromThread(crossing: ThreadError): Error {
  const error =
    crossing.code !== undefined && crossing.code in ERROR_CODES
      ? new LyapError(
          crossing.code,
          crossing.message,
          crossing.context === undefined ? {} : { context: crossing.context },
        )
      : new Error(crossing.message);
  if (crossing.stack !== undefined) error.stack = crossing.stack;
  return error;
}

/** The JSON form of `value`: what crosses to the trainer when `value` itself cannot (log fields may hold anything). */
export function jsonSafe(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  return JSON.parse(json) as Record<string, unknown>;
}
