import { concatMap, defer, lastValueFrom } from 'rxjs';
import type { Bus } from '../../transport/index.js';

export interface LineWriter {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Copies every message of `topics`, in publish order, from the beginning, to a line writer
 * (`lyap train --out`), until the bus completes the consumer (the topics sealed and read to
 * their end, or the bus closed). Resolves with the number of lines written.
 */
export async function copyTopics(options: {
  bus: Bus;
  topics: readonly string[];
  sink: LineWriter;
  groupId?: string;
}): Promise<number> {
  const decoder = new TextDecoder();
  let lines = 0;
  await lastValueFrom(
    options.bus
      .consume(options.topics, { groupId: options.groupId ?? 'lyap-train-out', fromBeginning: true })
      .pipe(
        concatMap((delivery) =>
          defer(async () => {
            for (const m of delivery.messages) {
              await options.sink.write(typeof m.value === 'string' ? m.value : decoder.decode(m.value));
              lines++;
            }
            delivery.ack();
          }),
        ),
      ),
    { defaultValue: undefined },
  );
  await options.sink.close();
  return lines;
}
