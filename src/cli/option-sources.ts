import { InvalidArgumentError, Option, type Command } from 'commander';
import { readConfigFile } from './config-file.js';
import { configScope, descendants } from './config-scope.js';
import { EXIT } from './exit-codes.js';
import { envName, optionSlots, valueFromConfig, valueFromText, type OptionSlot } from './option-values.js';

export const OPTION_SOURCES_HELP = [
  'Every option can also be set with LYAP_<OPTION> (--probe-every: LYAP_PROBE_EVERY;',
  'switches take true or false) or in a --config file (JSON or YAML: top-level keys,',
  'or a section per command). Precedence: flag > environment > config file > default.',
  'See docs/cli.md.',
].join('\n');

const CONFIG = 'config';

/** The options declared mandatory: checked once every source is applied, not by commander. */
const mandatory = new WeakSet<Option>();

/** Whether the option was declared with `.requiredOption(…)` (commander no longer checks it). */
export function isMandatory(option: Option): boolean {
  return option.mandatory || mandatory.has(option);
}

/**
 * Makes every option of every subcommand added so far settable by environment variable
 * (`LYAP_<OPTION>`) and by a `--config` file, each value going through the option's own
 * choices and parser; a bad one is a usage error naming its source. Precedence: command
 * line > environment > config file > default. Mandatory options are checked once all
 * sources are applied, so any source can satisfy them. Unknown `LYAP_*` variables are
 * ignored: the environment is shared.
 */
export function addOptionSources(program: Command, env: NodeJS.ProcessEnv): void {
  for (const command of descendants(program)) {
    if (!command.options.some((o) => o.long === `--${CONFIG}`)) {
      command.addOption(
        new Option(`--${CONFIG} <file>`, 'read option values from a JSON or YAML file (docs/cli.md)'),
      );
    }
    for (const option of command.options) {
      if (!option.mandatory) continue;
      option.makeOptionMandatory(false);
      mandatory.add(option);
    }
  }
  program.addHelpText('afterAll', `\n${OPTION_SOURCES_HELP}`);
  program.hook('preAction', (_program, command) => {
    applySources(command, env);
    for (const option of command.options) {
      if (mandatory.has(option) && command.getOptionValue(option.attributeName()) === undefined) {
        command.error(`error: required option '${option.flags}' not specified`, {
          exitCode: EXIT.usage,
          code: 'commander.missingMandatoryOptionValue',
        });
      }
    }
  });
}

function applySources(command: Command, env: NodeJS.ProcessEnv): void {
  const fail = (message: string): never =>
    command.error(`lyap: ${message}`, { exitCode: EXIT.usage, code: 'lyap.optionSource' });
  const set = (
    slot: OptionSlot,
    source: 'env' | 'config',
    where: string,
    parse: (before: unknown) => unknown,
  ) => {
    try {
      command.setOptionValueWithSource(slot.attribute, parse(command.getOptionValue(slot.attribute)), source);
    } catch (error) {
      if (error instanceof InvalidArgumentError) fail(`${where}: ${error.message}`);
      throw error;
    }
  };
  for (const slot of optionSlots(command)) {
    const variable = envName(slot.name);
    const text = env[variable];
    if (text === undefined || text === '' || command.getOptionValueSource(slot.attribute) === 'cli') continue;
    set(slot, 'env', variable, (before) => valueFromText(slot, text, before));
  }
  const path = command.getOptionValue(CONFIG) as string | undefined;
  if (path === undefined) return;
  const read = readConfigFile(path);
  if (!read.ok) return fail(read.message);
  const scope = configScope(command, read.file);
  if (!scope.ok) return fail(`${path}: ${scope.key}: ${scope.message}`);
  for (const { slot, value, key } of scope.entries) {
    const source = command.getOptionValueSource(slot.attribute);
    if (source === 'cli' || source === 'env') continue;
    set(slot, 'config', `${path}: ${key}`, (before) => valueFromConfig(slot, value, before));
  }
}
