// Writes test/vectors/commands.json and test/vectors/events.jsonl: canonical events and signed
// commands that the TypeScript tests (test/unit/events/vectors.test.ts) and the Python client's
// pytest suite (clients/python/tests/test_vectors.py) both check, byte for byte, so that neither
// side can drift. The files are committed; re-run this only to add vectors, then review the diff:
//   npx tsx scripts/make-test-vectors.ts && npx prettier --write test/vectors/commands.json
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  canonicalJson,
  encodeEvent,
  signCommand,
  type GradientEvent,
  type LrCommandEvent,
  type RunEvent,
  type TrajectoryEvent,
} from '../src/events/index.js';

const LEGACY = 'k-legacy';

/** Number literals as a JSON parser reads them, and the text JavaScript writes for the value. */
const NUMBER_LITERALS = [
  '0.1',
  '0.30000000000000004',
  '100.0',
  '1e-7',
  '0.0000001',
  '1.5e-7',
  '0.000001',
  '0.0000012',
  '1e20',
  '1E21',
  '123456789012345678901',
  '9007199254740993',
  '12345678.9',
  '-2.5e-10',
  '-0.0',
  '5e-324',
  '1.7976931348623157e308',
  '0.0465',
];

const CANONICAL_VALUES: { name: string; value: unknown }[] = [
  { name: 'keys sorted at every depth', value: { b: 1, a: [{ d: 2, c: 'x' }], n: null, t: true, f: false } },
  {
    name: 'keys sorted by UTF-16 code units (an astral character before U+FF5E)',
    value: { '\uff5e': 1, '\u{1f600}': 2, é: 3, Z: 4, a: 5, '': 6 },
  },
  {
    name: 'strings escaped as JSON.stringify does',
    value: {
      s: 'quote" backslash\\ nl\n tab\t bs\b ff\f cr\r \u0001 \u001f \u007f é \u2028 \u{1f600}',
      lone: '\ud800',
    },
  },
  {
    name: 'numbers as JavaScript writes them',
    value: [1e-7, 1e21, 100, 0.1 + 0.2, -0, 5e-324, 2.5e-10, 1e20],
  },
];

function command(seq: number, lr: number, extra: Partial<LrCommandEvent> = {}): LrCommandEvent {
  return {
    v: 1,
    type: 'lr-command',
    runId: 'r1',
    ts: 1_700_000_000_000 + seq,
    seq,
    lr,
    previousLr: 0.1,
    reason: 'edge',
    basedOnStep: 10 * seq,
    sharpness: 13.25,
    ...extra,
  };
}

interface Signed {
  key: string;
  canonical: string;
  /** The payload was changed after it was signed: `canonical` is what was signed. */
  tampered?: boolean;
}
type Step =
  | { deliver: string; outcome: string; signedWith?: Signed }
  | { take: number; expect: { lr: number; seq: number } | null };

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

function legacySigned(c: LrCommandEvent, key = LEGACY): { deliver: string; signedWith: Signed } {
  const signed = signCommand(c, key);
  return { deliver: encodeEvent(signed), signedWith: { key, canonical: canonicalJson(c) } };
}

/** Signed with a key of LYAP_CONTROL_KEYS: keyId is one of the fields the signature covers. */
function keyedSigned(c: LrCommandEvent, keyId: string, key: string): { deliver: string; signedWith: Signed } {
  const withId = { ...c, keyId };
  const canonical = canonicalJson(withId);
  return {
    deliver: JSON.stringify({ ...withId, sig: hmac(key, canonical) }),
    signedWith: { key, canonical },
  };
}

/** An intake for run r1 with the default bounds, fed `steps`; `stats` are its counters at the end (absent: 0). */
function scenario(name: string, env: Record<string, string>, requiresKeyIds: boolean) {
  return {
    name,
    runId: 'r1',
    env,
    acceptUnsigned: false,
    bounds: { minLr: 1e-6, maxLr: 10 },
    requiresKeyIds,
    steps: [] as Step[],
    stats: {},
  };
}

const legacyScenario = scenario(
  'one shared key (LYAP_CONTROL_KEY): unsigned, forged, replayed, other-run, advisory and undecodable commands are counted, never applied',
  { LYAP_CONTROL_KEY: LEGACY },
  false,
);
{
  const s = legacyScenario.steps;
  const first = legacySigned(command(1, 0.05));
  s.push({ ...first, outcome: 'queued' });
  s.push({ take: 0, expect: { lr: 0.05, seq: 1 } });
  s.push({ deliver: encodeEvent(command(2, 0.06)), outcome: 'rejectedUnsigned' });
  s.push({ ...legacySigned(command(3, 0.07), 'another-key'), outcome: 'rejectedForged' });
  const tampered = signCommand(command(4, 0.08), LEGACY);
  s.push({
    deliver: encodeEvent({ ...tampered, lr: 8 }),
    outcome: 'rejectedForged',
    signedWith: { key: LEGACY, canonical: canonicalJson(command(4, 0.08)), tampered: true },
  });
  s.push({ ...legacySigned(command(5, 0.09, { runId: 'r2' })), outcome: 'ignoredOtherRun' });
  s.push({ ...first, outcome: 'ignoredStaleOrDuplicate' });
  s.push({ ...legacySigned(command(6, 0.5, { advisory: true })), outcome: 'advisory' });
  s.push({ ...legacySigned(command(7, 20)), outcome: 'queued' });
  s.push({ deliver: 'not json', outcome: 'undecodable' });
  s.push({ take: 1, expect: { lr: 10, seq: 7 } });
  s.push({ take: 2, expect: null });
  legacyScenario.stats = {
    received: 7,
    applied: 2,
    ignoredOtherRun: 1,
    ignoredStaleOrDuplicate: 1,
    rejectedUnsigned: 1,
    rejectedForged: 2,
    advisory: 1,
    clamped: 1,
    undecodable: 1,
  };
}

const keyedScenario = scenario(
  'keys with ids (LYAP_CONTROL_KEYS, the last the newest) beside the legacy key: a command with keyId verifies only against that id, and one with an id the trainer does not hold is rejected as unknown-key',
  { LYAP_CONTROL_KEY: LEGACY, LYAP_CONTROL_KEYS: 'k1:alpha,k2:beta:with:colons' },
  true,
);
{
  const s = keyedScenario.steps;
  s.push({ ...keyedSigned(command(1, 0.05), 'k2', 'beta:with:colons'), outcome: 'queued' });
  s.push({ take: 0, expect: { lr: 0.05, seq: 1 } });
  s.push({ ...keyedSigned(command(2, 0.06), 'k1', 'alpha'), outcome: 'queued' });
  s.push({ ...keyedSigned(command(3, 0.07), 'k3', 'alpha'), outcome: 'rejectedUnknownKey' });
  s.push({ ...keyedSigned(command(4, 0.08), 'k1', 'beta:with:colons'), outcome: 'rejectedForged' });
  s.push({ ...keyedSigned(command(5, 0.09), 'k2', LEGACY), outcome: 'rejectedForged' });
  // keyId added after signing without it: the signature no longer covers the fields.
  const bare = command(6, 0.1);
  s.push({
    deliver: JSON.stringify({ ...bare, keyId: 'k2', sig: hmac('beta:with:colons', canonicalJson(bare)) }),
    outcome: 'rejectedForged',
    signedWith: { key: 'beta:with:colons', canonical: canonicalJson(bare), tampered: true },
  });
  s.push({ take: 1, expect: { lr: 0.06, seq: 2 } });
  s.push({ ...legacySigned(command(8, 0.11)), outcome: 'queued' });
  s.push({ take: 2, expect: { lr: 0.11, seq: 8 } });
  s.push({ ...keyedSigned(command(9, 0.12), 'k9', 'beta:with:colons'), outcome: 'rejectedUnknownKey' });
  keyedScenario.stats = { received: 8, applied: 3, rejectedForged: 3, rejectedUnknownKey: 2 };
}

// A newer controller's commands: fields and a reason this version does not know. The signature
// covers what the signer wrote, so a trainer verifies over the decoded fields plus the unknown
// ones as received, and applies the command; changing or dropping an unknown field forges it.
const newerScenario = scenario(
  'a newer controller: a command with fields and a reason this version does not know is verified over everything that was signed and applied; an unknown field changed or dropped after signing is a forgery',
  { LYAP_CONTROL_KEY: LEGACY, LYAP_CONTROL_KEYS: 'k1:alpha' },
  true,
);
{
  const s = newerScenario.steps;
  // Built as JSON, as a newer controller writes it: this version's type has none of these fields.
  const newer = (seq: number, lr: number, extra: Record<string, unknown>): LrCommandEvent => ({
    ...command(seq, lr),
    ...extra,
  });
  const extra = {
    horizon: 40,
    plan: { weights: [0.5, 1e-7, 100, 0.1 + 0.2], label: 'é\u2028\u{1f600}', Zeta: null, alpha: true },
  };
  s.push({ ...legacySigned(newer(1, 0.05, { horizon: 40 })), outcome: 'queued' });
  s.push({ take: 0, expect: { lr: 0.05, seq: 1 } });
  s.push({ ...legacySigned(newer(2, 0.06, { reason: 'momentum-aware' })), outcome: 'queued' });
  s.push({ ...legacySigned(newer(3, 0.07, { ...extra, reason: 'momentum-aware' })), outcome: 'queued' });
  s.push({ take: 1, expect: { lr: 0.07, seq: 3 } });
  const signed = signCommand(newer(4, 0.08, extra), LEGACY);
  const signedWith = { key: LEGACY, canonical: canonicalJson(newer(4, 0.08, extra)), tampered: true };
  s.push({
    deliver: JSON.stringify({ ...signed, horizon: 41 }),
    outcome: 'rejectedForged',
    signedWith,
  });
  const withoutPlan: Record<string, unknown> = { ...signed };
  delete withoutPlan['plan'];
  s.push({ deliver: JSON.stringify(withoutPlan), outcome: 'rejectedForged', signedWith });
  s.push({
    ...keyedSigned(newer(5, 0.09, { ...extra, reason: 'momentum-aware' }), 'k1', 'alpha'),
    outcome: 'queued',
  });
  s.push({ take: 2, expect: { lr: 0.09, seq: 5 } });
  // Numbers JSON.stringify never writes, from a signer in another language: JSON.parse reads each as
  // a double (1e400 and a 310-digit integer as Infinity, which canonical JSON writes as null).
  const text = `${JSON.stringify(newer(6, 0.1, { reason: 'momentum-aware' })).slice(0, -1)},"big":1e400,"huge":1${'0'.repeat(309)},"wide":123456789012345678901}`;
  const canonical = canonicalJson(JSON.parse(text));
  s.push({
    deliver: `${text.slice(0, -1)},"sig":"${hmac(LEGACY, canonical)}"}`,
    outcome: 'queued',
    signedWith: { key: LEGACY, canonical },
  });
  s.push({ take: 3, expect: { lr: 0.1, seq: 6 } });
  newerScenario.stats = { received: 7, applied: 5, rejectedForged: 2 };
}

const commands = {
  description:
    'Shared vectors: number formatting, canonical JSON and signed lr-commands, checked by test/unit/events/vectors.test.ts and clients/python/tests/test_vectors.py. Generated by scripts/make-test-vectors.ts.',
  numbers: NUMBER_LITERALS.map((literal) => ({ literal, text: JSON.stringify(JSON.parse(literal)) })),
  canonicalJson: CANONICAL_VALUES.map(({ name, value }) => ({
    name,
    value,
    canonical: canonicalJson(value),
  })),
  intakeScenarios: [legacyScenario, keyedScenario, newerScenario],
};
writeFileSync('test/vectors/commands.json', JSON.stringify(commands, null, 2) + '\n');

// Events in the contract's key order (what decodeEvent returns), so that a decode and an encode
// give the same bytes back.
const probeConfig = { every: 10, kLyapunov: 1, kSharpness: 1, hvp: 'exact' as const };
const pythonConfig: RunEvent['config'] = {
  model: 'mlp-64-32-10-tanh',
  dataset: 'sklearn-digits',
  optimizer: 'sgd-momentum-0.9',
  momentum: 0.9,
  lr: 0.05,
  batchSize: 64,
  params: 2410,
  backend: 'torch-cpu',
  seed: 1,
  probe: { ...probeConfig, lyapunovEvery: 40, lyapunovBurst: 8, lyapunovDiscard: 4 },
};
const events: (RunEvent | GradientEvent | TrajectoryEvent)[] = [
  { v: 1, type: 'run', runId: 'py-digits-1', ts: 1_700_000_000_000, phase: 'start', config: pythonConfig },
  {
    v: 1,
    type: 'gradient',
    runId: 'py-digits-1',
    ts: 1_700_000_000_012,
    step: 0,
    lr: 0.05,
    loss: 2.3025850929940455,
    gradNorm: 0.30000000000000004,
    batchSize: 64,
    layerGradNorms: { '0.weight': 1.5e-7, '0.bias': 1e21, '2.weight': 100, '2.bias': 0 },
    cmdSeq: 3,
    stepMs: 0.4375,
    probeMs: 12.5,
    probe: {
      hvps: 7,
      lyapunov: {
        eta: 0.05,
        gram: [[0.9987654321]],
        rayleigh: [[0.0123]],
        burst: { index: 0, length: 8, discard: 4 },
      },
      sharpness: { rayleigh: [[12.75]], residual: 0.0004, iterations: 3 },
      minCurvature: { value: -0.0625, residual: 0.002 },
      batchSharpness: 8.5,
    },
  },
  {
    v: 1,
    type: 'trajectory',
    runId: 'py-digits-1',
    ts: 1_700_000_000_012,
    step: 0,
    paramNorm: 12.5,
    updateNorm: 0.015,
    distanceFromInit: 0,
  },
  {
    v: 1,
    type: 'gradient',
    runId: 'py-digits-1',
    ts: 1_700_000_000_020,
    step: 1,
    lr: 0.05,
    loss: Number.NaN,
    gradNorm: Number.POSITIVE_INFINITY,
    batchSize: 64,
    layerGradNorms: { '0.weight': Number.NEGATIVE_INFINITY, '0.bias': 2 },
    cmdSeq: 3,
    stepMs: 0.5,
  },
  {
    v: 1,
    type: 'trajectory',
    runId: 'py-digits-1',
    ts: 1_700_000_000_020,
    step: 1,
    paramNorm: Number.POSITIVE_INFINITY,
    updateNorm: Number.NaN,
    distanceFromInit: 1e-7,
    cosPrevUpdate: -0.25,
  },
  {
    v: 1,
    type: 'run',
    runId: 'py-digits-1',
    ts: 1_700_000_000_030,
    phase: 'end',
    config: pythonConfig,
    status: 'diverged',
    finalLoss: Number.NaN,
    lastStep: 1,
  },
  {
    v: 1,
    type: 'run',
    runId: 'ts-mnist-1',
    ts: 1_700_000_000_000,
    phase: 'start',
    config: { ...pythonConfig, backend: 'wasm', probe: { ...probeConfig, hvp: 'forward' } },
  },
  {
    v: 1,
    type: 'gradient',
    runId: 'ts-mnist-1',
    ts: 1_700_000_000_001,
    step: 0,
    lr: 0.05,
    loss: 2.25,
    gradNorm: 1.75,
    probe: { eps: 0.0035, hvps: 2, sharpness: { rayleigh: [[21.5]] }, batchSharpness: 9.75 },
  },
];
writeFileSync('test/vectors/events.jsonl', events.map((e) => encodeEvent(e) + '\n').join(''));
console.log('wrote test/vectors/commands.json and test/vectors/events.jsonl');
