// Waiting in tests: a pause, and polling a condition until it holds (with a bound for slow
// machines, not a claim about speed). One definition for test/helpers and the Kafka tests.
import assert from 'node:assert/strict';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long `poll` and `until` wait by default. */
export const PATIENCE_MS = 60_000;
const INTERVAL_MS = 20;

export interface PollOptions {
  /** The longest to wait (default 60 s). */
  readonly timeoutMs?: number;
  /** The pause between two looks (default 20 ms); a condition that asks a broker wants a longer one. */
  readonly intervalMs?: number;
}

/**
 * Looks at `condition` until it holds or `timeoutMs` have passed, `intervalMs` apart (the last
 * look comes after the deadline); says whether it held. For a caller that asserts on its own terms.
 */
export async function poll(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = PATIENCE_MS, intervalMs = INTERVAL_MS }: PollOptions = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** `poll`, failing the test with "gave up after … ms waiting for <what>" when the condition never holds. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  options: PollOptions = {},
): Promise<void> {
  const held = await poll(condition, options);
  assert.ok(
    held,
    `gave up after ${options.timeoutMs ?? PATIENCE_MS} ms waiting for ${typeof what === 'string' ? what : what()}`,
  );
}
