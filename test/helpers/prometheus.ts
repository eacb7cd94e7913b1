// Tools of the observability tests (promtool, prometheus, amtool, docker-compose) and a real
// Prometheus server on loopback. A test whose tool is missing fails with CI=true and is skipped
// loudly elsewhere (`.ci/run` installs the tools from Debian's packages).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { unavailable } from './unavailable.js';
import { sleep } from './wait.js';

export const TOOL_PACKAGES = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  'docker-compose': 'docker-compose',
} as const;
export type Tool = keyof typeof TOOL_PACKAGES;

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why a tool is unusable here, or undefined when it is on the PATH. */
export function missingTool(tool: Tool): string | undefined {
  if (findOnPath(tool) !== undefined) return undefined;
  return `${tool} is not on the PATH: apt-get install -y ${TOOL_PACKAGES[tool]} (.ci/run does)`;
}

/**
 * The tool's path; without it, throws under CI=true and otherwise skips the test, loudly.
 * Callers return when it gives undefined.
 */
export function requireTool(t: TestContext, tool: Tool): string | undefined {
  const path = findOnPath(tool);
  if (path !== undefined) return path;
  const why = missingTool(tool) ?? tool;
  unavailable(`CI=true and ${why}`, [`SKIPPED: ${t.name}`, why]);
  t.skip(why);
  return undefined;
}

export interface ToolRun {
  code: number | null;
  output: string;
}

/** Runs a command to completion; `output` is stdout and stderr interleaved. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output });
    });
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Polls `probe` until it returns a value other than undefined, or gives up after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 90_000, intervalMs = 500 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

export interface PromSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

export interface PromResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: PromSample[] } | string[];
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  /** A GET on the HTTP API (query, query_range, label values); the parsed JSON answer, errors included. */
  api(path: string, params: Record<string, string | string[]>): Promise<PromResponse>;
  stop(): Promise<void>;
  /** What the server printed so far (for failure messages). */
  log(): string;
}

/**
 * Starts Debian's `prometheus` on loopback with `config` (YAML text) and `files` (name → text,
 * written beside it, e.g. rule files), a TSDB in `dir`. Resolves when /-/ready answers 200.
 */
export async function startPrometheus(options: {
  binary: string;
  dir: string;
  config: string;
  files?: Record<string, string>;
}): Promise<RunningPrometheus> {
  mkdirSync(join(options.dir, 'data'), { recursive: true });
  writeFileSync(join(options.dir, 'prometheus.yml'), options.config);
  for (const [name, text] of Object.entries(options.files ?? {})) {
    const path = join(options.dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    options.binary,
    [
      `--config.file=${join(options.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (output += s));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(killer);
  };
  try {
    await pollUntil('prometheus to become ready', async () => {
      if (exited) throw new Error(`prometheus exited:\n${output}`);
      const response = await fetch(`${url}/-/ready`).catch(() => undefined);
      return response?.ok === true ? true : undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    dir: options.dir,
    async api(path, params) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(params)) {
        for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
      }
      const response = await fetch(`${url}${path}?${query.toString()}`);
      return (await response.json()) as PromResponse;
    },
    stop,
    log: () => output,
  };
}
