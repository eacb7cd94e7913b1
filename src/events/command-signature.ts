import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LrCommandEvent } from './lr-command.js';

/**
 * JSON with every object's keys sorted (UTF-16 order) and no whitespace: the byte string a
 * command signature covers, the same whichever producer wrote the keys in which order.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function hmacHex(command: Omit<LrCommandEvent, 'sig'>, key: string): string {
  return createHmac('sha256', key).update(canonicalJson(command)).digest('hex');
}

/** The command with `sig`: HMAC-SHA256 (hex) of the canonical JSON of its other fields. */
export function signCommand(command: LrCommandEvent, key: string): LrCommandEvent {
  const unsigned: LrCommandEvent = { ...command };
  delete unsigned.sig;
  return { ...unsigned, sig: hmacHex(unsigned, key) };
}

/** Whether `sig` is present and matches the command under `key` (constant-time comparison). */
export function verifyCommandSignature(command: LrCommandEvent, key: string): boolean {
  const { sig, ...unsigned } = command;
  if (sig === undefined) return false;
  const expected = Buffer.from(hmacHex(unsigned, key), 'hex');
  const given = Buffer.from(sig, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
