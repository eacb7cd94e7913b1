// The control-loop-kafka bench's watch, as its own process: it reads the loop's topics and
// writes one JSON line per event to stdout (`WatchLine`), so that reading and decoding them
// does not share the event loop of the trainer it measures. Run by the suite:
//   node --import tsx bench/suites/loop-watch.ts <brokers> <topic prefix> <group id>
import { topicNames } from '../../src/events/index.js';
import { startStage } from '../../src/stage/index.js';
import { KafkaBus, kafkaConfigFromEnv } from '../../src/transport/kafka/index.js';
import type { WatchLine } from './loop-latency.js';

const [brokers, prefix, groupId] = process.argv.slice(2);
if (brokers === undefined || prefix === undefined || groupId === undefined) {
  process.stderr.write('usage: loop-watch.ts <brokers> <topic prefix> <group id>\n');
  process.exit(2);
}
const topics = topicNames(prefix);
const bus = new KafkaBus({
  config: kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: brokers }),
  logger: () => undefined,
});
let pending: string[] = [];
const flush = (): void => {
  if (pending.length === 0) return;
  process.stdout.write(pending.join(''));
  pending = [];
};
const watch = startStage({
  bus,
  inputs: [topics.gradients, topics.estimates, topics.control, topics.alerts],
  groupId,
  fromBeginning: true,
  accepts: ['gradient', 'estimate', 'lr-command', 'alert'],
  handle: (event, message) => {
    const recordMs = message.timestampMs;
    const { runId, ts } = event;
    const line: WatchLine =
      event.type === 'gradient'
        ? {
            type: 'gradient',
            recordMs,
            runId,
            step: event.step,
            ts,
            stepMs: event.stepMs,
            probeMs: event.probeMs,
          }
        : event.type === 'estimate'
          ? { type: 'estimate', recordMs, runId, step: event.step, ts }
          : event.type === 'lr-command'
            ? { type: 'lr-command', recordMs, event }
            : { type: 'alert', recordMs, event };
    if (pending.length === 0) setImmediate(flush);
    pending.push(`${JSON.stringify(line)}\n`);
    return undefined;
  },
});
const stop = (): void => {
  watch.stop();
  flush();
  void bus.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
