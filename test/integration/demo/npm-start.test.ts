import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertEvent, EstimateEvent, GradientEvent, LrCommandEvent } from '../../../src/events/index.js';
import { lyap } from '../../helpers/cli.js';
import { cleanEnv, ensureBuilt, run, summaryRows } from './support.js';

// Past the first Lyapunov burst (steps 20–27 with a probe every 5), so that every run has an exponent.
const STEPS = 40;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const jsonLines = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

/** `npm start` with STEPS steps, writing into `out`, its cache there too; `env` adds options. */
const npmStart = (out: string, env: Record<string, string> = {}) =>
  run(npm, ['start'], {
    env: cleanEnv({
      LYAP_STEPS: String(STEPS),
      LYAP_PORT: '0',
      LYAP_OUT: out,
      XDG_CACHE_HOME: join(out, 'cache'),
      ...env,
    }),
  });

// `npm start` itself, as a newcomer runs it, with its options from the environment
// (LYAP_STEPS, LYAP_PORT, LYAP_OUT: the LYAP_* option sources of src/cli/option-sources.ts).
describe('npm start (lyap demo)', () => {
  before(() => {
    ensureBuilt();
  });

  it('trains, measures, controls and alerts, prints a summary, and records events that replay to the same estimates', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lyap-npm-start-'));
    try {
      const r = await npmStart(out);
      assert.equal(r.code, 0, r.stderr);
      // npm may warn about its own set-up on stderr; the demo itself has nothing to report there.
      assert.doesNotMatch(r.stderr, /^(lyap:|warning:)/m, r.stderr);
      assert.ok(!r.stdout.includes('\u001b['), 'no escape codes off a terminal');
      assert.match(
        r.stdout,
        /^live page: http:\/\/127\.0\.0\.1:\d+\/ +metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/m,
      );

      // Every run in the summary, completed, with finite numbers.
      const rows = summaryRows(r.stdout);
      assert.deepEqual(
        rows.map((row) => [row.run, row.status, row.steps]),
        [
          ['r1-lr0.0125', 'completed', STEPS],
          ['r2-lr0.5', 'completed', STEPS],
          ['r3-lr20', 'completed', STEPS],
        ],
      );
      for (const row of rows) {
        for (const x of [row.finalLoss, row.medianSharpness, row.stabilityRatio, row.topExponent]) {
          assert.ok(Number.isFinite(x), `${row.run}: ${JSON.stringify(row)}`);
        }
        assert.match(row.lr, /^\S+ → \S+$/);
        assert.match(row.accuracy, /^\d{1,3}\.\d%$/);
        assert.match(row.commands, /^\d+\/\d+$/);
        assert.match(row.vsBest ?? '', /^[+−]?\d+\.\d pt$/, `${row.run}: against the best constant rate`);
      }
      // The rates were trained as constants after the demo (nothing cached yet), and kept.
      assert.match(r.stdout, /^training the rates as constants for the comparison/m);
      assert.match(
        r.stdout,
        /^best constant rate: lr \S+, train acc \d{1,3}\.\d%, final loss \S+: the same runs at constant rates without the controller \(trained now, /m,
      );
      assert.equal(
        Object.keys(
          JSON.parse(readFileSync(join(out, 'cache', 'lyap', 'demo-baselines.json'), 'utf8')) as object,
        ).length,
        3,
      );
      // Every run is answered at its warm-up probe (step 0, no update yet), before it trains:
      // the run at 40× the rate never trains at it, so it never blows up, and nothing alerts.
      const commands = jsonLines<LrCommandEvent>(join(out, 'commands.jsonl'));
      for (const run of ['r1-lr0.0125', 'r2-lr0.5', 'r3-lr20']) {
        const first = commands.find((c) => c.runId.endsWith(run));
        assert.ok(first !== undefined, `${run}: no command`);
        assert.deepEqual([first.reason, first.basedOnStep, first.previousLr], ['warm-up', 0, 0], run);
        assert.ok(first.lr > 0.05 && first.lr < 2, `${run}: warm-up rate ${first.lr}`);
      }
      assert.deepEqual(
        rows.map((row) => [row.run, row.alerts]),
        [
          ['r1-lr0.0125', '0'],
          ['r2-lr0.5', '0'],
          ['r3-lr20', '0'],
        ],
      );
      assert.doesNotMatch(r.stdout, /^alert:/m);

      // The printed replay command, run as printed, gives back the demo's own estimates.
      const printed = /^ {2}lyap replay --input (\S+) --output (\S+) --summary$/m.exec(r.stdout);
      assert.ok(printed !== null, r.stdout);
      const [, input = '', output = ''] = printed;
      assert.equal(input, join(out, 'events.jsonl'));
      const replay = await lyap(['replay', '--input', input, '--output', output]);
      assert.equal(replay.code, 0, replay.stderr);
      const recorded = jsonLines<EstimateEvent>(join(out, 'estimates.jsonl'));
      const replayed = jsonLines<EstimateEvent>(output);
      assert.ok(recorded.length >= 3 * (STEPS / 5), `${recorded.length} estimates`);
      // Same estimates: every field of every estimate, in the same order (the demo's processor
      // runs on event time, over the events in the order events.jsonl holds them).
      assert.deepEqual(replayed, recorded);
      assert.equal(readFileSync(output, 'utf8'), readFileSync(join(out, 'estimates.jsonl'), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  // Monitoring alone (no controller): the run at 40× the rate blows up at its first update, and
  // the alert must come before or with it, from the probe of step 0; the healthy runs raise none.
  it('left alone (--controller observe), alerts on the run at 40x the rate before it blows up, and on no healthy run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lyap-npm-start-observe-'));
    try {
      const r = await npmStart(out, { LYAP_CONTROLLER: 'observe' });
      assert.equal(r.code, 0, r.stderr);
      const alerts = jsonLines<AlertEvent>(join(out, 'alerts.jsonl')).filter((a) => a.state === 'firing');
      const gradients = jsonLines<GradientEvent>(join(out, 'events.jsonl')).filter(
        (e) => e.type === 'gradient' && e.runId.endsWith('r3-lr20'),
      );
      const first = gradients.find((g) => g.step === 0)?.loss ?? Number.NaN;
      // Blown up: the first step whose loss is not finite or above 3× the loss at θ0.
      const blowUp = gradients.find((g) => !Number.isFinite(g.loss) || g.loss > 3 * first)?.step;
      assert.ok(blowUp !== undefined, `r3-lr20 did not blow up: ${gradients.map((g) => g.loss).join(', ')}`);
      const critical = alerts.filter((a) => a.runId.endsWith('r3-lr20') && a.severity === 'critical');
      assert.ok(critical.length > 0, 'no critical alert on r3-lr20');
      assert.ok(
        Math.min(...critical.map((a) => a.step)) <= blowUp,
        `first critical alert at step ${Math.min(...critical.map((a) => a.step))}, blown up at ${blowUp}`,
      );
      assert.deepEqual(
        alerts.filter((a) => !a.runId.endsWith('r3-lr20')).map((a) => `${a.runId}: ${a.name} at ${a.step}`),
        [],
        'the healthy runs fire nothing',
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
