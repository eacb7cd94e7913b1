import { concatMap, defer, type Subscription } from 'rxjs';
import type { Bus, BusMessage, ConsumeOptions, Delivery } from '../transport/index.js';

export interface ConsumerLoopOptions extends ConsumeOptions {
  bus: Bus;
  topics: readonly string[];
  /** One delivery at a time, in order; the delivery is acknowledged once this resolves. */
  onDelivery: (messages: readonly BusMessage[], delivery: Delivery) => void | Promise<void>;
}

export interface ConsumerLoop {
  /** Settles when the input ends (its topics sealed and read, or the bus closed) or on `stop`; rejects if a delivery fails. */
  readonly done: Promise<void>;
  /** Messages of `topic` in deliveries handled and acknowledged so far. */
  readonly acked: (topic: string) => number;
  /** Stops reading; the delivery being handled is not acknowledged. */
  readonly stop: () => void;
}

/**
 * The one consume loop every stage and sink runs: deliveries of a consumer group handled one
 * at a time (the bus sends the next after the ack, which is the backpressure), each
 * acknowledged only after its handler resolved, so a crash redelivers rather than loses it.
 */
export function startConsumerLoop(options: ConsumerLoopOptions): ConsumerLoop {
  const { bus, topics, onDelivery, ...consume } = options;
  const acked = new Map<string, number>();
  let subscription: Subscription | undefined;
  let settle: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    subscription = bus
      .consume(topics, consume)
      .pipe(
        concatMap((delivery) =>
          defer(async () => {
            await onDelivery(delivery.messages, delivery);
            delivery.ack();
            for (const m of delivery.messages) acked.set(m.topic, (acked.get(m.topic) ?? 0) + 1);
          }),
        ),
      )
      .subscribe({ error: reject, complete: resolve });
  });
  return {
    done,
    acked: (topic) => acked.get(topic) ?? 0,
    stop: () => {
      subscription?.unsubscribe();
      settle?.();
    },
  };
}
