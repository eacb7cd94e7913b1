import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS } from '../../../src/sweep/presets.js';
import type { RunRecord } from '../../../src/sweep/run-record.js';
import type { SweepConfig } from '../../../src/sweep/sweep-config.js';
import { upgradeConfig, upgradeRecord, type StoredConfig } from '../../../src/sweep/upgrade.js';
import { record } from './support.js';

describe('sweep > upgrade (--rebuild of a sweep written before rules and groups)', () => {
  /** The full preset's config as sweeps wrote it before: one starting rate, no groups, no rules. */
  const old: StoredConfig = { ...PRESETS.full, jobs: 2, controllerStartLr: 0.2 };
  delete old.groups;
  delete old.rules;
  delete old.controllerStartLrs;
  delete old.spikeHorizonSteps;

  it('reads an old config as the quasi-newton rule from its one starting rate, over models × losses', () => {
    const c = upgradeConfig(old);
    assert.deepEqual(c.groups, PRESETS.full.groups);
    assert.deepEqual([c.rules, c.controllerStartLrs, c.spikeHorizonSteps], [['quasi-newton'], [0.2], 50]);
    assert.ok(!('controllerStartLr' in c));
  });

  it("recomputes an old controller run's applied commands and spikes from its gradients.jsonl", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lyap-upgrade-'));
    try {
      const losses = [2, 1, 1, 1, 3, 3, 1];
      const lines = losses.map((loss, step) =>
        JSON.stringify({ step, loss, lr: step < 3 ? 0.1 : 0.4, ...(step < 3 ? {} : { cmdSeq: 2 }) }),
      );
      writeFileSync(join(dir, 'gradients.jsonl'), lines.join('\n') + '\n');
      const stored = record({ lr: 0.1, arm: 'controller', alpha: 1 }) as Partial<RunRecord>;
      delete stored.appliedCommands;
      delete stored.commandSpikes;
      delete stored.breakdown;
      delete stored.breakdownByCommand;
      const config: SweepConfig = { ...upgradeConfig(old), lossHalfLifeSteps: 1e-9, spikeHorizonSteps: 5 };
      const r = upgradeRecord(stored as RunRecord, join(dir, 'gradients.jsonl'), config);
      assert.equal(r.rule, 'quasi-newton');
      assert.deepEqual(
        r.appliedCommands.map((c) => [c.step, c.fromLr, c.lr, c.spike]),
        [[3, 0.1, 0.4, true]],
      );
      assert.equal(r.commandSpikes, 1);
      assert.equal(r.breakdown, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
