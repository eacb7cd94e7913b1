import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent } from '../../../src/events/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import { gradient, probe, probeK2, runEvent, trajectory } from '../../helpers/events.js';
import { replayLines } from '../../helpers/replay.js';

function goodRun(): string[] {
  return [
    ...simulateQuadraticRun({
      runId: 'good',
      spectrum: [3, 1, -0.5],
      lr: 0.2,
      steps: 60,
      kLyapunov: 2,
      seed: 4,
    }),
  ].map((e) => encodeEvent(e));
}

const huge = JSON.stringify({
  ...gradient('bad', 1),
  layerGradNorms: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`layer${i}`, 1])),
});

const BAD: { name: string; line: string; reason: string }[] = [
  { name: 'garbage', line: 'garbage \u0000 bytes', reason: 'invalid-json' },
  {
    name: 'truncated JSON',
    line: '{"v":1,"type":"gradient","runId":"x","ts":1,"step":',
    reason: 'invalid-json',
  },
  { name: 'a JSON array', line: '[1,2,3]', reason: 'not-an-object' },
  {
    name: 'wrong types',
    line: JSON.stringify({ ...gradient('bad', 1), step: 'one' }),
    reason: 'invalid-field',
  },
  {
    name: 'unknown type',
    line: JSON.stringify({ ...gradient('bad', 1), type: 'weights' }),
    reason: 'unknown-type',
  },
  {
    name: 'missing field',
    line: JSON.stringify(
      Object.fromEntries(Object.entries(gradient('bad', 1)).filter(([k]) => k !== 'loss')),
    ),
    reason: 'invalid-field',
  },
  { name: 'v: 2', line: JSON.stringify({ ...gradient('bad', 1), v: 2 }), reason: 'unsupported-version' },
  {
    name: 'a 9×9 gram matrix',
    line: JSON.stringify({
      ...gradient('bad', 1),
      probe: {
        eps: 1e-3,
        hvps: 9,
        lyapunov: {
          eta: 0.1,
          gram: Array.from({ length: 9 }, () => Array<number>(9).fill(1)),
          rayleigh: Array.from({ length: 9 }, () => Array<number>(9).fill(1)),
        },
      },
    }),
    reason: 'invalid-field',
  },
  { name: 'huge layerGradNorms', line: huge, reason: 'invalid-field' },
  {
    name: 'over 1 MiB',
    line: JSON.stringify({ ...gradient('bad', 1), pad: 'x'.repeat(1_100_000) }),
    reason: 'too-large',
  },
];

describe('replay > bad input', () => {
  for (const bad of BAD) {
    it(`dead-letters ${bad.name} with reason ${bad.reason}, with its line, and carries on`, async () => {
      const good = goodRun();
      const lines = [...good.slice(0, 30), bad.line, ...good.slice(30)];
      const { deadLetters, estimates, result } = await replayLines(lines);
      assert.equal(deadLetters.length, 1);
      const [dl] = deadLetters;
      assert.equal(dl?.line, 31);
      assert.ok(dl?.event.error.startsWith(bad.reason), `${dl?.event.error} starts with ${bad.reason}`);
      assert.ok(Buffer.byteLength(dl?.event.raw ?? '') <= 65_536);
      assert.equal(result.stats.deadLetters, 1);
      assert.equal(
        [...result.stats.invalid.values()].reduce((a, b) => a + b, 0),
        1,
      );
      const clean = await replayLines(good);
      assert.deepEqual(
        estimates.map((e) => ({ ...e, ts: 0 })),
        clean.estimates.map((e) => ({ ...e, ts: 0 })),
        'the good run is unaffected',
      );
    });
  }

  it('reads NaN, Infinity and null losses as divergence: one diverged estimate, no crash', async () => {
    const lines = [
      encodeEvent(runEvent('nan', 'start')),
      ...[0, 1, 2].flatMap((s) => [
        encodeEvent(gradient('nan', s, { probe: probe(2, 0.1) })),
        encodeEvent(trajectory('nan', s)),
      ]),
      JSON.stringify({ ...gradient('nan', 3), loss: 'NaN' }),
      JSON.stringify(trajectory('nan', 3)),
      JSON.stringify({ ...gradient('nan', 4), loss: null, gradNorm: 'Infinity' }),
      JSON.stringify(trajectory('nan', 4)),
      JSON.stringify({ ...gradient('nan', 5, { probe: probe(2, 0.1) }), loss: 'NaN' }),
      JSON.stringify(trajectory('nan', 5)),
    ];
    const { estimates, deadLetters } = await replayLines(lines);
    assert.deepEqual(deadLetters, []);
    assert.deepEqual(
      estimates.map((e) => [e.step, e.regime]),
      [
        [0, 'unknown'],
        [1, 'unknown'],
        [2, 'converging'],
        [3, 'diverged'],
        [5, 'diverged'],
      ],
    );
    for (const e of estimates) {
      for (const x of [...e.lyapunov, ...e.curvature, e.sharpness, e.stabilityRatio])
        assert.ok(Number.isFinite(x));
    }
  });

  it('reads a probe with non-finite entries as divergence', async () => {
    const bad = probe(2, 0.1);
    const lines = [
      JSON.stringify(gradient('p', 0, { probe: probe(2, 0.1) })),
      JSON.stringify(trajectory('p', 0)),
      JSON.stringify({
        ...gradient('p', 1),
        probe: { ...bad, lyapunov: { eta: 0.1, gram: [['NaN']], rayleigh: [[2]] } },
      }),
      JSON.stringify(trajectory('p', 1)),
    ];
    const { estimates } = await replayLines(lines);
    assert.deepEqual(
      estimates.map((e) => e.regime),
      ['unknown', 'diverged'],
    );
  });

  it('dead-letters a step whose estimate cannot be made with the line of its gradient, and carries on', async () => {
    const good = goodRun();
    const poisoned = [0, 1, 2, 3].flatMap((s) => [
      encodeEvent(gradient('poison', s, { probe: probeK2(s === 2) })),
      encodeEvent(trajectory('poison', s)),
    ]);
    const lines = [
      ...good.slice(0, 30),
      encodeEvent(runEvent('poison', 'start')),
      ...poisoned,
      ...good.slice(30),
    ];
    const { deadLetters, estimates, result } = await replayLines(lines, { latenessSteps: 0 });
    assert.equal(deadLetters.length, 1);
    const [dl] = deadLetters;
    assert.ok(dl?.event.error.startsWith('estimate-failed: step 2:'), dl?.event.error);
    assert.equal(dl?.line, 36, "the step-2 gradient's line: 30 good lines, the start, steps 0 and 1");
    assert.deepEqual(
      estimates.filter((e) => e.runId === 'poison').map((e) => e.step),
      [0, 1, 3],
    );
    assert.equal(result.stats.invalid.get('replay:test.jsonl\u0000estimate-failed'), 1);
  });

  it('drops duplicates (same run, type and step) and counts them', async () => {
    const good = goodRun();
    const { estimates, result } = await replayLines([
      ...good.slice(0, 40),
      ...good.slice(10, 20),
      ...good.slice(40),
    ]);
    const clean = await replayLines(good);
    assert.equal(result.stats.duplicates, 10);
    assert.equal(estimates.length, clean.estimates.length);
  });

  it('dead-letters a half that comes after its step was finalised, as late', async () => {
    // Step 0's trajectory is missing until both inputs have moved latenessSteps past it.
    const lines = [0, 1, 2, 3, 4].flatMap((s) => [
      JSON.stringify(gradient('l', s, { probe: probe(1, 0.1) })),
      ...(s > 0 ? [JSON.stringify(trajectory('l', s))] : []),
    ]);
    lines.push(JSON.stringify(trajectory('l', 0)));
    const { deadLetters, estimates } = await replayLines(lines, { latenessSteps: 2 });
    assert.equal(estimates.length, 5);
    assert.equal(deadLetters.length, 1);
    assert.ok(deadLetters[0]?.event.error.startsWith('late:'));
  });

  it('skips blank lines without counting them as invalid', async () => {
    const { deadLetters, result } = await replayLines(['', '   ', ...goodRun(), '']);
    assert.deepEqual(deadLetters, []);
    assert.equal(result.stats.ignored, 3);
  });
});
