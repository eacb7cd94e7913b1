import { LyapError } from '../errors.js';
import { CONTROL_KEY_ID_PATTERN } from './lr-command.js';

/** One HMAC key of `LYAP_CONTROL_KEYS`: commands signed with it carry its `id` as `keyId`. */
export interface CommandKey {
  readonly id: string;
  readonly secret: string;
}

/**
 * `LYAP_CONTROL_KEYS`: `id:secret` entries separated by commas, each split at its first ':'
 * (a secret may hold ':' but not ','), the newest last: the controller signs with it, and
 * trainers accept every one. `source` names the variable or file in errors, which never
 * show a secret. In a key file (`lines: true`), line breaks separate entries too and blank
 * lines are skipped.
 */
export function parseCommandKeys(
  text: string,
  source: string,
  options: { lines?: boolean } = {},
): CommandKey[] {
  const invalid = (message: string): LyapError =>
    new LyapError('LYAP_E_CONFIG', `${source} ${message}`, { context: { source } });
  const entries =
    options.lines === true
      ? text
          .split(/\r?\n/)
          .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
          .flatMap((line) => line.split(','))
      : text.split(',');
  const keys: CommandKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? entry : entry.slice(0, colon);
    const secret = colon < 0 ? '' : entry.slice(colon + 1);
    if (!CONTROL_KEY_ID_PATTERN.test(id)) {
      throw invalid(
        `entry ${i + 1}: the key id ${JSON.stringify(id.slice(0, 70))} is not 1-64 characters of [A-Za-z0-9._-] (expected id:secret[,id:secret…])`,
      );
    }
    if (secret === '') throw invalid(`entry ${i + 1} (key ${id}): the secret is empty (expected id:secret)`);
    if (keys.some((k) => k.id === id)) throw invalid(`lists key id ${id} twice`);
    keys.push({ id, secret });
  }
  if (keys.length === 0) throw invalid('holds no key (expected id:secret[,id:secret…])');
  return keys;
}

/** How a command stands against the keys a trainer holds. */
export type CommandVerdict = 'valid' | 'unsigned' | 'unknown-key' | 'forged';

/**
 * The control keys of a process: the `LYAP_CONTROL_KEYS` set (replaceable while running, for
 * a rotation) and the single legacy `LYAP_CONTROL_KEY`. A command with `keyId` is checked
 * against that key of the set; one without, against the legacy key.
 */
export class CommandKeyring {
  private current: readonly CommandKey[];
  private readonly listeners = new Set<(keys: readonly CommandKey[]) => void>();

  constructor(
    keys: readonly CommandKey[],
    readonly legacyKey?: string,
  ) {
    this.current = [...keys];
  }

  get keys(): readonly CommandKey[] {
    return this.current;
  }

  /** The key the controller signs with: the last of the set. */
  get newest(): CommandKey | undefined {
    return this.current.at(-1);
  }

  get ids(): string[] {
    return this.current.map((k) => k.id);
  }

  find(id: string): CommandKey | undefined {
    return this.current.find((k) => k.id === id);
  }

  /** A new set (a key file re-read): from now on, signing and verifying use it. */
  replace(keys: readonly CommandKey[]): void {
    this.current = [...keys];
    for (const listener of this.listeners) listener(this.current);
  }

  /**
   * Tells `listener` each new set from now on (a copy of the ring kept elsewhere, such as a
   * worker thread's, follows a rotation); returns what stops it.
   */
  onReplace(listener: (keys: readonly CommandKey[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
