/** Process exit codes of `lyap`, documented in README.md ("Exit codes"). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  strictInput: 3,
} as const;
