import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { interruptHandler } from '../../../src/cli/interrupt.js';
import { lyap } from '../../helpers/cli.js';

describe('cli > lyap demo', () => {
  it('stops gracefully on the first signal and quits on the second', () => {
    const calls: string[] = [];
    const handler = interruptHandler({ stop: () => calls.push('stop'), quit: () => calls.push('quit') });
    handler();
    assert.deepEqual(calls, ['stop']);
    handler();
    handler();
    assert.deepEqual(calls, ['stop', 'quit', 'quit']);
  });

  it('refuses bad flags with one line and exit code 2', async () => {
    for (const [args, message] of [
      [['--runs', '9'], /--runs must be at most 8, got '9'/],
      [['--controller', 'steer'], /'steer' is invalid.*observe, advise, control/],
      [['--probe-every', '0'], /--probe-every must be a positive integer/],
    ] as const) {
      const r = await lyap(['demo', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('says so at once, exit code 2, when the port of the live page is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const r = await lyap(['demo', '--port', String(port), '--out', '/nonexistent/never-made']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`cannot serve the live page on 127\\.0\\.0\\.1:${port}: the port is in use`),
      );
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    } finally {
      taken.close();
    }
  });
});
