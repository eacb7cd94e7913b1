import { InvalidArgumentError, Option } from 'commander';
import { MAX_K } from '../events/index.js';

// The parsers of option values, shared by every command: a bad value throws commander's
// InvalidArgumentError naming the option, whichever source (flag, LYAP_*, --config) it came from.

export function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    }
    return n;
  };
}

export function nonNegativeInteger(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got '${value}'`);
    }
    return n;
  };
}

/** A finite number that passes `test`; `expected` completes "--x must be …": `in [0, 1)`. */
export function finiteNumber(
  name: string,
  expected: string,
  test: (n: number) => boolean = () => true,
): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !test(n)) {
      throw new InvalidArgumentError(`${name} must be ${expected}, got '${value}'`);
    }
    return n;
  };
}

export function positiveNumber(name: string): (value: string) => number {
  return finiteNumber(name, 'a positive number', (n) => n > 0);
}

/** `parse`, then at most `max`. */
export function atMost(
  name: string,
  max: number,
  parse: (value: string) => number,
): (value: string) => number {
  return (value) => {
    const n = parse(value);
    if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max}, got '${value}'`);
    return n;
  };
}

/** The size of a probe subspace: 0 to MAX_K vectors. */
export function subspaceSize(name: string): (value: string) => number {
  return atMost(name, MAX_K, nonNegativeInteger(name));
}

/**
 * A comma-separated list, each item trimmed and through `item` (which throws or returns
 * undefined for a bad one); an empty or bad item fails the whole list, naming it.
 * `expected` names the items in the message: "a comma-separated list of positive numbers".
 */
export function commaList<T>(
  name: string,
  item: (part: string) => T | undefined,
  expected?: string,
): (value: string) => T[] {
  const fail = (value: string): never => {
    throw new InvalidArgumentError(
      `${name} must be a comma-separated list${expected === undefined ? '' : ` of ${expected}`}, got '${value}'`,
    );
  };
  return (value) =>
    value.split(',').map((raw) => {
      const part = raw.trim();
      if (part === '') return fail(value);
      let parsed: T | undefined;
      try {
        parsed = item(part);
      } catch {
        return fail(value);
      }
      return parsed === undefined ? fail(value) : parsed;
    });
}

/** An option whose value must be one of `values`, with its default if it has one. */
export function choiceOption(
  flags: string,
  description: string,
  values: readonly string[],
  defaultValue?: string,
): Option {
  const option = new Option(flags, description).choices(values);
  return defaultValue === undefined ? option : option.default(defaultValue);
}
