import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLyapError, LyapError } from '../../../src/errors.js';
import { CommandKeyring, parseCommandKeys, signCommand, verifyCommand } from '../../../src/events/index.js';
import {
  errorFromThread,
  errorToThread,
  jsonSafe,
  keysFromThread,
  threadKeys,
} from '../../../src/trainer/lr-intake-thread-messages.js';
import { lrCommand } from '../../helpers/events.js';

/** What crossing to another thread does to a value (what postMessage does). */
const crossed = <T>(value: T): T => structuredClone(value);

describe('trainer > lr intake thread > what crosses the thread boundary', () => {
  it('brings a LyapError back with its code, retriability, message and context', () => {
    const error = new LyapError('LYAP_E_KAFKA_DENIED', 'reading lyap.control: not authorized', {
      cause: new Error('TOPIC_AUTHORIZATION_FAILED'),
      context: { kafkaErrorCode: 'TOPIC_AUTHORIZATION_FAILED' },
    });
    const back = errorFromThread(crossed(errorToThread(error)));
    assert.ok(isLyapError(back, 'LYAP_E_KAFKA_DENIED'));
    assert.equal(back.retriable, false);
    assert.equal(back.message, error.message);
    assert.deepEqual(back.context, { kafkaErrorCode: 'TOPIC_AUTHORIZATION_FAILED' });
    assert.equal(back.stack, error.stack);
  });

  it('brings other errors back as plain errors with their message, and non-errors as their text', () => {
    const back = errorFromThread(crossed(errorToThread(new TypeError('boom'))));
    assert.ok(!isLyapError(back));
    assert.equal(back.message, 'boom');
    assert.equal(errorFromThread(crossed(errorToThread('a string'))).message, 'a string');
  });

  it('hands the thread the same keys: a keyring’s set and legacy key, or the legacy key alone', () => {
    const ring = new CommandKeyring(parseCommandKeys('old:s-old,new:s-new', 'test'), 'legacy');
    const copy = keysFromThread(crossed(threadKeys(ring)));
    assert.ok(copy instanceof CommandKeyring);
    for (const key of ['legacy', { id: 'new', secret: 's-new' }, { id: 'other', secret: 'x' }] as const) {
      const command = signCommand(lrCommand(1, 0.1), key);
      assert.equal(verifyCommand(command, copy), verifyCommand(command, ring));
    }
    assert.equal(keysFromThread(crossed(threadKeys('legacy'))), 'legacy');
    assert.equal(keysFromThread(threadKeys(undefined)), undefined);
    const withoutLegacy = keysFromThread(
      crossed(threadKeys(new CommandKeyring(parseCommandKeys('a:b', 'test')))),
    );
    assert.ok(withoutLegacy instanceof CommandKeyring && withoutLegacy.legacyKey === undefined);
  });

  it('turns log fields that cannot be posted into their JSON form', () => {
    const fields = { error: 'x', offset: 10n, retry: () => undefined, nested: { at: 1 } };
    assert.throws(() => structuredClone(fields));
    assert.deepEqual(crossed(jsonSafe(fields)), { error: 'x', offset: '10', nested: { at: 1 } });
  });
});
