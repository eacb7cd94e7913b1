import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appliedCommands, commandEffects } from '../../../src/sweep/command-effects.js';

describe('sweep > appliedCommands', () => {
  it('finds the steps whose cmdSeq changed, with the rate before and after', () => {
    const steps = [
      { step: 0, lr: 0.1 },
      { step: 1, lr: 0.1 },
      { step: 2, lr: 0.2, cmdSeq: 1 },
      { step: 3, lr: 0.2, cmdSeq: 1 },
      { step: 5, lr: 0.05, cmdSeq: 4 },
      { step: 4, lr: 0.2, cmdSeq: 1 },
    ];
    assert.deepEqual(appliedCommands(steps), [
      { step: 2, lr: 0.2, fromLr: 0.1 },
      { step: 5, lr: 0.05, fromLr: 0.2 },
    ]);
    assert.deepEqual(appliedCommands([{ step: 0, lr: 1 }]), []);
    // A warm-up step measures at rate 0: the rate before the first command is the run's start.
    const warmUp = [
      { step: 0, lr: 0 },
      { step: 1, lr: 0.3, cmdSeq: 0 },
    ];
    assert.deepEqual(appliedCommands(warmUp, 10), [{ step: 1, lr: 0.3, fromLr: 10 }]);
  });
});

describe('sweep > commandEffects', () => {
  const command = (step: number) => ({ step, fromLr: 0.1, lr: 0.2 });

  it('compares the largest loss within the horizon after a command with twice the running minimum up to it', () => {
    const smoothed = [4, 2, 1, 1.5, 1.9, 2.1, 1, 1];
    const [within, beyond, late] = commandEffects([command(2), command(3), command(7)], smoothed, {
      horizonSteps: 2,
      factor: 2,
    });
    // Steps 3 and 4 after the command at 2: 1.9 ≤ 2 × 1.
    assert.deepEqual(within, { step: 2, fromLr: 0.1, lr: 0.2, peakRatio: 1.9, spike: false });
    // Steps 4 and 5 after the command at 3: 2.1 > 2 × 1.
    assert.equal(beyond?.spike, true);
    assert.equal(beyond?.peakRatio, 2.1);
    // Nothing after the last step: no window, no spike.
    assert.deepEqual(late, { step: 7, fromLr: 0.1, lr: 0.2, peakRatio: null, spike: false });
  });

  it('counts a divergence within the horizon as a spike, and one beyond it not', () => {
    const smoothed = [2, 1, 1, 1];
    const options = { horizonSteps: 3, factor: 2, divergedAtStep: 4 };
    const [near, far] = commandEffects([command(1), command(0)], smoothed, options);
    assert.deepEqual([near?.spike, near?.peakRatio], [true, null]);
    assert.deepEqual([far?.spike, far?.peakRatio], [false, 0.5]);
  });
});
