// The command lines of the repository's scripts (npm run soak, lr-grid, bench, …): node's own
// parseArgs, with `--help` printing the script's usage and a bad flag printing what is wrong in
// one line (exit 2), not parseArgs's stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

export interface ScriptArgsSpec<O extends Options> {
  /** The name errors are prefixed with, e.g. `soak`. */
  name: string;
  /** What `--help` prints: the usage line(s) and what the options mean. */
  usage: string;
  options: O;
  allowPositionals?: boolean;
  /** The arguments (default: process.argv after the script). */
  args?: string[];
}

/** What a script's command line failed on: shown as `<name>: <message>`. */
export class ScriptArgsError extends Error {}

/**
 * The parsed command line; prints the usage and exits 0 on `--help` or `-h`, prints
 * `<name>: <what is wrong>` with a pointer to `--help` and exits 2 on an unknown flag, a missing
 * value, a stray positional or a `ScriptArgsError` thrown by `check`.
 */
export function scriptArgs<O extends Options, R = Parsed<O>>(
  spec: ScriptArgsSpec<O>,
  check?: (parsed: Parsed<O>) => R,
): R {
  const args = spec.args ?? process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${spec.usage.trim()}\n`);
    process.exit(0);
  }
  try {
    const parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
    if (spec.allowPositionals !== true && parsed.positionals.length > 0) {
      throw new ScriptArgsError(`unexpected argument '${parsed.positionals[0]}'`);
    }
    return check === undefined ? (parsed as R) : check(parsed);
  } catch (error) {
    if (!(error instanceof ScriptArgsError || isParseArgsError(error))) throw error;
    return badArgs(spec.name, describe(error as Error));
  }
}

/** Prints `<name>: <message>` with the pointer to `--help` and exits 2: a command line found wrong after parsing. */
export function badArgs(name: string, message: string): never {
  process.stderr.write(`${name}: ${message} (--help shows the usage)\n`);
  process.exit(2);
}

/** A positive number from a flag's text, else a ScriptArgsError naming the flag. */
export function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0))
    throw new ScriptArgsError(`--${flag} ${text}: expected a positive number`);
  return n;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** parseArgs's message in one line, its advice on positionals that start with '-' left out. */
function describe(error: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknown !== null) return `unknown option ${unknown[1]}`;
  return error.message.replace(/\s+/g, ' ').trim();
}
