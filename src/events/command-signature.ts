import { createHmac, timingSafeEqual } from 'node:crypto';
import { CommandKeyring, type CommandKey, type CommandVerdict } from './command-keys.js';
import type { LrCommandEvent } from './lr-command.js';
import { unknownFieldsOf } from './unknown-fields.js';

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

function hmacHex(fields: Readonly<Record<string, unknown>>, secret: string): string {
  return createHmac('sha256', secret).update(canonicalJson(fields)).digest('hex');
}

/**
 * What a command is signed with: the single legacy key (`LYAP_CONTROL_KEY`, no `keyId`), one
 * key of `LYAP_CONTROL_KEYS` (its id goes in `keyId`), or a keyring, whose newest key signs
 * (its legacy key when it holds no set).
 */
export type SigningKey = string | CommandKey | CommandKeyring;

function resolve(key: SigningKey): { secret: string; id?: string } {
  if (typeof key === 'string') return { secret: key };
  if (key instanceof CommandKeyring) {
    const newest = key.newest;
    if (newest !== undefined) return { secret: newest.secret, id: newest.id };
    if (key.legacyKey !== undefined) return { secret: key.legacyKey };
    throw new RangeError('a keyring with no key cannot sign');
  }
  return { secret: key.secret, id: key.id };
}

/**
 * The command with `sig`: HMAC-SHA256 (hex) of the canonical JSON of its other fields (every
 * own field, those this version does not know too), `keyId` included when the key has an id (a
 * legacy key leaves `keyId` out).
 */
export function signCommand(command: LrCommandEvent, key: SigningKey): LrCommandEvent {
  const { secret, id } = resolve(key);
  const unsigned: LrCommandEvent = { ...command };
  delete unsigned.sig;
  delete unsigned.keyId;
  if (id !== undefined) unsigned.keyId = id;
  return { ...unsigned, sig: hmacHex(unsigned, secret) };
}

/**
 * What the signature covers: every field but `sig`, the decoded ones (what the trainer applies)
 * and the ones its decoder did not know, as received.
 */
function signedFields(
  command: LrCommandEvent,
  unknownFields: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...unknownFields, ...command };
  delete fields['sig'];
  return fields;
}

function matches(
  command: LrCommandEvent,
  unknownFields: Readonly<Record<string, unknown>> | undefined,
  secret: string,
): boolean {
  const { sig } = command;
  if (sig === undefined) return false;
  const expected = Buffer.from(hmacHex(signedFields(command, unknownFields), secret), 'hex');
  const given = Buffer.from(sig, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * How `command` stands against `keys` (constant-time comparison): `unsigned` without `sig`;
 * with `keyId`, checked against that key of the set (`unknown-key` when it holds none); without,
 * against the legacy key (`unknown-key` when there is none). A string is a legacy key alone.
 *
 * The signature covers every field the signer wrote, so the check runs over the command's fields
 * and `unknownFields`, the fields it arrived with that this version does not know: by default
 * those `decodeEvent` kept aside for it (none for a command built in code, or a copy).
 */
export function verifyCommand(
  command: LrCommandEvent,
  keys: string | CommandKeyring,
  unknownFields: Readonly<Record<string, unknown>> | undefined = unknownFieldsOf(command),
): CommandVerdict {
  if (command.sig === undefined) return 'unsigned';
  const ring = typeof keys === 'string' ? new CommandKeyring([], keys) : keys;
  const secret = command.keyId === undefined ? ring.legacyKey : ring.find(command.keyId)?.secret;
  if (secret === undefined) return 'unknown-key';
  return matches(command, unknownFields, secret) ? 'valid' : 'forged';
}

/** Whether `sig` is present and matches the command under `key` (see `verifyCommand`). */
export function verifyCommandSignature(
  command: LrCommandEvent,
  key: string | CommandKeyring,
  unknownFields: Readonly<Record<string, unknown>> | undefined = unknownFieldsOf(command),
): boolean {
  return verifyCommand(command, key, unknownFields) === 'valid';
}
