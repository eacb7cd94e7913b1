import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

// The scripts' command lines as a user meets them: each is started for real, and none of these
// reaches the script's work (a broker, a training run), so each exits at once.
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('scripts > command lines', () => {
  it('prints the usage on --help and exits 0', () => {
    for (const script of [
      'scripts/soak.ts',
      'bench/run.ts',
      'scripts/lr-grid.ts',
      'scripts/kafka/start.ts',
    ]) {
      const r = run(script, '--help');
      assert.equal(r.status, 0, `${script}: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: /, script);
    }
  });

  it('says in one line what is wrong with a flag, and exits 2', () => {
    const cases: [string, string[], RegExp][] = [
      ['scripts/soak.ts', ['--bogus'], /^soak: unknown option --bogus \(--help shows the usage\)\n$/],
      ['scripts/soak.ts', ['--minutes', 'x'], /^soak: --minutes x: expected a positive number/],
      ['scripts/soak.ts', ['--out'], /^soak: Option '--out <value>' argument missing/],
      ['scripts/soak.ts', ['stray'], /^soak: unexpected argument 'stray'/],
      ['bench/run.ts', ['--only', 'bogus'], /^bench: --only bogus: no such suite \(replay, decode, trainer,/],
      [
        'bench/run.ts',
        ['--only', 'trainer', '--probe-schedule', '8:8:4:4'],
        /^bench: --probe-schedule 8:8:4:4: s:b:k:d, positive integers with 0 ≤ d < k/,
      ],
      [
        'bench/run.ts',
        ['--only', 'trainer', '--steps', '10'],
        /^bench: --steps 10: a whole number of steps, at least 20/,
      ],
      ['scripts/lr-grid.ts', ['--rules', 'bogus'], /^lr-grid: --rules: unknown rule 'bogus'/],
      ['scripts/cpu-profile-top.ts', [], /^cpu-profile-top: expected one <file.cpuprofile \| dir>/],
    ];
    for (const [script, args, message] of cases) {
      const r = run(script, ...args);
      assert.equal(r.status, 2, `${script} ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, `${script} ${args.join(' ')}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
  });
});
