import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GradientEvent, LrCommandEvent } from '../../../src/events/index.js';
import type { SweepResults } from '../../../src/sweep/report.js';
import { lyap } from '../../helpers/cli.js';
import { kafkaBroker, withKafka } from '../../helpers/kafka-broker.js';
import { summaryRows } from '../demo/support.js';

const broker = await kafkaBroker();

const jsonLines = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

// The demo and the sweep over a real broker: their trainers read the learning-rate commands
// in a worker thread of their own (ThreadedLrIntake), as `lyap train --brokers` does.
withKafka(broker, 'cli > lyap demo and lyap sweep over Kafka', (broker) => {
  describe('cli > lyap demo and lyap sweep over Kafka', () => {
    it('lyap demo --brokers: every run is answered at its warm-up step and trains from step 1 at the rate it was answered', async () => {
      const out = mkdtempSync(join(tmpdir(), 'lyap-demo-kafka-'));
      try {
        const steps = 40;
        const r = await lyap([
          'demo',
          '--brokers',
          broker.bootstrap,
          '--steps',
          String(steps),
          '--no-live',
          '--no-baseline',
          '--out',
          out,
        ]);
        assert.equal(r.code, 0, r.stderr);
        const rows = summaryRows(r.stdout);
        assert.equal(rows.length, 3, r.stdout);
        for (const row of rows) {
          assert.deepEqual([row.status, row.steps], ['completed', steps], row.run);
          // A command made from the last estimates can reach a run after its last step: not applied.
          const [applied, sent] = row.commands.split('/').map(Number);
          assert.ok(
            applied !== undefined && sent !== undefined && applied >= 1 && applied <= sent,
            `${row.run}: commands ${row.commands}`,
          );
        }
        // Every run's first command answered its warm-up step (step 0, no update), and the thread
        // intake had it in force at the first step boundary: step 1 trained at its rate, so the
        // run started at 40× the rate never trained at it.
        const commands = jsonLines<LrCommandEvent>(join(out, 'commands.jsonl'));
        const gradients = jsonLines<GradientEvent>(join(out, 'events.jsonl')).filter(
          (e) => e.type === 'gradient',
        );
        for (const row of rows) {
          const first = commands.find((c) => c.runId === row.run);
          assert.deepEqual([first?.reason, first?.basedOnStep], ['warm-up', 0], row.run);
          const step1 = gradients.find((g) => g.runId === row.run && g.step === 1);
          assert.equal(step1?.lr, first?.lr, `${row.run}: the rate of step 1`);
        }
        assert.doesNotMatch(r.stderr, /"level":"error"/, r.stderr);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    it('lyap sweep --brokers: a controller arm over Kafka takes its commands and trains', async () => {
      const out = mkdtempSync(join(tmpdir(), 'lyap-sweep-kafka-'));
      try {
        const r = await lyap([
          'sweep',
          '--preset',
          'controller-tiny',
          '--brokers',
          broker.bootstrap,
          '--lrs',
          '0.5',
          '--rules',
          'edge',
          '--alphas',
          'none',
          '--controller-start-lrs',
          '10',
          '--jobs',
          '2',
          '--out',
          out,
        ]);
        assert.equal(r.code, 0, r.stderr);
        const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SweepResults;
        assert.deepEqual(
          results.runs.map((run) => [run.arm, run.status]),
          [
            ['constant', 'completed'],
            ['controller', 'completed'],
          ],
        );
        const arm = results.runs.find((run) => run.arm === 'controller');
        assert.ok(
          arm !== undefined && arm.appliedCommands.length >= 1,
          'the controller arm applied commands',
        );
        // Started at η = 10, it trained at the warm-up's rate from its first update.
        assert.ok((arm.appliedCommands[0]?.lr ?? 10) < 10, JSON.stringify(arm.appliedCommands[0]));
        assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| transport \| Kafka /);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
});
