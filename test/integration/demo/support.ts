import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * `npm start` runs the compiled CLI (bin/lyap.js → dist/). `npm install` and CI build it; in
 * a working copy it may be older than src/, so it is rebuilt then (tsc emits even when files
 * of work in progress elsewhere do not type-check; `npm run typecheck` is what checks them).
 */
export function ensureBuilt(): void {
  const marker = 'dist/cli/demo-command.js';
  if (existsSync(marker) && statSync(marker).mtimeMs >= newestMtimeMs('src')) return;
  spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'ignore',
  });
  if (!existsSync(marker) || statSync(marker).mtimeMs < newestMtimeMs('src')) {
    throw new Error('dist/ could not be rebuilt from src/ (run npm run build)');
  }
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment without LYAP_* variables (the demo reads its options from them), plus `env`. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LYAP_')));
  return { ...clean, ...env };
}

/** Runs a command, pipes only (not a terminal); `onStdout` sees the output so far and the child. */
export function run(
  command: string,
  args: readonly string[],
  options: {
    env: NodeJS.ProcessEnv;
    onStdout?: (soFar: string, kill: (signal: NodeJS.Signals) => void) => void;
  },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      options.onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface SummaryRow {
  run: string;
  status: string;
  steps: number;
  lr: string;
  finalLoss: number;
  accuracy: string;
  medianSharpness: number;
  stabilityRatio: number;
  topExponent: number;
  regimes: string;
  commands: string;
  alerts: string;
  /** Training accuracy against the best constant rate's, when the summary has that column. */
  vsBest: string | undefined;
}

/** The rows of the demo's summary table (columns are separated by two or more spaces, found by their header). */
export function summaryRows(stdout: string): SummaryRow[] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^run +status +steps +lr start → end/.test(l));
  if (header < 0) return [];
  const names = (lines[header] ?? '').split(/ {2,}/);
  const rows: SummaryRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (line.trim() === '') break;
    const cells = line.split(/ {2,}/);
    const c = (name: string): string | undefined => {
      const i = names.indexOf(name);
      return i < 0 ? undefined : cells[i];
    };
    rows.push({
      run: c('run') ?? '',
      status: c('status') ?? '',
      steps: Number(c('steps')),
      lr: c('lr start → end') ?? '',
      finalLoss: Number(c('final loss')),
      accuracy: c('train acc') ?? '',
      medianSharpness: Number(c('median λmax')),
      stabilityRatio: Number(c('η·λmax')),
      topExponent: Number(c('lyapunov[0]')),
      regimes: c('regimes seen') ?? '',
      commands: c('commands applied/sent') ?? '',
      alerts: c('alerts fired') ?? '',
      vsBest: c('vs best constant'),
    });
  }
  return rows;
}
