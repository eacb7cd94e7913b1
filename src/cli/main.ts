import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isLyapError } from '../errors.js';
import { controlCommand } from './control-command.js';
import { dashboardsCommand } from './dashboards-command.js';
import { EXIT } from './exit-codes.js';
import { processCommand } from './process-command.js';
import { recordCommand } from './record-command.js';
import { replayCommand } from './replay-command.js';
import { trainCommand } from './train-command.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('lyap')
    .description('Lyapunov exponents and Hessian sharpness of neural-network training, measured live.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.addCommand(replayCommand(setExit).exitOverride().showHelpAfterError('(run with --help for usage)'));
  program.addCommand(trainCommand(setExit).exitOverride().showHelpAfterError('(run with --help for usage)'));
  program.addCommand(
    processCommand(setExit).exitOverride().showHelpAfterError('(run with --help for usage)'),
  );
  program.addCommand(
    controlCommand(setExit).exitOverride().showHelpAfterError('(run with --help for usage)'),
  );
  program.addCommand(dashboardsCommand(setExit));
  program.addCommand(recordCommand(setExit));
  return program;
}

/** Runs `lyap` with the given arguments and returns the exit code (the process edge sets it). */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
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
      process.stderr.write(`lyap: ${error.message} (${error.code})\n`);
      return error.code === 'LYAP_E_CONFIG' ? EXIT.usage : EXIT.failure;
    }
    process.stderr.write(
      `lyap: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.failure;
  }
}
