// The rule for a service or tool a test needs and this machine lacks (a Kafka broker, promtool…):
// with CI=true that is a FAILURE, not a skip; elsewhere the test is skipped, and says so loudly.

function loud(lines: readonly string[]): void {
  const bar = '*'.repeat(78);
  process.stderr.write(`\n${bar}\n${lines.map((l) => `*** ${l}`).join('\n')}\n${bar}\n\n`);
}

/**
 * With CI=true, throws `ciFailure` (with `cause`, when given). Otherwise writes `lines` on
 * stderr between bars of stars and returns: the caller then skips.
 */
export function unavailable(ciFailure: string, lines: readonly string[], cause?: unknown): void {
  if (process.env['CI'] === 'true') throw new Error(ciFailure, cause === undefined ? undefined : { cause });
  loud(lines);
}
