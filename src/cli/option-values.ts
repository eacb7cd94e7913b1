import { InvalidArgumentError, type Command, type Option } from 'commander';

/** One settable value of a command: an option, or the `--x`/`--no-x` pair sharing its attribute. */
export interface OptionSlot {
  /** commander's attribute name, the camelCase key: `probeEvery`. */
  attribute: string;
  /** the long name without dashes (and without `no-`), the kebab-case key: `probe-every`. */
  name: string;
  /** the positive option of a pair. */
  option: Option;
}

export const ENV_PREFIX = 'LYAP_';

const SWITCH_VALUES: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

/** The long option name in upper snake case after `LYAP_`: `probe-every` → `LYAP_PROBE_EVERY`. */
export function envName(name: string): string {
  return ENV_PREFIX + name.replace(/-/g, '_').toUpperCase();
}

/** The options of a command with a long name, one per attribute. */
export function optionSlots(command: Command): OptionSlot[] {
  const slots = new Map<string, OptionSlot>();
  for (const option of command.options) {
    if (option.long === undefined) continue;
    const attribute = option.attributeName();
    if (slots.get(attribute)?.option.negate === false) continue;
    const name = option.long.replace(/^--/, '').replace(option.negate ? /^no-/ : /^$/, '');
    slots.set(attribute, { attribute, name, option });
  }
  return [...slots.values()];
}

/**
 * An environment value, through the option's own choices and parser: switches take
 * true/false (1/0, yes/no, on/off), variadic options a comma-separated list. Bad values
 * throw commander's InvalidArgumentError, as on the command line.
 */
export function valueFromText(slot: OptionSlot, text: string, before: unknown): unknown {
  if (isSwitch(slot.option)) return parseSwitch(slot, text);
  if (slot.option.variadic)
    return parseItems(
      slot,
      text.split(',').map((s) => s.trim()),
      before,
    );
  return parseText(slot, text, before);
}

/**
 * A config-file value: switches take booleans (or the strings of valueFromText), value
 * options a string, a number, or a list of them (joined with commas unless variadic).
 */
export function valueFromConfig(slot: OptionSlot, value: unknown, before: unknown): unknown {
  if (isSwitch(slot.option)) {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') return parseSwitch(slot, value);
    throw new InvalidArgumentError(
      `--${slot.name} is a switch: use true or false, got ${describeValue(value)}`,
    );
  }
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
    return valueFromText(slot, String(value), before);
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    const items = value.map(String);
    return slot.option.variadic ? parseItems(slot, items, before) : parseText(slot, items.join(','), before);
  }
  throw new InvalidArgumentError(
    `--${slot.name} takes a string, a number or a list of them, got ${describeValue(value)}`,
  );
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function isSwitch(option: Option): boolean {
  return !option.required && !option.optional;
}

function parseSwitch(slot: OptionSlot, text: string): boolean {
  const value = SWITCH_VALUES[text.trim().toLowerCase()];
  if (value === undefined) {
    throw new InvalidArgumentError(`--${slot.name} is a switch: use true or false, got '${text}'`);
  }
  return value;
}

function parseText(slot: OptionSlot, text: string, before: unknown): unknown {
  const { option } = slot;
  if (option.argChoices !== undefined && !option.argChoices.includes(text)) {
    throw new InvalidArgumentError(
      `--${slot.name} must be one of ${option.argChoices.join(', ')}, got '${text}'`,
    );
  }
  if (option.parseArg !== undefined) return option.parseArg(text, before);
  if (!option.variadic) return text;
  // As commander accumulates: the first value replaces the default.
  return Array.isArray(before) && before !== option.defaultValue ? [...(before as unknown[]), text] : [text];
}

function parseItems(slot: OptionSlot, items: readonly string[], before: unknown): unknown {
  return items.reduce<unknown>((acc, item) => parseText(slot, item, acc), before);
}
