import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEvent, type LyapEvent } from '../../../src/events/index.js';
import { lyap } from '../../helpers/cli.js';
import { replayLines } from '../../helpers/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'lyap-train-'));

function decodeAll(text: string): LyapEvent[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const decoded = decodeEvent(line);
      assert.ok(decoded.ok, line);
      return decoded.event;
    });
}

describe('cli > lyap train', () => {
  it('trains an MLP on MNIST with the probe every step and writes replayable v1 events', async () => {
    const out = join(dir, 'events.jsonl');
    const r = await lyap([
      'train',
      '--dataset',
      'mnist',
      '--model',
      'mlp',
      '--steps',
      '40',
      '--probe-every',
      '1',
      '--out',
      out,
      '--run-id',
      'cli-mnist',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const events = decodeAll(lines.join('\n'));
    assert.equal(events.length, 2 + 2 * 40);
    assert.deepEqual([events[0]?.type, events.at(-1)?.type], ['run', 'run']);
    assert.ok(events.every((e) => e.runId === 'cli-mnist'));
    const { estimates, deadLetters } = await replayLines(lines);
    assert.equal(deadLetters.length, 0);
    assert.equal(estimates.length, 40);
    const last = estimates.at(-1)!;
    assert.ok(last.sharpness > 0, `sharpness ${last.sharpness}`);
    for (const x of [last.sharpness, last.stabilityRatio, ...last.lyapunov, ...last.curvature])
      assert.ok(Number.isFinite(x));
    assert.match(r.stderr, /"msg":"run cli-mnist completed after 40 steps.*82 events written/);
  });

  it('writes the events to stdout with --out -', async () => {
    const r = await lyap([
      'train',
      '--dataset',
      'quadratic',
      '--spectrum',
      '3,1,-0.5',
      '--steps',
      '5',
      '--out',
      '-',
      '--backend',
      'cpu',
      '--run-id',
      'q',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const events = decodeAll(r.stdout);
    assert.equal(events.length, 12);
    const start = events[0];
    assert.ok(
      start?.type === 'run' &&
        start.config.backend === 'cpu' &&
        start.config.params === 3 &&
        start.config.probe.every === 10,
    );
  });
});
