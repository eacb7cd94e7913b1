import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alertLatencies,
  commandLedger,
  hopDurations,
  percentile,
  type LoopStamps,
} from '../../../bench/suites/loop-latency.js';
import type { AlertEvent, LrCommandEvent } from '../../../src/events/index.js';
import type { CommandRecord } from '../../../src/trainer/index.js';
import { estimateAt, gradient, lrCommand, T0 } from '../../helpers/events.js';

/** A command of run `r` based on the estimate of `step`, its seq that step (as the controller sets it). */
const commandAt = (step: number, runId = 'r'): LrCommandEvent => ({
  ...lrCommand(step, 0.1, runId),
  basedOnStep: step,
});
const record = (
  seq: number,
  outcome: CommandRecord['outcome'],
  atMs: number,
  step?: number,
): CommandRecord => (step === undefined ? { seq, outcome, atMs } : { seq, outcome, atMs, step });

describe('bench > loop-latency > commandLedger', () => {
  it('accounts for every command sent by seq and times each applied one from its estimate and its step', () => {
    const gradients = [5, 10, 15, 20, 25].map((s) => gradient('r', s, { ts: T0 + 100 * s }));
    const estimates = [5, 10, 15, 20, 25].map((s) => estimateAt(s, { ts: T0 + 100 * s + 30 }));
    const commands = [5, 10, 15, 20, 25].map((s) => commandAt(s));
    commands.push(commandAt(99, 'other-run'));
    const records = [
      record(5, 'queued', T0 + 550),
      record(5, 'applied', T0 + 560, 6),
      record(5, 'stale-or-duplicate', T0 + 570), // redelivered: still one command
      record(10, 'queued', T0 + 1_050),
      record(15, 'queued', T0 + 1_540),
      record(10, 'superseded', T0 + 1_545, 16),
      record(15, 'applied', T0 + 1_545, 16),
      record(20, 'forged', T0 + 2_050),
      record(25, 'queued', T0 + 2_550), // the run ended before its step boundary
    ];
    const ledger = commandLedger({ runId: 'r', commands, records, estimates, gradients });
    assert.deepEqual(ledger, {
      sent: 5,
      received: 5,
      applied: 2,
      superseded: 1,
      refused: { forged: 1 },
      queuedAtEnd: 1,
      notReceived: 0,
      fromEstimateMs: [560 - 530, 1_545 - 1_530],
      fromStepMs: [560 - 500, 1_545 - 1_500],
    });
    const none = commandLedger({ runId: 'r', commands, records: [], estimates, gradients });
    assert.equal(none.notReceived, 5);
    assert.equal(none.received, 0);
  });
});

describe('bench > loop-latency > alertLatencies and hops', () => {
  it('times each alert from its step event and its estimate to its record, and each hop of the loop', () => {
    const alert: AlertEvent = {
      v: 1,
      type: 'alert',
      runId: 'r',
      ts: T0 + 2_030,
      step: 20,
      name: 'LyapStabilityRatioAboveTwo',
      severity: 'critical',
      state: 'firing',
      message: 'run r: unstable',
      value: 2.5,
    };
    const gradients = [gradient('r', 20, { ts: T0 + 2_000 }), gradient('s', 20, { ts: T0 })];
    assert.deepEqual(alertLatencies([{ alert, recordMs: T0 + 2_041 }], gradients), {
      fromStepMs: [41],
      fromEstimateMs: [11],
    });
    const stamps: LoopStamps = {
      stepTs: 0,
      stepRecordMs: 1,
      estimateTs: 3,
      estimateRecordMs: 6,
      commandTs: 10,
      commandRecordMs: 15,
      queuedMs: 21,
      appliedMs: 28,
    };
    assert.deepEqual([...hopDurations([stamps]).values()], [[1], [2], [3], [4], [5], [6], [7]]);
  });

  it('takes quantiles of values in any order', () => {
    assert.equal(percentile([3, 1, 2], 0.5), 2);
    assert.equal(percentile([10, 0], 0.99), 9.9);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });
});
