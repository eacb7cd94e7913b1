import { Command } from 'commander';

/** How a command's action hands its exit code to `main`. */
export type SetExit = (code: number) => void;

export interface CommandDefinition<Flags> {
  name: string;
  /** The help text under the usage line (and the command's paragraph in docs/cli.md). */
  description: string;
  /** Declares the options on the new command and returns it. */
  options: (command: Command) => Command;
  /** Does the work; the result is the exit code. Throw a LyapError for a coded failure. */
  run: (flags: Flags, command: Command) => number | Promise<number>;
}

/**
 * A `lyap` subcommand, as `buildProgram` (src/cli/main.ts) adds it: the command with its
 * options, whose action runs `run` and sets the exit code.
 */
export function defineCommand<Flags>(definition: CommandDefinition<Flags>): (setExit: SetExit) => Command {
  return (setExit) =>
    definition
      .options(new Command(definition.name).description(definition.description))
      .action(async (flags: Flags, command: Command) => {
        setExit(await definition.run(flags, command));
      });
}
