import { readFileSync, statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { LyapError } from '../errors.js';
import { CommandKeyring, parseCommandKeys, type CommandKey } from '../events/index.js';

export interface ControlKeys {
  /** What signs or verifies: a keyring (`LYAP_CONTROL_KEYS[_FILE]`), the legacy key alone, or nothing. */
  readonly keys: CommandKeyring | string | undefined;
  /** Stops watching the key file (a no-op without one). */
  stop(): void;
}

function readKeyFile(path: string): CommandKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new LyapError('LYAP_E_CONFIG', `LYAP_CONTROL_KEYS_FILE ${path} cannot be read`, { cause });
  }
  return parseCommandKeys(text, `LYAP_CONTROL_KEYS_FILE ${path}`, { lines: true });
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

const describe = (ring: CommandKeyring): string =>
  `key ids ${ring.ids.join(', ')} (newest ${ring.newest?.id ?? '-'})`;

/**
 * The control keys from the environment (docs/security.md): `LYAP_CONTROL_KEYS` (`id:secret,…`,
 * newest last), or `LYAP_CONTROL_KEYS_FILE` (the same in a file, re-read on SIGHUP and when it
 * changes, so that keys rotate without a restart), beside the legacy `LYAP_CONTROL_KEY`. A
 * file that no longer parses leaves the keys as they were, and says so.
 */
export function controlKeysFromEnv(
  env: NodeJS.ProcessEnv,
  log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void,
  options: { watchIntervalMs?: number } = {},
): ControlKeys {
  const read = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const legacy = read('LYAP_CONTROL_KEY');
  const inline = read('LYAP_CONTROL_KEYS');
  const file = read('LYAP_CONTROL_KEYS_FILE');
  if (inline !== undefined && file !== undefined) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      'LYAP_CONTROL_KEYS and LYAP_CONTROL_KEYS_FILE are both set: set one',
    );
  }
  if (inline === undefined && file === undefined) return { keys: legacy, stop: () => undefined };
  // Taken before the first read, so that a file replaced in between is read again at the first poll.
  const statAtRead = file === undefined ? undefined : statOrUndefined(file);
  const ring = new CommandKeyring(
    inline === undefined ? readKeyFile(file ?? '') : parseCommandKeys(inline, 'LYAP_CONTROL_KEYS'),
    legacy,
  );
  log('info', `control keys: ${describe(ring)}`, { keyIds: ring.ids });
  if (file === undefined) return { keys: ring, stop: () => undefined };
  const reload = (why: string): void => {
    try {
      const before = ring.ids.join(',');
      ring.replace(readKeyFile(file));
      if (ring.ids.join(',') !== before || why === 'SIGHUP') {
        log('info', `control keys reloaded (${why}): ${describe(ring)}`, { keyIds: ring.ids });
      }
    } catch (error) {
      log(
        'warn',
        `control keys not reloaded (${why}), keeping ${describe(ring)}: ${(error as Error).message}`,
      );
    }
  };
  const onHangup = (): void => {
    reload('SIGHUP');
  };
  process.on('SIGHUP', onHangup);
  // Polled against the stat taken when the file was last read, not against the first poll's:
  // a file replaced before that first stat lands would otherwise go unseen (fs.watchFile's race).
  let seen = statAtRead;
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    stat(file)
      .then(
        (now) => {
          if (
            seen === undefined ||
            now.mtimeMs !== seen.mtimeMs ||
            now.size !== seen.size ||
            now.ino !== seen.ino
          ) {
            seen = now;
            reload('file changed');
          }
        },
        () => undefined, // gone for a moment (replaced by a rename, or removed): the keys stay
      )
      .finally(() => {
        polling = false;
      });
  }, options.watchIntervalMs ?? 1000);
  timer.unref();
  return {
    keys: ring,
    stop: () => {
      process.off('SIGHUP', onHangup);
      clearInterval(timer);
    },
  };
}
