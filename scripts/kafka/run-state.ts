import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_DIR } from './kafka-paths.js';

/** What `npm run kafka:start` leaves in .cache/kafka/run/ for `kafka:stop` and for tools. */
export interface RunState {
  pid: number;
  bootstrap: string;
  version: string;
  clusterId: string;
  startedAt: string;
}

const STATE_FILE = join(RUN_DIR, 'broker.json');
const PID_FILE = join(RUN_DIR, 'broker.pid');
const BOOTSTRAP_FILE = join(RUN_DIR, 'bootstrap');

export function writeRunState(state: RunState): void {
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2) + '\n');
  writeFileSync(PID_FILE, `${state.pid}\n`);
  writeFileSync(BOOTSTRAP_FILE, `${state.bootstrap}\n`);
}

export function readRunState(): RunState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as RunState;
}

export function clearRunState(): void {
  for (const file of [STATE_FILE, PID_FILE, BOOTSTRAP_FILE]) rmSync(file, { force: true });
}

/** True if `pid` is a live Kafka server JVM (not a recycled pid of something else). */
export function isKafkaProcess(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return cmdline.includes('kafka.Kafka') && state !== 'Z';
  } catch {
    return false;
  }
}
