import { lastValueFrom, toArray } from 'rxjs';
import { processorStateTopic } from '../events/index.js';
import type { Bus, Payload } from '../transport/index.js';

/** Where the processor's run snapshots live (Kafka: the compacted state topic). */
export interface StateStore {
  readonly topic: string;
  /** Every record the store holds now (the topic read to its end). */
  read(): Promise<Payload[]>;
}

export interface StateStoreChoice {
  choice: 'auto' | 'off' | StateStore;
  bus: Bus;
  prefix: string;
}

/** The store chosen; `'auto'`: the prefix's state topic when the bus can read a topic to its end. */
export function stateStore({ choice, bus, prefix }: StateStoreChoice): StateStore | undefined {
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
