import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });

// (root) → outer → inner, and outer → outer (recursion): samples in inner 40 µs, outer 20 µs
// (10 of them in the recursive call), and the root 5 µs. A sample's time is the delta to the next.
const PROFILE = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2] },
    { id: 2, callFrame: frame('outer', 'file:///app/dist/a.js'), children: [3, 4] },
    { id: 3, callFrame: frame('inner', 'file:///app/dist/b.js') },
    { id: 4, callFrame: frame('outer', 'file:///app/dist/a.js') },
  ],
  startTime: 0,
  endTime: 80,
  samples: [3, 2, 4, 3, 1],
  timeDeltas: [0, 15, 10, 10, 25, 5],
};

function top(...args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
  try {
    writeFileSync(join(dir, 'CPU.1.cpuprofile'), '{"nodes":[],"samples":[],"timeDeltas":[]}');
    writeFileSync(join(dir, 'CPU.2.cpuprofile'), JSON.stringify(PROFILE));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cpu-profile-top.ts', dir, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = (out: string) =>
  out
    .split('\n')
    .filter((line) => /^\| \d/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));

describe('scripts > cpu-profile-top', () => {
  it("ranks functions by self time, from a folder's newest profile", () => {
    const out = top();
    assert.match(out, /CPU\.2\.cpuprofile: 0 ms sampled/);
    assert.deepEqual(
      rows(out).map((r) => [r[1], r[3]]),
      [
        ['0', '`inner dist/b.js:1`'],
        ['0', '`outer dist/a.js:1`'],
        ['0', '`(root)`'],
      ],
    );
    assert.deepEqual(
      rows(out).map((r) => r[2]),
      ['61.5%', '30.8%', '7.7%'],
    );
  });

  it('with --total, gives each function its callees’ time, once per sample however deep it recurses', () => {
    const out = top('--total');
    assert.match(out, /\| total ms \| share \| function \|/);
    assert.deepEqual(
      rows(out).map((r) => [r[2], r[3]]),
      [
        ['92.3%', '`outer dist/a.js:1`'],
        ['61.5%', '`inner dist/b.js:1`'],
        ['7.7%', '`(root)`'],
      ],
    );
  });
});
