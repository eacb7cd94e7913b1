import { spawn } from 'node:child_process';

/**
 * Ends `pid` (SIGTERM, then SIGKILL after `graceSeconds`) once `ownerPid` is gone, so a
 * test process that dies without stopping its broker does not leave a JVM behind. A
 * detached shell polling once a second; it exits by itself when `pid` exits first.
 */
export function killWhenOwnerExits(options: { ownerPid: number; pid: number; graceSeconds?: number }): void {
  const script = [
    'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done',
    'kill -0 "$1" 2>/dev/null || exit 0',
    'kill -TERM "$1"',
    'i=0; while [ "$i" -lt "$2" ] && kill -0 "$1" 2>/dev/null; do sleep 1; i=$((i+1)); done',
    'kill -KILL "$1" 2>/dev/null; exit 0',
  ].join('\n');
  const child = spawn(
    'sh',
    ['-c', script, String(options.ownerPid), String(options.pid), String(options.graceSeconds ?? 20)],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
}
