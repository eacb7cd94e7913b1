import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, run, summaryRows } from './support.js';

describe('lyap demo > Ctrl-C', () => {
  it('stops every run after its current step, writes the summary and the events, and exits 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lyap-demo-sigint-'));
    try {
      let sent = false;
      const r = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/run.ts',
          'demo',
          '--runs',
          '2',
          '--steps',
          '20',
          '--port',
          '0',
          '--out',
          out,
        ],
        {
          env: cleanEnv({}),
          // The first progress line (every 2 steps of 20): training is under way.
          onStdout: (soFar, kill) => {
            if (!sent && /step +\d+\/20/.test(soFar)) {
              sent = true;
              kill('SIGINT');
            }
          },
        },
      );
      assert.ok(sent, r.stdout);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^stopping after the current step \(Ctrl-C again to quit at once\)$/m);
      const rows = summaryRows(r.stdout);
      assert.deepEqual(
        rows.map((row) => [row.run, row.status]),
        [
          ['r1-lr0.0125', 'stopped'],
          ['r2-lr20', 'stopped'],
        ],
      );
      for (const row of rows) assert.ok(row.steps > 0 && row.steps < 20, String(row.steps));
      const ends = readFileSync(join(out, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"phase":"end"'))
        .map((l) => JSON.parse(l) as { runId: string; status: string });
      assert.deepEqual(ends.map((e) => e.status).sort(), ['stopped', 'stopped']);
      assert.match(r.stdout, /lyap replay --input \S+events\.jsonl/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
