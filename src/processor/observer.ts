import type { LyapEvent } from '../events/index.js';

/** What a process wants to know of the engine's traffic (metrics implement it). */
export interface ProcessorObserver {
  consumed(event: LyapEvent, topic: string, nowMs: number): void;
  record(event: LyapEvent, nowMs: number): void;
  invalid(topic: string, reason: string): void;
  /** Messages behind the end of a consumed partition (Kafka). */
  lag?(topic: string, partition: number, messages: number): void;
}
