import type { Bus } from '../transport/index.js';
import type { LineWriter } from './line-writer.js';
import { startTopicRecorder } from './topic-recorder.js';

/**
 * Copies every message of `topics`, in the order read, from the beginning, to one line
 * writer (`lyap train --out`), until the bus ends the topics (sealed and read to their end,
 * or the bus closed); then closes the writer. Resolves with the number of lines written.
 */
export async function copyTopics(options: {
  bus: Bus;
  topics: readonly string[];
  sink: LineWriter;
  groupId?: string;
}): Promise<number> {
  const recorder = startTopicRecorder({
    bus: options.bus,
    topics: options.topics,
    groupId: options.groupId ?? 'lyap-train-out',
    route: (_message, text) => ({ file: 'out', line: text }),
    open: () => options.sink,
  });
  try {
    await recorder.done;
  } finally {
    await recorder.close();
  }
  if (recorder.files.length === 0) await options.sink.close();
  return recorder.lines;
}
