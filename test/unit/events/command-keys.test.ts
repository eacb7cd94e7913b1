import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isLyapError } from '../../../src/errors.js';
import {
  canonicalJson,
  CommandKeyring,
  decodeEvent,
  encodeEvent,
  parseCommandKeys,
  signCommand,
  verifyCommand,
  type LrCommandEvent,
} from '../../../src/events/index.js';

interface Vector {
  name: string;
  payload: LrCommandEvent;
  canonical: string;
  sig: string | null;
  verdict: string;
}
const file = JSON.parse(readFileSync('test/vectors/command-keys.json', 'utf8')) as {
  keys: string;
  legacyKey: string;
  vectors: Vector[];
};

const withSig = (v: Vector): LrCommandEvent => (v.sig === null ? v.payload : { ...v.payload, sig: v.sig });

describe('events > command keys > test vectors (test/vectors/command-keys.json)', () => {
  const keys = parseCommandKeys(file.keys, 'vectors');
  const ring = new CommandKeyring(keys, file.legacyKey);

  it('parses the key set: split at commas, each entry at its first colon, newest last', () => {
    assert.deepEqual(
      keys.map((k) => k.id),
      ['k2026-06', 'k2026-12'],
    );
    assert.equal(keys[1]?.secret, 'secret:with:colons');
    assert.equal(ring.newest?.id, 'k2026-12');
  });

  for (const vector of file.vectors) {
    it(`${vector.name}: canonical JSON, signature and verdict (${vector.verdict})`, () => {
      assert.equal(canonicalJson(vector.payload), vector.canonical);
      const decoded = decodeEvent(encodeEvent(withSig(vector)));
      assert.ok(decoded.ok && decoded.event.type === 'lr-command', 'the vector is a valid lr-command event');
      assert.equal(verifyCommand(decoded.event, ring), vector.verdict);
      if (vector.verdict !== 'valid') return;
      // Independent of signCommand: node's HMAC over the vector's canonical string.
      const secret =
        vector.payload.keyId === undefined
          ? file.legacyKey
          : keys.find((k) => k.id === vector.payload.keyId)?.secret;
      assert.ok(secret !== undefined);
      assert.equal(vector.sig, createHmac('sha256', secret).update(vector.canonical, 'utf8').digest('hex'));
      const key = vector.payload.keyId === undefined ? file.legacyKey : ring.find(vector.payload.keyId);
      assert.ok(key !== undefined);
      assert.equal(signCommand(vector.payload, key).sig, vector.sig, 'signCommand reproduces it');
    });
  }

  it('covers every verdict', () => {
    assert.deepEqual(
      new Set(file.vectors.map((v) => v.verdict)),
      new Set(['valid', 'unknown-key', 'forged', 'unsigned']),
    );
  });
});

describe('events > command keys', () => {
  const base: LrCommandEvent = {
    v: 1,
    type: 'lr-command',
    runId: 'r1',
    ts: 1,
    seq: 1,
    lr: 0.1,
    previousLr: 0.2,
    reason: 'edge',
    basedOnStep: 1,
  };

  it('a keyring signs with its newest key, also after the set is replaced (a rotation)', () => {
    const ring = new CommandKeyring(parseCommandKeys('a:1,b:2', 'test'));
    assert.equal(signCommand(base, ring).keyId, 'b');
    const old = signCommand(base, ring);
    ring.replace(parseCommandKeys('b:2,c:3', 'test'));
    const signed = signCommand(base, ring);
    assert.equal(signed.keyId, 'c');
    assert.equal(verifyCommand(signed, ring), 'valid');
    assert.equal(verifyCommand(old, ring), 'valid', 'b is still held');
    ring.replace(parseCommandKeys('c:3', 'test'));
    assert.equal(verifyCommand(old, ring), 'unknown-key', 'b retired');
  });

  it('signing with a legacy key drops a keyId; legacy-only trainers do not know keyed commands', () => {
    const keyed = signCommand(base, { id: 'a', secret: 's' });
    const legacy = signCommand(keyed, 's');
    assert.equal(legacy.keyId, undefined);
    assert.equal(verifyCommand(legacy, 's'), 'valid');
    assert.equal(verifyCommand(keyed, 's'), 'unknown-key');
    assert.equal(verifyCommand(legacy, new CommandKeyring(parseCommandKeys('a:s', 't'))), 'unknown-key');
  });

  it('rejects malformed key sets with a message that names the entry and never the secret', () => {
    const cases: [string, RegExp][] = [
      ['', /entry 1: the key id "" is not/],
      ['a:s1,', /entry 2: the key id ""/],
      ['a', /entry 1 \(key a\): the secret is empty/],
      ['a:', /entry 1 \(key a\): the secret is empty/],
      ['a:s1,a:s2', /lists key id a twice/],
      ['bad id:s3', /entry 1: the key id "bad id"/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(
        () => parseCommandKeys(text, 'LYAP_CONTROL_KEYS'),
        (error: unknown) =>
          isLyapError(error, 'LYAP_E_CONFIG') &&
          pattern.test(error.message) &&
          error.message.startsWith('LYAP_CONTROL_KEYS ') &&
          !/s1|s2|s3/.test(error.message),
        text,
      );
    }
  });

  it('reads a key file: line breaks separate entries too; blank and # lines are skipped', () => {
    const keys = parseCommandKeys('# rotated 2026-12\na:one\n\nb:two,c:th:ree\n', 'file', { lines: true });
    assert.deepEqual(keys, [
      { id: 'a', secret: 'one' },
      { id: 'b', secret: 'two' },
      { id: 'c', secret: 'th:ree' },
    ]);
  });

  it('tells the listeners of a keyring each new set, until they stop listening', () => {
    const ring = new CommandKeyring(parseCommandKeys('a:one', 'test'));
    const heard: string[][] = [];
    const stop = ring.onReplace((keys) => heard.push(keys.map((k) => k.id)));
    ring.replace(parseCommandKeys('a:one,b:two', 'test'));
    stop();
    ring.replace(parseCommandKeys('b:two', 'test'));
    assert.deepEqual(heard, [['a', 'b']]);
    assert.deepEqual(ring.ids, ['b']);
  });
});
