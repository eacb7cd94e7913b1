// The process of one sweep run (src/sweep/pool.ts spawns it): reads its job file, trains,
// writes the run's folder, and reports progress as JSON lines on stdout. Exit 0 whenever a
// summary was written (diverged and failed runs included), 1 if not even that worked.
import { readFileSync } from 'node:fs';
import type { ChildJob } from '../sweep/child-run.js';
import { KafkaBus } from '../transport/kafka/index.js';
import { commandThreadFrom, kafkaSettingsFromFlags } from './kafka-from-flags.js';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: sweep-child <job.json>\n');
  process.exit(1);
}
try {
  const job = JSON.parse(readFileSync(path, 'utf8')) as ChildJob;
  const { runChildJob } = await import('../sweep/child-run.js');
  const kafka =
    job.config.brokers === undefined ? undefined : kafkaSettingsFromFlags(job.config.brokers, 'sweep');
  const bus = kafka === undefined ? undefined : new KafkaBus(kafka);
  try {
    const record = await runChildJob(job, {
      // Over Kafka the trainer reads its commands in a worker thread, as lyap train --brokers does.
      ...(kafka === undefined || bus === undefined ? {} : { bus, commandThread: commandThreadFrom(kafka) }),
      progress: (step) => {
        process.stdout.write(`${JSON.stringify({ step })}\n`);
      },
    });
    process.stdout.write(`${JSON.stringify({ done: record.status })}\n`);
  } finally {
    await bus?.close();
  }
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
