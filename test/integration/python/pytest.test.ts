import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaBroker, withKafka } from '../../helpers/kafka-broker.js';
import { parseJunitXml, pythonClient } from '../../helpers/python.js';

// The Python client's pytest suite (clients/python/tests), each pytest case reported here as a
// test of its own, so that the runner's totals count them. It gets the broker the Kafka tests
// use (KAFKA_BROKERS), this node (LYAP_NODE: the probe comparison and lyap process/control/replay
// from the sources) and CI; torch runs single-threaded, since the machine is shared.
const python = pythonClient();
const broker = python === undefined ? undefined : await kafkaBroker();

function runPytest(python: string, bootstrap: string, junit: string): Promise<number | null> {
  const child = spawn(
    python,
    ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`, 'clients/python/tests'],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: bootstrap,
        LYAP_NODE: process.execPath,
        PYTHONPATH: 'clients/python/src',
        OMP_NUM_THREADS: '1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return new Promise((resolve) => child.on('close', resolve));
}

if (python === undefined) {
  describe('python client > pytest', { skip: 'no Python client: see the message above' }, () => {
    it('is skipped');
  });
} else {
  withKafka(broker, 'python client > pytest', (broker) => {
    describe('python client > pytest', () => {
      it('passes every case of clients/python/tests', async (t) => {
        const scratch = mkdtempSync(join(tmpdir(), 'lyap-pytest-'));
        try {
          const junit = join(scratch, 'junit.xml');
          const code = await runPytest(python, broker.bootstrap, junit);
          const cases = parseJunitXml(readFileSync(junit, 'utf8'));
          assert.ok(cases.length > 0, `pytest ran no test (exit ${code})`);
          for (const c of cases) {
            await t.test(c.name, c.outcome === 'skipped' ? { skip: c.message } : {}, () => {
              if (c.outcome === 'failed') assert.fail(c.message);
            });
          }
          assert.equal(code, 0, `pytest exited ${code}`);
        } finally {
          rmSync(scratch, { recursive: true, force: true });
        }
      });
    });
  });
}
