import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lyap } from '../../helpers/cli.js';

describe('cli > lyap process with a broker that does not answer', () => {
  it(
    'logs JSON lines only, the retries as warnings without stacks, and ends with one error line',
    { timeout: 60_000 },
    async () => {
      const r = await lyap(['process', '--brokers', '127.0.0.1:1']);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.trimEnd().split('\n');
      assert.match(lines.at(-1) ?? '', /^lyap: .*ECONNREFUSED.*\(LYAP_E_KAFKA\)$/);
      const logged = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.ok(logged.length >= 2, r.stderr);
      assert.ok(logged.every((l) => l['role'] === 'processor'));
      assert.ok(
        logged.every((l) => l['level'] !== 'error'),
        'retries are warnings, not errors',
      );
      assert.ok(logged.some((l) => l['level'] === 'warn' && l['source'] === 'kafkajs.Connection'));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    },
  );
});
