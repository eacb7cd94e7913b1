import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  canonicalJson,
  decodeEvent,
  encodeEvent,
  signCommand,
  unknownFieldsOf,
  verifyCommand,
  verifyCommandSignature,
  type LrCommandEvent,
} from '../../../src/events/index.js';
import { wireExamples } from './fixtures.js';

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

  it('covers the fields a newer controller added: the decoder keeps them aside for verifyCommand', () => {
    const newer = { ...command, reason: 'momentum-aware', horizon: 40, plan: { w: [0.5, 1e-7] } };
    const signed = signCommand(newer, 'secret');
    const decoded = decodeEvent(JSON.stringify(signed));
    assert.ok(decoded.ok && decoded.event.type === 'lr-command');
    const received = decoded.event;
    assert.equal('horizon' in received, false, 'the application sees only the known fields');
    assert.equal(received.reason, 'momentum-aware');
    assert.deepEqual(unknownFieldsOf(received), { horizon: 40, plan: { w: [0.5, 1e-7] } });
    assert.equal(verifyCommand(received, 'secret'), 'valid');
    // A copy has no unknown fields of its own: the signature then covers more than it holds.
    assert.equal(verifyCommand({ ...received }, 'secret'), 'forged');
    assert.equal(verifyCommand({ ...received }, 'secret', unknownFieldsOf(received)), 'valid');
    assert.equal(verifyCommand(received, 'secret', { horizon: 41, plan: { w: [0.5, 1e-7] } }), 'forged');
    // A decoded field changed after decoding is checked as changed, whatever was on the wire.
    assert.equal(verifyCommand({ ...received, lr: 0.9 }, 'secret', unknownFieldsOf(received)), 'forged');
    // The known fields always come from the command, and sig is never signed.
    const stray = { horizon: 40, plan: { w: [0.5, 1e-7] }, lr: 0.9, sig: '0'.repeat(64) };
    assert.equal(verifyCommand(received, 'secret', stray), 'valid');
  });

  it('keeps nothing aside for a command with only known fields, or for other event types', () => {
    const decoded = decodeEvent(encodeEvent(signCommand(command, 'secret')));
    assert.ok(decoded.ok);
    assert.equal(unknownFieldsOf(decoded.event), undefined);
    const alert = decodeEvent(JSON.stringify({ ...wireExamples().alert, extra: 1 }));
    assert.ok(alert.ok, alert.ok ? '' : alert.error.message);
    assert.equal(unknownFieldsOf(alert.event), undefined);
  });
});
