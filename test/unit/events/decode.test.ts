import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_MAX_EVENT_BYTES,
  EVENT_TYPES,
  LyapEvent,
  MAX_DECODE_ISSUES,
  decodeEvent,
  encodeEvent,
  type DecodeFailure,
  type DecodeFailureReason,
  type LyapEvent as LyapEventType,
} from '../../../src/events/index.js';
import { formatPath } from '../../../src/events/issue-message.js';
import { gradient, wireExamples, withProbe } from './fixtures.js';

function decoded(raw: string | Uint8Array): LyapEventType {
  const result = decodeEvent(raw);
  if (!result.ok) assert.fail(result.error.message);
  return result.event;
}

function failure(raw: string | Uint8Array, options?: { maxBytes?: number }): DecodeFailure {
  const result = decodeEvent(raw, options);
  if (result.ok) assert.fail(`expected a failure, decoded ${encodeEvent(result.event)}`);
  return result.error;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('events > decodeEvent', () => {
  for (const type of EVENT_TYPES) {
    it(`decodes a valid ${type} event and round-trips it through encodeEvent`, () => {
      const wire = wireExamples()[type];
      const event = decoded(JSON.stringify(wire));
      assert.equal(event.type, type);
      assert.deepEqual(JSON.parse(encodeEvent(event)), wire);
      assert.deepEqual(decoded(encodeEvent(event)), event);
      assert.deepEqual(LyapEvent.parse(event), event, 'a decoded event validates again');
    });
  }

  it('decodes UTF-8 bytes like the same text', () => {
    const text = JSON.stringify(gradient({ layerGradNorms: { 'Schicht/Gewichte-ü': 0.5 } }));
    assert.deepEqual(decoded(bytes(text)), decoded(text));
  });

  it('agrees with the uncompiled LyapEvent schema on valid and invalid input', () => {
    const inputs: unknown[] = [
      ...Object.values(wireExamples()),
      gradient({ loss: 'NaN', gradNorm: null, extra: { nested: true } }),
      gradient({ step: -1 }),
      gradient({ layerGradNorms: { '': 1 } }),
      JSON.parse(withProbe({ lyapunov: { eta: 0.1, gram: [[1, 0], [0]], rayleigh: [[1]] } })),
      { ...wireExamples().run, status: undefined },
    ];
    for (const input of inputs) {
      const reference = LyapEvent.safeParse(input);
      const result = decodeEvent(JSON.stringify(input));
      assert.equal(result.ok, reference.success, JSON.stringify(input));
      if (result.ok && reference.success) assert.deepEqual(result.event, reference.data);
      if (!result.ok && !reference.success) {
        assert.deepEqual(
          result.error.issues.map((issue) => issue.path),
          reference.error.issues.map((issue) => formatPath(issue.path)),
        );
      }
    }
  });

  it('strips unknown keys at every depth (newer producers may add fields)', () => {
    const event = decoded(
      JSON.stringify(
        gradient({
          addedLater: 1,
          probe: { eps: 0.001, hvps: 1, future: 'x', sharpness: { rayleigh: [[2]], note: 'y' } },
        }),
      ),
    );
    assert.ok(event.type === 'gradient');
    assert.equal('addedLater' in event, false);
    assert.deepEqual(event.probe, { eps: 0.001, hvps: 1, sharpness: { rayleigh: [[2]] } });
  });

  it('reads "NaN", "Infinity", "-Infinity" and null in loss as non-finite numbers and writes them back as strings', () => {
    const cases = [
      { wire: 'NaN', value: Number.NaN, encoded: 'NaN' },
      { wire: 'Infinity', value: Number.POSITIVE_INFINITY, encoded: 'Infinity' },
      { wire: '-Infinity', value: Number.NEGATIVE_INFINITY, encoded: '-Infinity' },
      { wire: null, value: Number.NaN, encoded: 'NaN' },
    ];
    for (const { wire, value, encoded } of cases) {
      const event = decoded(JSON.stringify(gradient({ loss: wire })));
      assert.ok(event.type === 'gradient');
      assert.equal(event.loss, value);
      const text = encodeEvent(event);
      assert.equal((JSON.parse(text) as { loss: unknown }).loss, encoded);
      const again = decoded(text);
      assert.ok(again.type === 'gradient');
      assert.equal(again.loss, value);
    }
  });

  it('keeps non-finite numbers inside probe matrices and layer norms', () => {
    const event = decoded(
      withProbe({
        lyapunov: {
          eta: 0.1,
          gram: [
            ['Infinity', null],
            [0, 'NaN'],
          ],
          rayleigh: [
            [1, 2],
            [3, 4],
          ],
        },
      }),
    );
    assert.ok(event.type === 'gradient');
    assert.deepEqual(event.probe?.lyapunov?.gram, [
      [Number.POSITIVE_INFINITY, Number.NaN],
      [0, Number.NaN],
    ]);
  });

  it('rejects "NaN" and null in estimates, which carry finite numbers only', () => {
    const estimate = wireExamples().estimate;
    for (const [field, value, path] of [
      ['sharpness', 'NaN', 'sharpness'],
      ['stabilityRatio', null, 'stabilityRatio'],
      ['lyapunov', [0.1, 'NaN'], 'lyapunov[1]'],
      ['curvature', ['Infinity'], 'curvature[0]'],
    ] as const) {
      const error = failure(JSON.stringify({ ...estimate, [field]: value }));
      assert.equal(error.reason, 'invalid-field');
      assert.equal(error.issues[0]?.path, path);
    }
  });

  it('fails a run end without status at status, and a run start with one', () => {
    const end = wireExamples().run;
    delete end['status'];
    const missing = failure(JSON.stringify(end));
    assert.equal(missing.reason, 'invalid-field');
    assert.deepEqual(missing.issues, [{ path: 'status', message: 'required when phase is "end"' }]);
    const start = failure(JSON.stringify({ ...wireExamples().run, phase: 'start' }));
    assert.equal(start.issues[0]?.path, 'status');
    assert.equal(decodeEvent(JSON.stringify({ ...end, phase: 'start' })).ok, true);
  });

  it('accepts k from 1 to 8 and sharpness-only probes', () => {
    for (const k of [1, 8]) {
      const m = Array.from({ length: k }, () => Array.from({ length: k }, () => 0.5));
      assert.equal(decodeEvent(withProbe({ lyapunov: { eta: 0.1, gram: m, rayleigh: m } })).ok, true);
    }
    assert.equal(decodeEvent(withProbe({ sharpness: { rayleigh: [[3]] } })).ok, true);
  });
});

interface FailureCase {
  name: string;
  input: string | Uint8Array;
  reason: DecodeFailureReason;
  path: string;
}

const squareOf = (k: number): number[][] =>
  Array.from({ length: k }, () => Array.from({ length: k }, () => 1));

const failureCases: FailureCase[] = [
  {
    name: 'garbage bytes',
    input: new Uint8Array([0x00, 0x13, 0x37, 0x42, 0x7f]),
    reason: 'invalid-json',
    path: '',
  },
  {
    name: 'invalid UTF-8 bytes',
    input: new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]),
    reason: 'invalid-utf8',
    path: '',
  },
  {
    name: 'a lone continuation byte inside a string',
    input: new Uint8Array([...bytes('{"v":1,"runId":"'), 0x80, ...bytes('"}')]),
    reason: 'invalid-utf8',
    path: '',
  },
  {
    name: 'truncated JSON',
    input: JSON.stringify(gradient()).slice(0, 40),
    reason: 'invalid-json',
    path: '',
  },
  { name: 'an empty payload', input: '', reason: 'invalid-json', path: '' },
  { name: 'a JSON array', input: '[{"v":1}]', reason: 'not-an-object', path: '' },
  { name: 'a JSON string', input: '"gradient"', reason: 'not-an-object', path: '' },
  { name: 'JSON null', input: 'null', reason: 'not-an-object', path: '' },
  { name: 'v: 2', input: JSON.stringify(gradient({ v: 2 })), reason: 'unsupported-version', path: 'v' },
  { name: 'v: "1"', input: JSON.stringify(gradient({ v: '1' })), reason: 'unsupported-version', path: 'v' },
  {
    name: 'no v',
    input: JSON.stringify(gradient({ v: undefined })),
    reason: 'unsupported-version',
    path: 'v',
  },
  {
    name: 'an unknown type',
    input: JSON.stringify(gradient({ type: 'gradients' })),
    reason: 'unknown-type',
    path: 'type',
  },
  {
    name: 'a prototype key as type',
    input: JSON.stringify(gradient({ type: 'constructor' })),
    reason: 'unknown-type',
    path: 'type',
  },
  {
    name: 'a missing field',
    input: JSON.stringify(gradient({ loss: undefined })),
    reason: 'invalid-field',
    path: 'loss',
  },
  {
    name: 'a field of the wrong type',
    input: JSON.stringify(gradient({ step: '12' })),
    reason: 'invalid-field',
    path: 'step',
  },
  {
    name: 'a negative step',
    input: JSON.stringify(gradient({ step: -1 })),
    reason: 'invalid-field',
    path: 'step',
  },
  {
    name: 'a fractional step',
    input: JSON.stringify(gradient({ step: 1.5 })),
    reason: 'invalid-field',
    path: 'step',
  },
  {
    name: 'an unsafe integer ts',
    input: JSON.stringify(gradient({ ts: 2 ** 53 })),
    reason: 'invalid-field',
    path: 'ts',
  },
  {
    name: 'a bad runId',
    input: JSON.stringify(gradient({ runId: 'run 1' })),
    reason: 'invalid-field',
    path: 'runId',
  },
  {
    name: 'a 129-character runId',
    input: JSON.stringify(gradient({ runId: 'r'.repeat(129) })),
    reason: 'invalid-field',
    path: 'runId',
  },
  {
    name: 'a non-square gram',
    input: withProbe({ lyapunov: { eta: 0.1, gram: [[1, 0], [0]], rayleigh: squareOf(2) } }),
    reason: 'invalid-field',
    path: 'probe.lyapunov.gram[1]',
  },
  {
    name: 'a non-number inside gram',
    input: withProbe({
      lyapunov: {
        eta: 0.1,
        gram: [
          [1, 0],
          [0, 'x'],
        ],
        rayleigh: squareOf(2),
      },
    }),
    reason: 'invalid-field',
    path: 'probe.lyapunov.gram[1][1]',
  },
  {
    name: 'a gram/rayleigh size mismatch',
    input: withProbe({ lyapunov: { eta: 0.1, gram: squareOf(2), rayleigh: squareOf(3) } }),
    reason: 'invalid-field',
    path: 'probe.lyapunov.rayleigh',
  },
  {
    name: 'k = 9',
    input: withProbe({ lyapunov: { eta: 0.1, gram: squareOf(9), rayleigh: squareOf(9) } }),
    reason: 'invalid-field',
    path: 'probe.lyapunov.gram',
  },
  {
    name: 'an empty sharpness matrix',
    input: withProbe({ sharpness: { rayleigh: [] } }),
    reason: 'invalid-field',
    path: 'probe.sharpness.rayleigh',
  },
  {
    name: 'huge layerGradNorms',
    input: JSON.stringify(
      gradient({
        layerGradNorms: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`layer${i}`, 1])),
      }),
    ),
    reason: 'invalid-field',
    path: 'layerGradNorms',
  },
  {
    name: 'a layer name longer than 256 characters',
    input: JSON.stringify(gradient({ layerGradNorms: { ['w'.repeat(257)]: 1 } })),
    reason: 'invalid-field',
    path: `layerGradNorms.${'w'.repeat(257)}`,
  },
  {
    name: 'a 2 MiB payload',
    input: JSON.stringify(gradient({ padding: 'x'.repeat(2 * 1024 * 1024) })),
    reason: 'too-large',
    path: '',
  },
  {
    name: 'a 2 MiB payload of bytes',
    input: new Uint8Array(2 * 1024 * 1024).fill(0xff),
    reason: 'too-large',
    path: '',
  },
];

describe('events > decodeEvent failures', () => {
  for (const { name, input, reason, path } of failureCases) {
    const shownPath = path.length > 40 ? `${path.slice(0, 40)}…` : path;
    it(`gives ${reason} at "${shownPath}" for ${name}`, () => {
      const error = failure(input);
      assert.equal(error.reason, reason, error.message);
      assert.ok(error.issues.length >= 1);
      assert.equal(error.issues[0]?.path, path, error.message);
      assert.ok(error.message.startsWith(`${reason}: `), error.message);
      assert.equal(error.message.includes('\n'), false);
    });
  }

  it('produces every failure reason from the cases above', () => {
    const reasons = new Set(failureCases.map((c) => c.reason));
    assert.equal(reasons.size, 7);
  });

  it('writes one stable line: "<reason>: <type>.<path>: <detail>" for fields, "<reason>: <detail>" otherwise', () => {
    const messages = [
      failure(JSON.stringify(gradient({ loss: 'abc' }))).message,
      failure(JSON.stringify(gradient({ step: -1 }))).message,
      failure(JSON.stringify(gradient({ step: '12' }))).message,
      failure(JSON.stringify(gradient({ gradNorm: undefined }))).message,
      failure(withProbe({ lyapunov: { eta: 0.1, gram: [[1, 0], [0]], rayleigh: squareOf(2) } })).message,
      failure(JSON.stringify(gradient({ v: 2 }))).message,
      failure(JSON.stringify(gradient({ type: 'nope' }))).message,
      failure('[1]').message,
      failure(new Uint8Array([0xff])).message,
      failure('{}', { maxBytes: 1 }).message,
    ];
    assert.deepEqual(messages, [
      'invalid-field: gradient.loss: expected a number, "NaN", "Infinity", "-Infinity" or null, received "abc"',
      'invalid-field: gradient.step: expected >= 0, received -1',
      'invalid-field: gradient.step: expected number, received string',
      'invalid-field: gradient.gradNorm: expected a number, "NaN", "Infinity", "-Infinity" or null, received undefined',
      'invalid-field: gradient.probe.lyapunov.gram[1]: expected 2 entries (a square 2x2 matrix), received 1',
      'unsupported-version: v: expected 1, received 2',
      'unknown-type: type: expected "run" | "gradient" | "trajectory" | "estimate" | "lr-command" | "alert" | "dead-letter", received "nope"',
      'not-an-object: expected a JSON object, received array',
      'invalid-utf8: payload is not valid UTF-8',
      'too-large: payload is 2 bytes, the limit is 1',
    ]);
  });

  it('quotes layer names that are not identifiers in paths', () => {
    const error = failure(JSON.stringify(gradient({ layerGradNorms: { 'conv1/w': 'big' } })));
    assert.equal(error.issues[0]?.path, 'layerGradNorms["conv1/w"]');
  });

  it('names the readable runId and type so the dead letter can be keyed', () => {
    assert.deepEqual(
      {
        runId: failure(JSON.stringify(gradient({ step: -1 }))).runId,
        type: failure(JSON.stringify(gradient({ step: -1 }))).type,
      },
      { runId: 'run-1', type: 'gradient' },
    );
    const versioned = failure(JSON.stringify(gradient({ v: 2, type: 'gradient-v2' })));
    assert.equal(versioned.runId, 'run-1');
    assert.equal(versioned.type, 'gradient-v2');
    const unreadable = failure(JSON.stringify(gradient({ runId: 'has space', type: 7 })));
    assert.equal('runId' in unreadable, false);
    assert.equal('type' in unreadable, false);
    assert.equal('runId' in failure('[]'), false);
  });

  it('reports at most MAX_DECODE_ISSUES issues', () => {
    const layerGradNorms = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`l${i}`, 'bad']));
    const error = failure(JSON.stringify(gradient({ layerGradNorms })));
    assert.equal(error.issues.length, MAX_DECODE_ISSUES);
  });

  it('checks the size before parsing, in UTF-8 bytes rather than characters', () => {
    assert.equal(DEFAULT_MAX_EVENT_BYTES, 1_048_576);
    assert.equal(failure('{'.repeat(DEFAULT_MAX_EVENT_BYTES + 1)).reason, 'too-large');
    const euros = '€'.repeat(400_000);
    assert.equal(failure(JSON.stringify(gradient({ note: euros }))).reason, 'too-large');
    assert.equal(decodeEvent(JSON.stringify(gradient({ note: euros.slice(0, 300_000) }))).ok, true);
    const text = JSON.stringify(gradient());
    assert.equal(decodeEvent(text, { maxBytes: text.length }).ok, true);
    assert.equal(failure(text, { maxBytes: text.length - 1 }).reason, 'too-large');
    assert.equal(failure(bytes(text), { maxBytes: text.length - 1 }).reason, 'too-large');
  });

  it('throws a RangeError for a maxBytes that is not a positive integer', () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => decodeEvent('{}', { maxBytes }), RangeError);
    }
  });
});

describe('events > decodeEvent: lr-command reasons', () => {
  const withReason = (reason: unknown): string => JSON.stringify({ ...wireExamples()['lr-command'], reason });

  it('accepts a reason a newer controller added, and carries it', () => {
    for (const reason of ['momentum-aware', 'x', `a${'b'.repeat(63)}`]) {
      const event = decoded(withReason(reason));
      assert.ok(event.type === 'lr-command');
      assert.equal(event.reason, reason);
    }
  });

  it('rejects what is no reason, with a one-line message at reason', () => {
    for (const reason of ['', 'Whim!', 'new rule', '-brake', `a${'b'.repeat(64)}`, 3, null, ['edge']]) {
      const error = failure(withReason(reason));
      assert.equal(error.reason, 'invalid-field', error.message);
      assert.equal(error.issues[0]?.path, 'reason', error.message);
      assert.match(error.message, /^invalid-field: lr-command\.reason: expected /);
      assert.equal(error.message.includes('\n'), false);
    }
    assert.match(
      failure(withReason(3)).message,
      /expected "quasi-newton" \| .* or another reason matching .*, received 3$/,
    );
  });
});
