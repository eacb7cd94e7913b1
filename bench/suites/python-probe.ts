// The Python client's probe overhead on a torch MLP (clients/python/src/lyap_client/bench.py), run
// with the interpreter .ci/run installs (.cache/python-venv; LYAP_PYTHON overrides).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { SuiteResult } from './types.js';

export function pythonProbeSuite(options: { steps: number; rounds: number }): SuiteResult {
  const python = resolve(process.env['LYAP_PYTHON'] ?? '.cache/python-venv/bin/python');
  const args = [
    '-m',
    'lyap_client.bench',
    '--json',
    '--steps',
    String(options.steps),
    '--rounds',
    String(options.rounds),
  ];
  const done = spawnSync(python, args, {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: 'clients/python/src' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (done.status !== 0) {
    throw new Error(
      `python-probe: ${python} ${args.join(' ')} exited ${done.status ?? done.signal}: install the client with the '# >>> python client' section of .ci/run`,
    );
  }
  return JSON.parse(done.stdout) as SuiteResult;
}
