import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armLabel } from '../../../src/sweep/arm-label.js';
import { planFirstPhase } from '../../../src/sweep/plan.js';
import type { SweepResults } from '../../../src/sweep/report.js';
import { resolveSweepConfig } from '../../../src/sweep/sweep-options.js';
import { lyap } from '../../helpers/cli.js';

describe('lyap sweep --preset controller-tiny (every rule from a rate far too low and one far too high)', () => {
  it('no command is followed by a loss spike, and no run diverges or collapses because of a command', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lyap-sweep-controller-tiny-'));
    try {
      const started = performance.now();
      const r = await lyap(['sweep', '--preset', 'controller-tiny', '--out', out, '--jobs', '2']);
      const seconds = (performance.now() - started) / 1000;
      assert.equal(r.code, 0, r.stderr);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SweepResults;
      const report = readFileSync(join(out, 'report.md'), 'utf8');

      const resolved = resolveSweepConfig('controller-tiny', { jobs: 2 });
      assert.ok(resolved.ok);
      const planned = planFirstPhase(resolved.config);
      assert.deepEqual(
        results.runs.map((run) => run.id),
        planned.map((s) => s.id),
      );
      const arms = results.runs.filter((run) => run.arm === 'controller');
      assert.equal(arms.length, 3 * resolved.config.controllerStartLrs.length);

      // Every arm is in the comparison, against a baseline from the grid.
      assert.match(report, /## Controller rules against the grid/);
      const group = results.analysis.groups[0];
      assert.ok(group?.rules.baseline !== null, 'a constant rate reached the target');
      for (const run of arms) assert.ok(report.includes(`| ${armLabel(run)} |`), armLabel(run));

      // The trainer applied only what the controller published, and the test is not vacuous.
      for (const run of arms) {
        assert.ok(run.status !== 'failed', `${run.id}: ${run.error ?? ''}`);
        assert.ok(run.appliedCommands.length <= run.commands, run.id);
        assert.equal(run.commandSpikes, run.appliedCommands.filter((c) => c.spike).length, run.id);
      }
      assert.ok(
        arms.some((run) => run.appliedCommands.some((c) => c.lr > c.fromLr)) &&
          arms.some((run) => run.appliedCommands.some((c) => c.lr < c.fromLr)),
        'some arm raised its rate and some arm cut it',
      );

      // The aims for every command: no spike after it, no breakdown because of it.
      const spikes = arms.flatMap((run) =>
        run.appliedCommands
          .filter((c) => c.spike)
          .map(
            (c) =>
              `${run.id}: η ${c.fromLr} → ${c.lr} at step ${c.step}, peak ${c.peakRatio ?? 'not finite'}× the minimum`,
          ),
      );
      assert.deepEqual(spikes, [], 'commands followed by a smoothed loss above 2× its running minimum');
      const breakdowns = arms
        .filter((run) => run.breakdownByCommand)
        .map((run) => `${run.id}: ${run.breakdown ?? ''} after ${run.appliedCommands.length} commands`);
      assert.deepEqual(breakdowns, [], 'runs that diverged or collapsed because of a command');
      process.stderr.write(`# sweep --preset controller-tiny took ${seconds.toFixed(1)} s\n`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
