// The entry of the learning-rate intake's worker thread (threaded-lr-intake.ts starts it): the
// control topic read over a Kafka client of the thread's own, each command decoded, filtered
// to the run and verified by the same LrCommandScreen as on the trainer's thread, and what
// passes posted to the trainer, whose queue takes it at the next step boundary.
import { workerData } from 'node:worker_threads';
import { CommandKeyring } from '../events/index.js';
import { KafkaBus, type LogRecord } from '../transport/kafka/index.js';
import { startCommandStage } from './lr-intake.js';
import { LrCommandScreen } from './lr-command-screen.js';
import {
  errorToThread,
  jsonSafe,
  keysFromThread,
  type FromThread,
  type IntakeThreadData,
  type ToThread,
} from './lr-intake-thread-messages.js';

const data = workerData as IntakeThreadData;
const { port } = data;
const post = (message: FromThread): void => {
  port.postMessage(message);
};
const postRecord = (record: LogRecord): void => {
  try {
    post({ kind: 'bus-log', record });
  } catch {
    post({ kind: 'bus-log', record: { ...record, fields: jsonSafe(record.fields) } });
  }
};

const bus = new KafkaBus({ ...data.kafka, logger: postRecord });
const signingKey = keysFromThread(data.keys);
const screen = new LrCommandScreen({
  runId: data.runId,
  signingKey,
  acceptUnsigned: data.acceptUnsigned,
  log: (message) => {
    post({ kind: 'log', message });
  },
  refuse: (seq, outcome) => {
    post({ kind: 'refused', seq, outcome, atMs: Date.now() });
  },
});
const stage = startCommandStage({
  bus,
  topics: data.topics,
  runId: data.runId,
  groupId: data.groupId,
  onJoined: () => {
    post({ kind: 'joined' });
  },
  receive: (command) => {
    if (screen.admit(command)) post({ kind: 'command', command, atMs: Date.now() });
    postCounts();
  },
  published: () => {
    postCounts();
  },
});
function postCounts(): void {
  post({ kind: 'counts', arrivals: screen.counts, undecodable: stage.stats.invalid });
}
stage.done.then(
  () => {
    post({ kind: 'ended' });
  },
  (error: unknown) => {
    post({ kind: 'ended', error: errorToThread(error) });
  },
);

let closing = false;
port.on('message', (message: ToThread) => {
  if (message.kind === 'keys') {
    if (signingKey instanceof CommandKeyring) signingKey.replace(message.keys);
    return;
  }
  if (closing) return;
  closing = true;
  stage.stop();
  bus
    .close()
    .catch((error: unknown) => {
      post({
        kind: 'log',
        message: `closing the control consumer's Kafka client failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    })
    .finally(() => {
      post({ kind: 'closed' });
      // Nothing else holds the thread: it exits once the client's sockets are gone.
      port.close();
    });
});
