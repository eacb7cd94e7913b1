import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from './wait.js';

export interface LyapProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote on stderr so far. */
  stderr(): string;
  stdout(): string;
  /** Settles with the exit code (null when killed by a signal) once the process has closed. */
  readonly exited: Promise<number | null>;
  /** Resolves once stderr matches `pattern` (rejects after `timeoutMs`, or when the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/**
 * A long-running `lyap <args>` from the sources (through tsx), its output collected: the one
 * spawner of lyap processes that tests watch while they run (`lyap` of cli.ts runs one to its end).
 */
export function spawnLyap(args: readonly string[], env: NodeJS.ProcessEnv = {}): LyapProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  let closed = false;
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      closed = true;
      resolve(code);
    }),
  );
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(stderr);
      if (match !== null) return match;
      if (closed) throw new Error(`lyap ${args[0] ?? ''} exited before ${String(pattern)}:\n${stderr}`);
      if (Date.now() > deadline)
        throw new Error(`lyap ${args[0] ?? ''}: no ${String(pattern)} in ${timeoutMs} ms:\n${stderr}`);
      await sleep(50);
    }
  };
  return { child, stderr: () => stderr, stdout: () => stdout, exited, waitFor };
}

/**
 * Stops lyap processes as an operator does, SIGTERM to all of them first (they shut down side by
 * side), and asserts that each one exited 0 (its stderr in the message when not).
 */
export async function stopGracefully(...processes: readonly LyapProcess[]): Promise<void> {
  for (const p of processes) p.child.kill('SIGTERM');
  for (const p of processes) assert.equal(await p.exited, 0, p.stderr());
}
