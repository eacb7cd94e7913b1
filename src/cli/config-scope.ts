import type { Command } from 'commander';
import { isMapping, type ConfigFile } from './config-file.js';
import { describeValue, optionSlots, type OptionSlot } from './option-values.js';

export interface ConfigEntry {
  slot: OptionSlot;
  value: unknown;
  /** where in the file: `steps` (top level) or `train.steps` (the train section). */
  key: string;
}

export type ConfigScopeResult =
  { ok: true; entries: ConfigEntry[] } | { ok: false; key: string; message: string };

const CONFIG_KEY = 'config';

/**
 * The values a config file gives one command. A top-level key that names a command is that
 * command's section; any other top-level key applies to every command that has the option.
 * Keys are long option names, kebab-case or camelCase. Top-level entries come first and the
 * section's after them, so the section wins. The whole file is checked against every command,
 * so a misspelt key fails whichever command runs.
 */
export function configScope(command: Command, file: ConfigFile): ConfigScopeResult {
  let root = command;
  while (root.parent !== null) root = root.parent;
  const commands = new Map([...descendants(root)].map((c) => [c.name(), c]));
  const known = new Set([...commands.values()].flatMap((c) => [...keysOf(c).keys()]));
  const own = keysOf(command);
  const entries: ConfigEntry[] = [];
  const take = (
    scope: Readonly<Record<string, unknown>>,
    prefix: string,
    has: (key: string) => boolean,
    unknown: (key: string) => string,
    apply: boolean,
  ): { key: string; message: string } | undefined => {
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(scope)) {
      const where = `${prefix}${key}`;
      if (key === CONFIG_KEY) return { key: where, message: 'a config file cannot name another config file' };
      if (!has(key)) return { key: where, message: unknown(key) };
      const slot = own.get(key);
      if (!apply || slot === undefined) continue;
      const twice = seen.get(slot.attribute);
      if (twice !== undefined) return { key: where, message: `--${slot.name} is already set by ${twice}` };
      seen.set(slot.attribute, where);
      entries.push({ slot, value, key: where });
    }
    return undefined;
  };
  const topLevel = Object.fromEntries(Object.entries(file).filter(([key]) => !commands.has(key)));
  const topError = take(
    topLevel,
    '',
    (key) => known.has(key),
    (key) => `unknown option: no lyap command has --${kebab(key)}`,
    true,
  );
  if (topError !== undefined) return { ok: false, ...topError };
  for (const [name, sub] of commands) {
    const section = file[name];
    if (section === undefined) continue;
    if (!isMapping(section)) {
      return {
        ok: false,
        key: name,
        message: `a command section must map option names to values, got ${describeValue(section)}`,
      };
    }
    const options = keysOf(sub);
    const error = take(
      section,
      `${name}.`,
      (key) => options.has(key),
      (key) => `unknown option: lyap ${name} has no --${kebab(key)}`,
      sub === command,
    );
    if (error !== undefined) return { ok: false, ...error };
  }
  return { ok: true, entries };
}

export function* descendants(command: Command): Generator<Command> {
  for (const sub of command.commands) {
    yield sub;
    yield* descendants(sub);
  }
}

/** A command's options by both accepted keys, kebab-case and camelCase. */
function keysOf(command: Command): Map<string, OptionSlot> {
  return new Map(
    optionSlots(command)
      .filter((slot) => slot.attribute !== CONFIG_KEY)
      .flatMap((slot) => [
        [slot.name, slot],
        [slot.attribute, slot],
      ]),
  );
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
