import type { LrCommandSource } from './trainer.js';

export type FirstCommandOutcome = 'command' | 'timeout' | 'aborted';

/**
 * The bounded wait after the warm-up probe (docs/trainer.md, "Warm-up"): the events emitted so
 * far are published first (`flushEvents`), so that the processor and the controller see the
 * warm-up step at all, then the first command the source would apply is awaited; both within
 * `timeoutMs` of the call. An abort ends the wait at once.
 */
export async function waitForFirstCommand(options: {
  commands: LrCommandSource;
  timeoutMs: number;
  flushEvents?: (() => Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
  clock: () => number;
}): Promise<FirstCommandOutcome> {
  const { commands, timeoutMs, signal, clock } = options;
  const started = clock();
  if (options.flushEvents !== undefined) {
    await settledWithin(options.flushEvents(), timeoutMs, signal);
  }
  if (aborted(signal)) return 'aborted';
  const remainingMs = Math.max(0, timeoutMs - (clock() - started));
  const arrived = (await commands.waitForCommand?.(remainingMs, signal)) ?? false;
  if (arrived) return 'command';
  return aborted(signal) ? 'aborted' : 'timeout';
}

// A function, not an inline test: the compiler would take `aborted` as fixed after one check.
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Waits for `promise` (its failure included), for at most `ms`, or until `signal` aborts. */
async function settledWithin(
  promise: Promise<unknown>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      promise.catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
        onAbort = resolve;
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}
