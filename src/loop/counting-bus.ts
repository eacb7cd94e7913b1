import type { Bus, OutgoingMessage } from '../transport/index.js';

/** A bus that counts, per topic, the messages published through it. */
export interface CountingBus extends Bus {
  published(topic: string): number;
}

/**
 * Counts what this process publishes, so that a composition can tell when a stage has read
 * everything its inputs will get: on a broker without sealed topics, a stage has finished
 * once it has acknowledged as many messages of each input as were published to it.
 * Closing it leaves the bus underneath open (its owner closes it).
 */
export function countingBus(bus: Bus): CountingBus {
  const counts = new Map<string, number>();
  const counting: CountingBus = {
    published: (topic) => counts.get(topic) ?? 0,
    publish: async (topic: string, messages: readonly OutgoingMessage[]) => {
      await bus.publish(topic, messages);
      counts.set(topic, (counts.get(topic) ?? 0) + messages.length);
    },
    consume: (topics, options) => bus.consume(topics, options),
    close: () => Promise.resolve(),
  };
  if (bus.readToEnd !== undefined) counting.readToEnd = bus.readToEnd.bind(bus);
  if (bus.seal !== undefined) counting.seal = bus.seal.bind(bus);
  return counting;
}
