import { InvalidArgumentError } from 'commander';

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

export function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError(`${name} must be a positive number, got '${value}'`);
    }
    return n;
  };
}
