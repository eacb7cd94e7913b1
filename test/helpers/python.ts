// The Python interpreter the client's tests run with: .ci/run installs it, torch and the client
// into .cache/python-venv (LYAP_PYTHON overrides). With CI=true a missing one fails the tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { unavailable } from './unavailable.js';

export const PYTHON_VENV = '.cache/python-venv';

/** The interpreter, checked to import torch, confluent_kafka and the client; undefined (skip) when missing outside CI. */
export function pythonClient(): string | undefined {
  const python = resolve(process.env['LYAP_PYTHON'] ?? `${PYTHON_VENV}/bin/python`);
  const why = !existsSync(python)
    ? `no Python interpreter at ${python}`
    : (() => {
        const probe = spawnSync(
          python,
          ['-c', 'import torch, confluent_kafka, jsonschema, sklearn, pytest, lyap_client'],
          {
            encoding: 'utf8',
          },
        );
        return probe.status === 0
          ? undefined
          : `${python} cannot import the client's dependencies: ${probe.stderr.trim().split('\n').at(-1) ?? ''}`;
      })();
  if (why === undefined) return python;
  unavailable(`CI=true and ${why}, so the Python client's tests fail (.ci/run installs them)`, [
    'PYTHON CLIENT TESTS SKIPPED.',
    why,
    "Fix: run the '# >>> python client' section of .ci/run (a venv in .cache/python-venv), or set LYAP_PYTHON.",
  ]);
  return undefined;
}

export interface PytestCase {
  readonly name: string;
  readonly seconds: number;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  readonly message: string;
}

const unescape = (text: string): string =>
  text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const attribute = (tag: string, name: string): string =>
  unescape(new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? '');

/** The test cases of pytest's JUnit XML report (`--junitxml`), in order. */
export function parseJunitXml(xml: string): PytestCase[] {
  const cases: PytestCase[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const tag = match[1] ?? '';
    const body = match[2] ?? '';
    const problem = /<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>|<(failure|error)\b([^>]*)\/>/.exec(body);
    const skipped = /<skipped\b([^>]*)/.exec(body);
    const outcome = problem !== null ? 'failed' : skipped !== null ? 'skipped' : 'passed';
    const message =
      problem !== null
        ? `${attribute(problem[2] ?? problem[5] ?? '', 'message')}\n${unescape(problem[3] ?? '')}`
        : skipped !== null
          ? attribute(skipped[1] ?? '', 'message')
          : '';
    cases.push({
      name: `${attribute(tag, 'classname')}::${attribute(tag, 'name')}`,
      seconds: Number(attribute(tag, 'time')),
      outcome,
      message,
    });
  }
  return cases;
}
