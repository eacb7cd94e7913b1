import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlKeysFromEnv } from '../../../src/cli/control-keys.js';
import { isLyapError } from '../../../src/errors.js';
import { CommandKeyring } from '../../../src/events/index.js';
import { until } from '../../helpers/wait.js';

const quiet = (): void => undefined;

describe('cli > control keys from the environment', () => {
  it('LYAP_CONTROL_KEY alone stays the single legacy key', () => {
    const keys = controlKeysFromEnv({ LYAP_CONTROL_KEY: 'k' }, quiet);
    assert.equal(keys.keys, 'k');
    assert.equal(controlKeysFromEnv({}, quiet).keys, undefined);
  });

  it('LYAP_CONTROL_KEYS makes a keyring with the legacy key beside it', () => {
    const { keys } = controlKeysFromEnv({ LYAP_CONTROL_KEYS: 'a:1,b:2', LYAP_CONTROL_KEY: 'k' }, quiet);
    assert.ok(keys instanceof CommandKeyring);
    assert.deepEqual(keys.ids, ['a', 'b']);
    assert.equal(keys.legacyKey, 'k');
  });

  it('refuses both LYAP_CONTROL_KEYS and LYAP_CONTROL_KEYS_FILE, and a malformed set', () => {
    assert.throws(
      () => controlKeysFromEnv({ LYAP_CONTROL_KEYS: 'a:1', LYAP_CONTROL_KEYS_FILE: '/x' }, quiet),
      (e: unknown) => isLyapError(e, 'LYAP_E_CONFIG'),
    );
    assert.throws(
      () => controlKeysFromEnv({ LYAP_CONTROL_KEYS: 'a:1,a:2' }, quiet),
      /LYAP_CONTROL_KEYS lists key id a twice/,
    );
  });

  it('re-reads LYAP_CONTROL_KEYS_FILE when it changes and on SIGHUP; a broken file keeps the keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lyap-keys-'));
    const file = join(dir, 'keys');
    writeFileSync(file, 'a:1\n');
    // Replaced whole (written aside, renamed over), as docs/security.md advises: never seen half-written.
    let version = 0;
    const replace = (text: string): void => {
      const aside = join(dir, `keys.${++version}`);
      writeFileSync(aside, text);
      renameSync(aside, file);
    };
    const lines: string[] = [];
    const keys = controlKeysFromEnv({ LYAP_CONTROL_KEYS_FILE: file }, (_level, msg) => lines.push(msg), {
      watchIntervalMs: 50,
    });
    try {
      const ring = keys.keys;
      assert.ok(ring instanceof CommandKeyring);
      assert.deepEqual(ring.ids, ['a']);
      replace('a:1\nb:22\n');
      await until(() => ring.ids.length === 2, 'the file change to be read', { timeoutMs: 10_000 });
      assert.equal(ring.newest?.id, 'b');
      replace('b:22,');
      await until(
        () => lines.some((l) => l.startsWith('control keys not reloaded')),
        'the broken file to be noticed',
        {
          timeoutMs: 10_000,
        },
      );
      assert.deepEqual(ring.ids, ['a', 'b'], 'a file that does not parse changes nothing');
      replace('b:22\n');
      process.kill(process.pid, 'SIGHUP');
      await until(() => ring.ids.join() === 'b', 'the SIGHUP reload', { timeoutMs: 10_000 });
      assert.ok(lines.some((l) => /reloaded \((SIGHUP|file changed)\): key ids b/.test(l)));
    } finally {
      keys.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
