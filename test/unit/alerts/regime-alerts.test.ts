import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concatMap, firstValueFrom, take, toArray } from 'rxjs';
import {
  EDGE_WARNING,
  REGIME_ALERT_RULES,
  RegimeAlerts,
  startAlerter,
  type RegimeAlertRule,
} from '../../../src/alerts/index.js';
import {
  AlertEvent,
  decodeEvent,
  encodeEvent,
  topicNames,
  type EstimateEvent,
  type Regime,
} from '../../../src/events/index.js';
import { MemoryBus } from '../../../src/transport/index.js';

const T = 1_700_000_000_000;

function estimate(step: number, regime: Regime, extra: Partial<EstimateEvent> = {}): EstimateEvent {
  return {
    v: 1,
    type: 'estimate',
    runId: 'r',
    ts: T + step,
    step,
    window: 20,
    lr: 0.5,
    lyapunov: [0.05],
    curvature: [1],
    sharpness: 5,
    stabilityRatio: 3,
    regime,
    samples: step + 1,
    ...extra,
  };
}

/** The defaults and a rule that needs two estimates in a row (the streak), as a deployment may add. */
const WITH_EDGE = [...REGIME_ALERT_RULES, EDGE_WARNING];

/** The alerts of a regime sequence, one estimate per step, as `state name @step`. */
function run(regimes: readonly Regime[], rules: readonly RegimeAlertRule[] = WITH_EDGE): string[] {
  const rule = new RegimeAlerts({ rules });
  return regimes.flatMap((regime, step) =>
    rule.observe(estimate(step, regime)).map((a) => `${a.state} ${a.name} @${a.step}`),
  );
}

describe('alerts > RegimeAlerts', () => {
  it('fires at the first unstable estimate far past the bound, once while the run stays unstable, and resolves 4 estimates after it left', () => {
    assert.deepEqual(
      run([
        'unknown',
        'converging',
        'unstable',
        'unstable',
        'unstable',
        'converging',
        'edge',
        'converging',
        'chaotic',
      ]),
      ['firing LyapStabilityRatioAboveTwo @2', 'resolved LyapStabilityRatioAboveTwo @8'],
    );
  });

  it('fires on instability sustained: two unstable estimates in a row, or one far past the bound (2.5, 2.5(1 + mu))', () => {
    const fired = (ratios: readonly number[], extra: Partial<EstimateEvent> = {}): string[] => {
      const alerts = new RegimeAlerts();
      return ratios.flatMap((r, step) =>
        alerts
          .observe(
            estimate(step, r > 2 * (1 + (extra.momentum ?? 0)) ? 'unstable' : 'converging', {
              stabilityRatio: r,
              ...extra,
            }),
          )
          .map((a) => `${a.state} @${a.step}`),
      );
    };
    // A best constant rate's blip just past the bound: one estimate, then back under. Nothing.
    assert.deepEqual(fired([1.8, 2.25, 1.9, 1.7]), []);
    // Past the bound twice in a row: fires at the second.
    assert.deepEqual(fired([1.8, 2.25, 2.3, 1.7]), ['firing @2']);
    // A jump in the rate far past it: fires at once.
    assert.deepEqual(fired([1.8, 2.6, 1.7]), ['firing @1']);
    // Judged on eta*BS when the probes measure it, and the bound moves with momentum.
    assert.deepEqual(fired([1.8, 2.6], { batchStabilityRatio: 2.2 }), []);
    assert.deepEqual(fired([3, 4.7, 3], { momentum: 0.9 }), []);
    assert.deepEqual(fired([3, 4.8], { momentum: 0.9 }), ['firing @1']);
  });

  it('keeps firing while a run hovers about the bound: one alert per episode, not one per crossing', () => {
    const hovering: Regime[] = [
      'unstable',
      'edge',
      'unstable',
      'converging',
      'converging',
      'unstable',
      'edge',
    ];
    assert.deepEqual(run(hovering, REGIME_ALERT_RULES), ['firing LyapStabilityRatioAboveTwo @0']);
    // Out of it for 4 estimates in a row: resolved, and a new stay fires again.
    const back: Regime[] = ['unstable', 'edge', 'edge', 'converging', 'converging', 'unstable'];
    assert.deepEqual(run(back, REGIME_ALERT_RULES), [
      'firing LyapStabilityRatioAboveTwo @0',
      'resolved LyapStabilityRatioAboveTwo @4',
      'firing LyapStabilityRatioAboveTwo @5',
    ]);
    const rule = new RegimeAlerts();
    rule.observe(estimate(0, 'unstable'));
    for (const step of [1, 2, 3]) rule.observe(estimate(step, 'converging'));
    const [resolved] = rule.observe(estimate(4, 'converging'));
    assert.match(resolved?.message ?? '', /left unstable \(4 estimates out of it\) at step 4$/);
  });

  it('does not fire a two-estimate rule for a single estimate', () => {
    assert.deepEqual(run(['converging', 'edge', 'converging', 'edge', 'converging']), []);
  });

  it('alerts on instability only: never on chaos or at the edge, which are shown', () => {
    assert.deepEqual(
      run(
        ['chaotic', 'chaotic', 'chaotic', 'edge', 'edge', 'edge', 'converging', 'chaotic'],
        REGIME_ALERT_RULES,
      ),
      [],
    );
    assert.deepEqual(
      REGIME_ALERT_RULES.map((r) => `${r.regime} ${r.severity}`),
      ['diverged critical', 'unstable critical'],
    );
  });

  it('names and grades each alerting regime: unstable and diverged critical, edge (when added) a warning', () => {
    const rule = new RegimeAlerts({ rules: WITH_EDGE });
    const seen = new Map<string, string>();
    const regimes: Regime[] = ['edge', 'edge', 'chaotic', 'chaotic', 'unstable', 'unstable', 'diverged'];
    regimes.forEach((regime, step) => {
      for (const a of rule.observe(estimate(step, regime))) {
        if (a.state === 'firing') seen.set(a.name, `${regime} ${a.severity}`);
      }
    });
    assert.deepEqual(Object.fromEntries(seen), {
      LyapEdgeOfStability: 'edge warning',
      LyapStabilityRatioAboveTwo: 'unstable critical',
      LyapTrainingDiverged: 'diverged critical',
    });
  });

  it('fires diverged at its first estimate: a diverged run emits no second one', () => {
    assert.deepEqual(run(['converging', 'converging', 'diverged']), ['firing LyapTrainingDiverged @2']);
  });

  it('resolves the old alert before firing the next when the regime changes while firing', () => {
    assert.deepEqual(run(['unstable', 'unstable', 'diverged']), [
      'firing LyapStabilityRatioAboveTwo @0',
      'resolved LyapStabilityRatioAboveTwo @2',
      'firing LyapTrainingDiverged @2',
    ]);
  });

  it('restarts the count when the regime changes before the alert fired', () => {
    assert.deepEqual(run(['edge', 'converging', 'edge', 'converging', 'edge', 'edge']), [
      'firing LyapEdgeOfStability @5',
    ]);
  });

  it('fires once per stay, and again after the run left and came back', () => {
    assert.deepEqual(run(['edge', 'edge', 'edge', 'edge', 'converging', 'edge', 'edge']), [
      'firing LyapEdgeOfStability @1',
      'resolved LyapEdgeOfStability @4',
      'firing LyapEdgeOfStability @6',
    ]);
  });

  it('ignores redelivered and out-of-order estimates', () => {
    const rule = new RegimeAlerts({ rules: WITH_EDGE });
    assert.deepEqual(rule.observe(estimate(10, 'edge')), []);
    assert.deepEqual(rule.observe(estimate(10, 'edge')), []);
    assert.deepEqual(rule.observe(estimate(5, 'edge')), []);
    assert.equal(rule.observe(estimate(20, 'edge'))[0]?.state, 'firing');
    assert.deepEqual(rule.observe(estimate(20, 'converging')), []);
  });

  it('keeps runs apart', () => {
    const rule = new RegimeAlerts({ rules: WITH_EDGE });
    const a = (step: number, regime: Regime) => estimate(step, regime, { runId: 'a' });
    const b = (step: number, regime: Regime) => estimate(step, regime, { runId: 'b' });
    assert.deepEqual(rule.observe(a(0, 'edge')), []);
    assert.deepEqual(rule.observe(b(0, 'edge')), []);
    assert.deepEqual(rule.observe(b(1, 'converging')), []);
    assert.equal(rule.observe(a(1, 'edge'))[0]?.runId, 'a');
    assert.equal(rule.firing('a'), 'LyapEdgeOfStability');
    assert.equal(rule.firing('b'), undefined);
  });

  it('carries the measure the regime was judged by, the estimate time and a message naming the run', () => {
    const rule = new RegimeAlerts({ rules: WITH_EDGE });
    rule.observe(estimate(0, 'converging', { stabilityRatio: 1.1 }));
    const [unstable] = rule.observe(estimate(5, 'unstable', { stabilityRatio: 3.2, lr: 0.8, sharpness: 4 }));
    assert.equal(unstable?.value, 3.2);
    assert.equal(unstable?.ts, T + 5);
    assert.match(unstable?.message ?? '', /^run r: unstable: η·λ_max = 3\.20 > 2 .* at step 5$/);
    assert.equal(AlertEvent.safeParse(unstable).success, true);

    // A warning does not take over from a critical alert held after its regime left.
    assert.deepEqual(rule.observe(estimate(6, 'edge', { stabilityRatio: 1.85 })), []);
    assert.deepEqual(rule.observe(estimate(7, 'edge', { stabilityRatio: 1.85 })), []);
    const atEdge = new RegimeAlerts({ rules: WITH_EDGE });
    atEdge.observe(estimate(6, 'edge', { stabilityRatio: 1.85 }));
    const edge = atEdge.observe(estimate(7, 'edge', { stabilityRatio: 1.9 })).at(-1);
    assert.equal(edge?.value, 1.9);

    const [resolved, diverged] = rule.observe(estimate(8, 'diverged', { lyapunov: [], stabilityRatio: 0 }));
    assert.equal(resolved?.state, 'resolved');
    assert.match(resolved?.message ?? '', /left unstable \(now diverged\)/);
    assert.ok(Number.isNaN(diverged?.value), 'a diverged run has no finite loss');
    // NaN travels as "NaN" and decodes back.
    const decoded = decodeEvent(encodeEvent(diverged as AlertEvent));
    assert.ok(decoded.ok && decoded.event.type === 'alert' && Number.isNaN(decoded.event.value));
  });
});

describe('alerts > startAlerter', () => {
  it('turns the estimates topic into alert events on the alerts topic, keyed by run', async () => {
    const bus = new MemoryBus();
    const topics = topicNames('t.');
    const told: AlertEvent[] = [];
    const alerter = startAlerter({
      bus,
      topicPrefix: 't.',
      groupId: 'alerter-test',
      fromBeginning: true,
      onAlert: (a) => told.push(a),
    });
    const alerts = firstValueFrom(
      bus.consume([topics.alerts], { groupId: 'watch', fromBeginning: true }).pipe(
        concatMap((d) => {
          d.ack();
          return d.messages;
        }),
        take(2),
        toArray(),
      ),
    );
    const regimes: Regime[] = [
      'unstable',
      'unstable',
      'unstable',
      'converging',
      'converging',
      'converging',
      'converging',
    ];
    await bus.publish(topics.estimates, [
      { value: '{"not": "an event"}' },
      ...regimes.map((regime, step) => ({ key: 'r', value: encodeEvent(estimate(step, regime)) })),
    ]);
    const messages = await alerts;
    assert.deepEqual(
      messages.map((m) => {
        const decoded = decodeEvent(m.value);
        return decoded.ok && decoded.event.type === 'alert' ? `${m.key} ${decoded.event.state}` : 'bad';
      }),
      ['r firing', 'r resolved'],
    );
    assert.deepEqual(
      told.map((a) => a.state),
      ['firing', 'resolved'],
    );
    assert.deepEqual(alerter.stats, { estimates: 7, alerts: 2, invalid: 1 });
    alerter.stop();
    await alerter.done;
    await bus.close();
  });
});
