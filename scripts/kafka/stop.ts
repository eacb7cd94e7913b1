// npm run kafka:stop — stops the broker of `npm run kafka:start`: SIGTERM (a controlled
// shutdown), then SIGKILL if it is still there after 30 s. Keeps the logs.
import { clearRunState, isKafkaProcess, readRunState } from './run-state.js';

const GRACE_MS = 30_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const state = readRunState();
if (state === undefined || !isKafkaProcess(state.pid)) {
  console.log('no broker of npm run kafka:start is running');
} else {
  const startedAt = Date.now();
  process.kill(state.pid, 'SIGTERM');
  while (isKafkaProcess(state.pid) && Date.now() - startedAt < GRACE_MS) await sleep(100);
  if (isKafkaProcess(state.pid)) {
    process.kill(state.pid, 'SIGKILL');
    console.log(`broker ${state.pid} did not stop within ${GRACE_MS} ms: killed`);
  } else {
    console.log(
      `stopped the broker at ${state.bootstrap} (pid ${state.pid}) in ${Date.now() - startedAt} ms`,
    );
  }
}
clearRunState();
