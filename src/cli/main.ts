import { Command, CommanderError } from 'commander';
import { isLyapError } from '../errors.js';
import { alertCommand } from './alert-command.js';
import { controlCommand } from './control-command.js';
import { dashboardsCommand } from './dashboards-command.js';
import { demoCommand } from './demo-command.js';
import { EXIT } from './exit-codes.js';
import { addOptionSources } from './option-sources.js';
import { packageVersion } from './package-version.js';
import { processCommand } from './process-command.js';
import { recordCommand } from './record-command.js';
import { replayCommand } from './replay-command.js';
import { sweepCommand } from './sweep-command.js';
import { trainCommand } from './train-command.js';

export interface ProgramOptions {
  /** The environment the LYAP_* option sources read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where help and version go (default: stdout). */
  writeOut?: (text: string) => void;
  /** Where usage errors and error lines go (default: stderr). */
  writeErr?: (text: string) => void;
}

export function buildProgram(setExit: (code: number) => void, options: ProgramOptions = {}): Command {
  const program = new Command('lyap')
    .description('Lyapunov exponents and Hessian sharpness of neural-network training, measured live.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: options.writeOut ?? ((s) => process.stdout.write(s)),
      writeErr: options.writeErr ?? ((s) => process.stderr.write(s)),
    });
  program.addCommand(replayCommand(setExit));
  program.addCommand(trainCommand(setExit));
  program.addCommand(processCommand(setExit));
  program.addCommand(controlCommand(setExit));
  program.addCommand(alertCommand(setExit));
  program.addCommand(dashboardsCommand(setExit));
  program.addCommand(recordCommand(setExit));
  program.addCommand(sweepCommand(setExit));
  program.addCommand(demoCommand(setExit));
  return registerAll(program, options.env ?? process.env);
}

/**
 * Every subcommand alike, however it was added: usage errors exit 2 with the hint, on the
 * program's output, and every option can also come from LYAP_* or --config.
 */
function registerAll(program: Command, env: NodeJS.ProcessEnv): Command {
  for (const command of program.commands) register(program, command);
  addOptionSources(program, env);
  return program;
}

function register(parent: Command, command: Command): void {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) register(command, sub);
}

/** Runs `lyap` with the given arguments and returns the exit code (the process edge sets it). */
export async function main(argv: readonly string[], options: ProgramOptions = {}): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  }, options);
  const writeErr = options.writeErr ?? ((s: string) => process.stderr.write(s));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Explicit --help and --version succeed; help shown because no command was given is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    if (isLyapError(error)) {
      writeErr(`lyap: ${error.message} (${error.code})\n`);
      return error.code === 'LYAP_E_CONFIG' ? EXIT.usage : EXIT.failure;
    }
    writeErr(
      `lyap: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.failure;
  }
}
