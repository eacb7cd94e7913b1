import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  classifyRegime,
  DEFAULT_REGIME_THRESHOLDS,
  REGIME_RULES,
  REGIMES,
  validateRegimeThresholds,
} from '../../../src/dynamics/regime.js';

const measured = { diverged: false, samples: 10 };

describe('dynamics > classifyRegime', () => {
  it('says diverged whenever the run diverged, before anything else', () => {
    assert.equal(classifyRegime({ diverged: true, samples: 0 }), 'diverged');
    assert.equal(
      classifyRegime({ diverged: true, samples: 10, stabilityRatio: 5, topExponent: 1 }),
      'diverged',
    );
  });

  it('says unknown with fewer than minSamples probes or nothing measured', () => {
    assert.equal(
      classifyRegime({ diverged: false, samples: 2, stabilityRatio: 3.5, topExponent: 1 }),
      'unknown',
    );
    assert.equal(classifyRegime(measured), 'unknown');
    assert.equal(classifyRegime({ ...measured, stabilityRatio: NaN, topExponent: undefined }), 'unknown');
  });

  it('says unstable on fewer than minSamples probes only past earlyUnstableRatio (4× the bound)', () => {
    const early = { diverged: false, samples: 1 };
    assert.equal(
      classifyRegime({ ...early, stabilityRatio: 16.6 }),
      'unstable',
      'a run at 40× its rate, first probe',
    );
    assert.equal(classifyRegime({ ...early, stabilityRatio: 8.01, topExponent: 0.5 }), 'unstable');
    assert.equal(classifyRegime({ ...early, stabilityRatio: 8 }), 'unknown', 'at the early bound: wait');
    assert.equal(
      classifyRegime({ ...early, stabilityRatio: 6.5 }),
      'unknown',
      'a catapult start (the MSE best rate of the alert benchmark): wait',
    );
    assert.equal(classifyRegime({ ...early, samples: 0, stabilityRatio: NaN }), 'unknown');
    // With momentum the early bound scales like the others: 8·1.9 = 15.2.
    assert.equal(classifyRegime({ ...early, momentum: 0.9, stabilityRatio: 15 }), 'unknown');
    assert.equal(classifyRegime({ ...early, momentum: 0.9, stabilityRatio: 15.3 }), 'unstable');
    // Thresholds without it keep the old rule: unknown until minSamples.
    const without = Object.freeze({ ...DEFAULT_REGIME_THRESHOLDS, earlyUnstableRatio: undefined });
    assert.equal(classifyRegime({ ...early, stabilityRatio: 16.6 }, without), 'unknown');
  });

  it('says unstable above gradient descent’s bound eta*lambda_max > 2, even if the exponent is positive', () => {
    assert.equal(classifyRegime({ ...measured, stabilityRatio: 2.01 }), 'unstable');
    assert.equal(classifyRegime({ ...measured, stabilityRatio: 3, topExponent: 0.5 }), 'unstable');
  });

  it('says edge from edgeRatio up to and including 2', () => {
    assert.equal(classifyRegime({ ...measured, stabilityRatio: 1.8 }), 'edge');
    assert.equal(classifyRegime({ ...measured, stabilityRatio: 2, topExponent: 0.5 }), 'edge');
  });

  it('moves the bounds to 2(1 + mu) with heavy-ball momentum mu', () => {
    const heavy = { ...measured, momentum: 0.9 };
    assert.equal(classifyRegime({ ...heavy, stabilityRatio: 3 }), 'converging', 'stable below 2·1.9');
    assert.equal(classifyRegime({ ...heavy, stabilityRatio: 1.8 * 1.9 }), 'edge');
    assert.equal(classifyRegime({ ...heavy, stabilityRatio: 3.81 }), 'unstable');
  });

  it('says chaotic for a positive top exponent at a stable step size', () => {
    assert.equal(classifyRegime({ ...measured, stabilityRatio: 1, topExponent: 0.002 }), 'chaotic');
    assert.equal(classifyRegime({ ...measured, topExponent: 0.002 }), 'chaotic');
  });

  it('says converging otherwise', () => {
    assert.equal(classifyRegime({ ...measured, stabilityRatio: 1.79, topExponent: 0.001 }), 'converging');
    assert.equal(classifyRegime({ ...measured, stabilityRatio: 1 }), 'converging');
    assert.equal(classifyRegime({ ...measured, topExponent: -0.2 }), 'converging');
  });

  it('checks the rules in the documented order', () => {
    assert.deepEqual(
      REGIME_RULES.map((rule) => rule.regime),
      ['diverged', 'unknown', 'unstable', 'edge', 'chaotic', 'converging'],
    );
    assert.deepEqual([...REGIMES].sort(), REGIME_RULES.map((rule) => rule.regime).sort());
  });

  it('uses custom thresholds', () => {
    const strict = { minSamples: 1, edgeRatio: 1, unstableRatio: 1.5, chaoticExponent: 0 };
    const input = { diverged: false, samples: 1 };
    assert.equal(classifyRegime({ ...input, stabilityRatio: 1.6 }, strict), 'unstable');
    assert.equal(classifyRegime({ ...input, stabilityRatio: 1.2 }, strict), 'edge');
    assert.equal(classifyRegime({ ...input, stabilityRatio: 0.5, topExponent: 1e-6 }, strict), 'chaotic');
    assert.equal(classifyRegime({ ...input, stabilityRatio: 1.2 }), 'unknown');
  });

  it('throws RangeError for invalid custom thresholds', () => {
    assert.throws(
      () => classifyRegime(measured, { ...DEFAULT_REGIME_THRESHOLDS, edgeRatio: 3 }),
      /edgeRatio \(3\) must not exceed unstableRatio \(2\)/,
    );
  });
});

describe('dynamics > validateRegimeThresholds', () => {
  it('accepts the frozen defaults', () => {
    assert.deepEqual(validateRegimeThresholds(DEFAULT_REGIME_THRESHOLDS), []);
    assert.ok(Object.isFrozen(DEFAULT_REGIME_THRESHOLDS));
    assert.deepEqual(DEFAULT_REGIME_THRESHOLDS, {
      minSamples: 3,
      edgeRatio: 1.8,
      unstableRatio: 2,
      chaoticExponent: 1e-3,
      earlyUnstableRatio: 8,
    });
  });

  it('lists every problem', () => {
    const problems = validateRegimeThresholds({
      minSamples: 0.5,
      edgeRatio: 2.5,
      unstableRatio: 2,
      chaoticExponent: NaN,
    });
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('minSamples must be a positive integer')));
    assert.ok(problems.some((p) => p.startsWith('edgeRatio (2.5) must not exceed')));
    assert.ok(problems.some((p) => p.startsWith('chaoticExponent must be finite')));
    assert.ok(problems.some((p) => p.startsWith('chaoticExponent must be ≥ 0')));
    assert.deepEqual(
      validateRegimeThresholds({ minSamples: 1, edgeRatio: 0, unstableRatio: 2, chaoticExponent: 0 }),
      ['edgeRatio must be > 0, got 0'],
    );
    assert.deepEqual(validateRegimeThresholds({ ...DEFAULT_REGIME_THRESHOLDS, earlyUnstableRatio: 1.5 }), [
      'earlyUnstableRatio must be finite and ≥ unstableRatio (2), got 1.5',
    ]);
  });
});
