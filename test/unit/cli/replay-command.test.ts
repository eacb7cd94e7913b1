import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEvent, encodeEvent } from '../../../src/events/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import { lyap } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lyap-cli-'));
const events = [
  ...simulateQuadraticRun({
    runId: 'cli',
    spectrum: [3, 1, -0.5],
    lr: 0.2,
    steps: 40,
    kLyapunov: 2,
    seed: 2,
  }),
].map((e) => encodeEvent(e));
const input = join(dir, 'events.jsonl');
writeFileSync(input, [...events.slice(0, 10), 'not json', ...events.slice(10)].join('\n') + '\n');

describe('cli > lyap replay', () => {
  it('writes estimates to a file and reports the malformed line by number on stderr', async () => {
    const output = join(dir, 'out.jsonl');
    const r = await lyap(['replay', '--input', input, '--output', output, '--summary']);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 40);
    for (const line of lines) assert.equal(decodeEvent(line).ok, true);
    assert.match(r.stderr, /^line 11: invalid-json/m);
    assert.match(r.stderr, /1 dead letters/);
    assert.match(r.stderr, /^cli\s+40\s+39/m, 'the summary table has the run');
  });

  it('reads stdin and writes stdout for -, byte-identical to the file run', async () => {
    const viaFile = join(dir, 'det.jsonl');
    await lyap(['replay', '-i', input, '-o', viaFile]);
    const r = await lyap(['replay', '-i', '-', '-o', '-'], { stdin: readFileSync(input, 'utf8') });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, readFileSync(viaFile, 'utf8'));
  });

  it('writes dead letters as events with --dead-letters, and exits 3 with --strict', async () => {
    const dead = join(dir, 'dead.jsonl');
    const r = await lyap([
      'replay',
      '-i',
      input,
      '-o',
      join(dir, 'x.jsonl'),
      '--dead-letters',
      dead,
      '--strict',
    ]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /LYAP_E_STRICT_INPUT/);
    const [line] = readFileSync(dead, 'utf8').trimEnd().split('\n');
    const decoded = decodeEvent(line ?? '');
    assert.ok(decoded.ok && decoded.event.type === 'dead-letter' && decoded.event.offset === '10');
  });

  it('applies --window', async () => {
    const r = await lyap(['replay', '-i', input, '-o', '-', '--window', '5']);
    const last = decodeEvent(r.stdout.trimEnd().split('\n').at(-1) ?? '');
    assert.ok(last.ok && last.event.type === 'estimate' && last.event.window === 5);
  });

  it('rejects a bad value and an unknown flag in one line with exit code 2', async () => {
    const bad = await lyap(['replay', '-i', input, '--window', 'zero']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--window must be a positive integer, got 'zero'/);
    const unknown = await lyap(['replay', '-i', input, '--frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--frobnicate'/);
  });

  it('fails with exit code 1 and a clear message when the input does not exist', async () => {
    const r = await lyap(['replay', '-i', join(dir, 'missing.jsonl')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read .*missing\.jsonl.*LYAP_E_INPUT/);
  });

  it('prints help and version with exit code 0', async () => {
    const help = await lyap(['replay', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--lateness-steps <n>/);
    const version = await lyap(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
