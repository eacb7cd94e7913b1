import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  canonicalJson,
  decodeEvent,
  encodeEvent,
  signCommand,
  verifyCommandSignature,
  type LrCommandEvent,
} from '../../../src/events/index.js';

const command: LrCommandEvent = {
  v: 1,
  type: 'lr-command',
  runId: 'r1',
  ts: 1_700_000_000_000,
  seq: 7,
  lr: 0.05,
  previousLr: 0.1,
  reason: 'quasi-newton',
  basedOnStep: 120,
  sharpness: 20,
};

describe('events > command signatures', () => {
  it('canonical JSON sorts keys at every depth and drops whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }], u: undefined }),
      '{"a":[{"c":"x","d":2}],"b":1}',
    );
  });

  it('signs with HMAC-SHA256 of the canonical JSON of the other fields', () => {
    const signed = signCommand(command, 'secret');
    const canonical =
      '{"basedOnStep":120,"lr":0.05,"previousLr":0.1,"reason":"quasi-newton","runId":"r1","seq":7,' +
      '"sharpness":20,"ts":1700000000000,"type":"lr-command","v":1}';
    assert.equal(signed.sig, createHmac('sha256', 'secret').update(canonical).digest('hex'));
  });

  it('verifies a signed command after an encode/decode round trip, whatever the key order', () => {
    const signed = signCommand(command, 'secret');
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(JSON.parse(encodeEvent(signed)) as object).reverse()),
    );
    const decoded = decodeEvent(reordered);
    assert.ok(decoded.ok && decoded.event.type === 'lr-command');
    assert.equal(verifyCommandSignature(decoded.event, 'secret'), true);
  });

  it('rejects a missing signature, a wrong key and a tampered field', () => {
    assert.equal(verifyCommandSignature(command, 'secret'), false);
    const signed = signCommand(command, 'secret');
    assert.equal(verifyCommandSignature(signed, 'other'), false);
    assert.equal(verifyCommandSignature({ ...signed, lr: 5 }, 'secret'), false);
    assert.equal(verifyCommandSignature({ ...signed, seq: 8 }, 'secret'), false);
    assert.equal(verifyCommandSignature({ ...signed, sig: 'ab' }, 'secret'), false);
  });
});
