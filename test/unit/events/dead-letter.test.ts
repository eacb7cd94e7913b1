import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  MAX_DEAD_LETTER_RAW_BYTES,
  decodeEvent,
  encodeEvent,
  makeDeadLetter,
} from '../../../src/events/index.js';
import { TS } from './fixtures.js';

const utf8Length = (text: string): number => new TextEncoder().encode(text).byteLength;
const base = { sourceTopic: 'lyap.gradients', error: 'invalid-json: Unexpected end of JSON input', ts: TS };

describe('events > makeDeadLetter', () => {
  it('builds a dead-letter event that decodes', () => {
    const letter = makeDeadLetter({
      ...base,
      partition: 3,
      offset: '1024',
      key: 'run-7',
      raw: '{"v":1',
      runId: 'run-7',
    });
    assert.deepEqual(letter, {
      v: 1,
      type: 'dead-letter',
      runId: 'run-7',
      ts: TS,
      sourceTopic: 'lyap.gradients',
      partition: 3,
      offset: '1024',
      key: 'run-7',
      error: 'invalid-json: Unexpected end of JSON input',
      raw: '{"v":1',
    });
    const result = decodeEvent(encodeEvent(letter));
    assert.ok(result.ok);
    assert.deepEqual(result.event, letter);
  });

  it('keys the letter by runId "unknown" when the given one is missing or invalid', () => {
    assert.equal(makeDeadLetter({ ...base, raw: 'x' }).runId, 'unknown');
    assert.equal(makeDeadLetter({ ...base, raw: 'x', runId: 'has space' }).runId, 'unknown');
    assert.equal(makeDeadLetter({ ...base, raw: 'x', runId: '' }).runId, 'unknown');
  });

  it('truncates raw to 64 KiB of UTF-8 without splitting a multi-byte character', () => {
    assert.equal(MAX_DEAD_LETTER_RAW_BYTES, 65_536);
    const twoLeft = `${'a'.repeat(MAX_DEAD_LETTER_RAW_BYTES - 2)}€tail`;
    assert.equal(makeDeadLetter({ ...base, raw: twoLeft }).raw, 'a'.repeat(MAX_DEAD_LETTER_RAW_BYTES - 2));
    const euros = '€'.repeat(30_000);
    const raw = makeDeadLetter({ ...base, raw: euros }).raw;
    assert.equal(raw, '€'.repeat(21_845));
    assert.equal(utf8Length(raw), 65_535);
    const emoji = `${'a'.repeat(MAX_DEAD_LETTER_RAW_BYTES - 3)}😀`;
    assert.equal(makeDeadLetter({ ...base, raw: emoji }).raw, 'a'.repeat(MAX_DEAD_LETTER_RAW_BYTES - 3));
    const exact = 'a'.repeat(MAX_DEAD_LETTER_RAW_BYTES);
    assert.equal(makeDeadLetter({ ...base, raw: exact }).raw, exact);
  });

  it('truncates raw bytes at a character boundary and renders invalid bytes as U+FFFD', () => {
    const cut = new TextEncoder().encode(`${'a'.repeat(MAX_DEAD_LETTER_RAW_BYTES - 1)}€`);
    assert.equal(makeDeadLetter({ ...base, raw: cut }).raw, 'a'.repeat(MAX_DEAD_LETTER_RAW_BYTES - 1));
    const invalid = new Uint8Array([0x7b, 0xff, 0x7d]);
    assert.equal(makeDeadLetter({ ...base, raw: invalid }).raw, '{\uFFFD}');
    const manyInvalid = new Uint8Array(MAX_DEAD_LETTER_RAW_BYTES).fill(0xff);
    const raw = makeDeadLetter({ ...base, raw: manyInvalid }).raw;
    assert.ok(utf8Length(raw) <= MAX_DEAD_LETTER_RAW_BYTES);
    assert.equal(raw, '\uFFFD'.repeat(Math.floor(MAX_DEAD_LETTER_RAW_BYTES / 3)));
  });

  it('keeps a byte-order mark in raw bytes', () => {
    const raw = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
    assert.equal(makeDeadLetter({ ...base, raw }).raw, '\uFEFF{}');
  });

  it('truncates error to 4096 characters without splitting a surrogate pair', () => {
    assert.equal(makeDeadLetter({ ...base, raw: '', error: 'e'.repeat(5000) }).error.length, 4096);
    const pairAtEdge = `${'e'.repeat(4095)}😀`;
    assert.equal(makeDeadLetter({ ...base, raw: '', error: pairAtEdge }).error, 'e'.repeat(4095));
  });

  it('throws a TypeError for arguments that cannot make a dead letter', () => {
    assert.throws(() => makeDeadLetter({ ...base, raw: '', sourceTopic: '' }), TypeError);
    assert.throws(() => makeDeadLetter({ ...base, raw: '', offset: '-1' }), /offset/);
    assert.throws(() => makeDeadLetter({ ...base, raw: '', partition: -1 }), /partition/);
    assert.throws(() => makeDeadLetter({ ...base, raw: '', ts: -5 }), /ts/);
  });
});
