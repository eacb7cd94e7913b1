import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  canonicalJson,
  CommandKeyring,
  decodeEvent,
  encodeEvent,
  parseCommandKeys,
  topicNames,
} from '../../../src/events/index.js';
import { LrIntake, type LrIntakeStats } from '../../../src/trainer/index.js';
import { MemoryBus } from '../../../src/transport/index.js';

// test/vectors/ is shared with the Python client's pytest suite (clients/python/tests/test_vectors.py):
// both sides check the same bytes, so neither can drift from the other.
interface Signed {
  key: string;
  canonical: string;
  tampered?: boolean;
}
type Step =
  | { deliver: string; outcome: keyof LrIntakeStats | 'queued'; signedWith?: Signed }
  | { take: number; expect: { lr: number; seq: number } | null };
interface Scenario {
  name: string;
  runId: string;
  env: Record<string, string>;
  acceptUnsigned: boolean;
  bounds: { minLr: number; maxLr: number };
  requiresKeyIds: boolean;
  steps: Step[];
  stats: Partial<LrIntakeStats>;
}
interface Vectors {
  numbers: { literal: string; text: string }[];
  canonicalJson: { name: string; value: unknown; canonical: string }[];
  intakeScenarios: Scenario[];
}

const vectors = JSON.parse(readFileSync('test/vectors/commands.json', 'utf8')) as Vectors;
const eventLines = readFileSync('test/vectors/events.jsonl', 'utf8').split('\n').filter(Boolean);
const hmac = (key: string, text: string): string => createHmac('sha256', key).update(text).digest('hex');

const processed = (s: LrIntakeStats): number => s.received + s.ignoredOtherRun + s.undecodable;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition not reached');
}

describe('events > shared test vectors (test/vectors)', () => {
  it('writes every number literal as the vectors say', () => {
    for (const { literal, text } of vectors.numbers)
      assert.equal(JSON.stringify(JSON.parse(literal)), text, literal);
  });

  it('gives the canonical JSON of every value', () => {
    for (const { name, value, canonical } of vectors.canonicalJson)
      assert.equal(canonicalJson(value), canonical, name);
  });

  it('signs every signed command over the canonical JSON of its other fields (key ids included)', () => {
    for (const scenario of vectors.intakeScenarios) {
      for (const step of scenario.steps) {
        if (!('deliver' in step) || step.signedWith === undefined) continue;
        const payload = JSON.parse(step.deliver) as Record<string, unknown>;
        const { sig, ...unsigned } = payload;
        assert.equal(hmac(step.signedWith.key, step.signedWith.canonical), sig, step.deliver);
        assert.equal(
          canonicalJson(unsigned) === step.signedWith.canonical,
          step.signedWith.tampered !== true,
          step.deliver,
        );
      }
    }
  });

  // Every scenario, the keyed one (LYAP_CONTROL_KEYS) too: the Python suite checks the same.
  for (const scenario of vectors.intakeScenarios) {
    it(`LrIntake counts every command as the vectors say: ${scenario.name}`, async () => {
      const bus = new MemoryBus();
      const topics = topicNames();
      const intake = new LrIntake({
        bus,
        topics,
        runId: scenario.runId,
        bounds: scenario.bounds,
        acceptUnsigned: scenario.acceptUnsigned,
        signingKey: signingKeyOf(scenario.env),
      });
      try {
        for (const step of scenario.steps) {
          if ('take' in step) {
            assert.deepEqual(intake.take(step.take) ?? null, step.expect, `take at ${step.take}`);
            continue;
          }
          const before = { ...intake.stats, undecodable: intake.stats.undecodable };
          await bus.publish(topics.control, [{ value: step.deliver }]);
          await until(() => processed(intake.stats) === processed(before) + 1);
          if (step.outcome !== 'queued') {
            assert.equal(
              intake.stats[step.outcome],
              before[step.outcome] + 1,
              `${step.outcome}: ${step.deliver}`,
            );
          }
        }
        const counters = { ...intake.stats, undecodable: intake.stats.undecodable };
        const expected = Object.fromEntries(Object.keys(counters).map((k) => [k, 0]));
        assert.deepEqual(counters, { ...expected, ...scenario.stats });
      } finally {
        intake.close();
      }
    });
  }

  it('decodes every event line and encodes it back to the same bytes', () => {
    assert.ok(eventLines.length >= 6);
    for (const line of eventLines) {
      const decoded = decodeEvent(line);
      assert.ok(decoded.ok, decoded.ok ? '' : `${decoded.error.message}\n${line}`);
      assert.equal(encodeEvent(decoded.event), line);
    }
  });

  it('accepts exact products: hvp "exact" and a probe without eps', () => {
    const exact = eventLines
      .map((l) => decodeEvent(l))
      .filter((d) => d.ok && d.event.runId === 'py-digits-1');
    assert.ok(exact.some((d) => d.ok && d.event.type === 'run' && d.event.config.probe.hvp === 'exact'));
    assert.ok(exact.some((d) => d.ok && d.event.type === 'gradient' && d.event.probe?.eps === undefined));
  });
});

/** The intake's keys from a scenario's environment, as `lyap train` reads them. */
function signingKeyOf(env: Record<string, string>): string | CommandKeyring | undefined {
  const keys = env['LYAP_CONTROL_KEYS'];
  const legacy = env['LYAP_CONTROL_KEY'];
  return keys === undefined
    ? legacy
    : new CommandKeyring(parseCommandKeys(keys, 'LYAP_CONTROL_KEYS'), legacy);
}
