import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildJob } from './child-run.js';
import type { RunRecord } from './run-record.js';
import { failedRun } from './run-summary.js';
import { upgradeRecord, type StoredRecord } from './upgrade.js';
import type { RunSpec, SweepConfig } from './sweep-config.js';

/** The child's entry point, next to this file's build (`.ts` under tsx, `.js` from dist). */
const CHILD_ENTRY = fileURLToPath(
  new URL(`../cli/sweep-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

export interface PoolOptions {
  config: SweepConfig;
  /** The sweep's folder; each run gets `runs/<id>/`. */
  outDir: string;
  /** Kafka: the sweep's topic prefix, to which each run appends its index. */
  topicPrefix?: string;
  /** Index of the first spec, for unique topic prefixes across phases. */
  firstIndex?: number;
  log: (line: string) => void;
  /** Stops starting new runs and kills the running ones (SIGINT). */
  signal?: AbortSignal;
}

/**
 * Runs every spec in its own child process, `config.jobs` at a time, and returns their
 * records in spec order. A child that exits without a summary, or stays silent for
 * `runTimeoutSeconds`, is recorded as failed with the tail of its stderr; the others go on.
 */
export async function runPool(specs: readonly RunSpec[], options: PoolOptions): Promise<RunRecord[]> {
  const records: (RunRecord | undefined)[] = new Array<RunRecord | undefined>(specs.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length && options.signal?.aborted !== true) {
      const index = next++;
      const spec = specs[index] as RunSpec;
      const record = await runOne(spec, (options.firstIndex ?? 0) + index, options);
      records[index] = record;
      done++;
      options.log(`[${done}/${specs.length}] ${describe(record)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.config.jobs, specs.length) }, worker));
  return records.filter((r): r is RunRecord => r !== undefined);
}

function describe(r: RunRecord): string {
  const late =
    r.late === null
      ? ''
      : `, late λ_max ${r.late.sharpness.toPrecision(3)}, η·λ_max ${r.late.etaLambda.toPrecision(3)}`;
  const loss = r.finalLoss === null ? '' : `, loss ${r.finalLoss.toPrecision(3)}`;
  const commands =
    r.arm === 'controller' ? `, ${r.appliedCommands.length} commands applied, ${r.commandSpikes} spikes` : '';
  const why = r.error === undefined ? '' : `: ${r.error}`;
  return `${r.id} ${r.status} in ${r.wallSeconds.toFixed(0)} s${late}${loss}${commands}${why}`;
}

function runOne(spec: RunSpec, index: number, options: PoolOptions): Promise<RunRecord> {
  const dir = join(options.outDir, 'runs', spec.id);
  mkdirSync(dir, { recursive: true });
  const job: ChildJob = {
    spec,
    config: options.config,
    dir,
    ...(options.topicPrefix === undefined
      ? {}
      : { topicPrefix: `${options.topicPrefix}r${String(index).padStart(3, '0')}.` }),
  };
  const jobPath = join(dir, 'job.json');
  writeFileSync(jobPath, JSON.stringify(job, null, 1) + '\n');
  rmSync(join(dir, 'summary.json'), { force: true });
  const started = performance.now();
  const target = options.config.targetLoss[spec.loss];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, CHILD_ENTRY, jobPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    const timeoutMs = options.config.runTimeoutSeconds * 1000;
    let timer = setTimeout(kill, timeoutMs);
    function kill(): void {
      timedOut = true;
      child.kill('SIGKILL');
    }
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', () => {
      clearTimeout(timer);
      timer = setTimeout(kill, timeoutMs);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-4000);
    });
    const finish = (why: string): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const summary = join(dir, 'summary.json');
      const seconds = (performance.now() - started) / 1000;
      if (existsSync(summary)) {
        // In today's shape even when the child ran other code (a tree changed under the sweep).
        const stored = JSON.parse(readFileSync(summary, 'utf8')) as StoredRecord;
        resolve(upgradeRecord(stored, join(dir, 'gradients.jsonl'), options.config));
        return;
      }
      const tail = stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
      resolve(failedRun(spec, `${why}${tail === '' ? '' : `: ${tail}`}`, seconds, target));
    };
    child.on('error', (error) => {
      finish(`could not start: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      finish(
        timedOut
          ? `silent for ${options.config.runTimeoutSeconds} s, killed`
          : `child exited with ${signal ?? `code ${code ?? '?'}`}`,
      );
    });
  });
}
