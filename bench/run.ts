// `npm run bench`: every suite prints a table and the whole run is written as JSON to
// bench/results/latest.json (and a dated copy). Figures are ratios against a baseline
// measured in the same run wherever the claim is relative; absolute figures are printed
// for the record, never asserted (shared, noisy machines).
// Usage: npm run bench -- --help
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { badArgs, scriptArgs } from '../scripts/script-args.js';
import { replaySuite } from './suites/replay.js';
import type { SuiteResult } from './suites/types.js';
import { DEFAULT_REGIME_THRESHOLDS } from '../src/dynamics/index.js';
import { LOSS_NAMES, type LossName } from '../src/trainer/names.js';
import type { RegimeWhatIf } from './suites/alert-scoring.js';
import type { ProbeSchedule } from './suites/trainer.js';

// The suites read the parsed options below when they run, after parsing.
const suites: Record<string, () => Promise<SuiteResult>> = {
  replay: () =>
    replaySuite({
      events: Number(values.events),
      runs: Number(values.runs),
      repeat: Number(values.repeat),
      keep: values.keep,
    }),
  decode: async () =>
    (await import('./suites/decode.js')).decodeSuite({ runs: 100, steps: 250, malformed: 5_000, repeat: 15 }),
  trainer: async () => {
    const schedule = values['probe-schedule'];
    const steps = given('steps');
    const options = {
      steps: steps === undefined ? 480 : stepCount(steps),
      rounds: 4,
      ...(schedule === undefined ? {} : { schedule: probeSchedule(schedule) }),
    };
    return (await import('./suites/trainer.js')).trainerSuite(options);
  },
  'control-loop': async () => (await import('./suites/control-loop.js')).controlLoopSuite({ steps: 400 }),
  'control-loop-in-process-kafka': async () =>
    (await import('./suites/control-loop.js')).controlLoopSuite({ steps: 400, kafka: true }),
  'control-loop-kafka': async () =>
    (await import('./suites/control-loop-kafka.js')).controlLoopKafkaSuite({
      steps: 3000,
      alertRuns: 20,
      alertSteps: 120,
      intake: values.intake === 'event-loop' ? 'event-loop' : 'thread',
    }),
  alerts: async () =>
    (await import('./suites/alerts.js')).alertsSuite({
      steps: 300,
      seeds: seedList(given('seeds') ?? '1,2,3,4,5,6,7,8,9,10'),
      jumpAt: 150,
      horizon: 50,
      loss: lossName(values.loss),
      whatIf: regimeWhatIf(),
      keep: values.keep,
      from: values.from,
    }),
  lyapunov: async () =>
    (await import('./suites/lyapunov.js')).lyapunovSuite({
      seeds: seedList(values.seeds),
      steps: 3000,
      warmup: 200,
      rates: rateList(given('rates') ?? '0.5,2,4,8'),
      schemes: schemeList(given('schemes') ?? '1/1/0,1/10/0,8/20/4,8/40/4,4/80/2,8/80/4'),
    }),
  tracking: async () => (await import('./suites/tracking.js')).trackingSuite({ steps: 100, every: 5 }),
  'tracking-relu': async () =>
    (await import('./suites/tracking-relu.js')).trackingReluSuite({ steps: 300, truthEvery: 25, lr: 0.5 }),
  'python-probe': async () =>
    (await import('./suites/python-probe.js')).pythonProbeSuite({ steps: 150, rounds: 4 }),
  'kafka-throughput': async () =>
    (await import('./suites/kafka-throughput.js')).kafkaThroughputSuite({ events: 200_000, runs: 100 }),
  'kafka-clients': async () =>
    (await import('./suites/kafka-clients.js')).kafkaClientsSuite({
      events: Number(given('events') ?? 200_000),
      runs: 100,
      rounds: Number(given('repeat') ?? 2),
    }),
  memory: async () =>
    (await import('./suites/memory.js')).memorySuite({
      probes: [
        { runs: 10_000, checkpoints: [25, 100], metrics: false },
        { runs: 10_000, checkpoints: [25, 100], metrics: true },
        // Past dedupSteps (1,024): the released-step rings and the snapshots at their largest.
        { runs: 1_000, checkpoints: [100, 1_100], metrics: false },
      ],
    }),
  'kafka-scale': async () =>
    (await import('./suites/kafka-scale.js')).kafkaScaleSuite({
      events: Number(given('events') ?? 400_000),
      runs: 100,
      partitions: 12,
      engines: [1, 2],
      repeat: Number(given('repeat') ?? 2),
    }),
};

const USAGE = `Usage: npm run bench -- [--only <suite>] [options]

Runs every suite (or one), prints each table and writes the run as JSON to bench/results/latest.json
and a dated copy (docs/benchmarks.md says what each suite measures).

  --only <suite>   one suite: SUITES
  --events <n>     replay: events generated (default 1,000,000); kafka-scale: default 400,000; kafka-clients: 200,000
  --runs <n>       replay: runs the events belong to (default 1,000)
  --repeat <n>     replay: passes per configuration (default 3); kafka-scale and kafka-clients: default 2
  --keep <path>    replay: keep the generated events in this file; alerts: keep the runs' traces in this folder
  --from <dir>     alerts: score the traces saved with --keep again instead of training
  --early-ratio <r> alerts: score as if the processor's early verdict (before a run's third probe)
                   were r instead of 8 (earlyUnstableRatio; r ≥ 2, times the margin), on saved
                   traces (--from) or new runs
  --margin <m>     alerts: score as if "unstable" from the third probe on needed η·BS past m × 2
                   (m ≥ 1) instead of 2
  --loss <name>    alerts: the runs' loss, cross-entropy (the default) or mse (on one-hot labels,
                   where a rate far past the edge diverges instead of stalling near ln 10)
  --seeds <list>   lyapunov: training seeds, comma-separated (default 3); with several, the error
                   of each scheme over them (RMS, mean, within 5 %, against its standard error);
                   alerts: the runs' seeds (default 1-10)
  --rates <list>   lyapunov: constant learning rates (default 0.5,2,4,8)
  --schemes <list> lyapunov: Lyapunov sampling schemes as burst/every/discard, comma-separated
                   (default 1/1/0,1/10/0,8/20/4,8/40/4,4/80/2,8/80/4; at a probe every 10, 4/80/2
                   is the product's default and 8/40/4 the dense schedule of the sweeps and the demo)
  --steps <n>      trainer: training steps per run and configuration (default 480, three times the
                   default's 160 steps between λ_max probes: a schedule is priced only by runs
                   longer than its λ_max interval)
  --probe-schedule <s:b:k:d>
                   trainer: measure λ_max every s probes and carry the Lyapunov subspace through a
                   burst of k steps every b probes, the first d discarded (default 16:8:4:2, the
                   product's; 4:4:8:4 is the dense schedule), to price another schedule against the
                   same unprobed steps
  --intake <where> control-loop-kafka: the trainer reads commands in a worker thread (thread, the
                   default, as lyap train --brokers does) or on its own event loop (event-loop)`;

const { values } = scriptArgs({
  name: 'bench',
  usage: USAGE.replace('SUITES', Object.keys(suites).join(', ')),
  options: {
    only: { type: 'string' },
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '3' },
    keep: { type: 'string' },
    from: { type: 'string' },
    intake: { type: 'string', default: 'thread' },
    seeds: { type: 'string', default: '3' },
    rates: { type: 'string' },
    schemes: { type: 'string' },
    loss: { type: 'string', default: 'cross-entropy' },
    'early-ratio': { type: 'string' },
    margin: { type: 'string' },
    'probe-schedule': { type: 'string' },
    steps: { type: 'string' },
  },
});

/** A comma-separated list of numbers, each one that `accept`s; else a bad-flag exit naming `what` it takes. */
function numberList(flag: string, text: string, accept: (x: number) => boolean, what: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const xs = parts.map(Number);
  if (parts.some((p) => p === '') || !xs.every(accept)) {
    badArgs('bench', `--${flag} ${text}: comma-separated ${what}`);
  }
  return xs;
}

/** `--rates 4,8`: positive numbers, at least one. */
function rateList(text: string): number[] {
  return numberList('rates', text, (x) => Number.isFinite(x) && x > 0, 'positive numbers, e.g. 4,8');
}

/** `--schemes 8/40/4,1/10/0`: a burst of K steps every N, the first D discarded. */
function schemeList(text: string): { burst: number; every: number; discard: number }[] {
  return text.split(',').map((part) => {
    const [burst, every, discard] = part.trim().split('/').map(Number);
    if (!(
      Number.isSafeInteger(burst) &&
      Number.isSafeInteger(every) &&
      Number.isSafeInteger(discard) &&
      (burst ?? 0) >= 1 &&
      (every ?? 0) >= (burst ?? 0) &&
      (discard ?? -1) >= 0 &&
      (discard ?? 0) < (burst ?? 0)
    )) {
      badArgs(
        'bench',
        `--schemes ${part}: burst/every/discard with 1 ≤ burst ≤ every and 0 ≤ discard < burst, e.g. 8/40/4`,
      );
    }
    return { burst: burst as number, every: every as number, discard: discard as number };
  });
}

/** `--steps 600`: a whole number of training steps, at least 20. */
function stepCount(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !(Number.isSafeInteger(n) && n >= 20))
    badArgs('bench', `--steps ${text}: a whole number of steps, at least 20`);
  return n;
}

/** `--probe-schedule 8:8:4:2`: positive integers s, b, k and 0 ≤ d < k. */
function probeSchedule(text: string): ProbeSchedule {
  const parts = text.split(':').map((p) => p.trim());
  const [sharpnessProbes, burstProbes, burst, discard] = parts.map(Number);
  const positive = (x: number | undefined): x is number => Number.isSafeInteger(x) && (x ?? 0) >= 1;
  if (
    parts.length !== 4 ||
    parts.some((p) => p === '') ||
    !(positive(sharpnessProbes) && positive(burstProbes) && positive(burst)) ||
    !(Number.isSafeInteger(discard) && (discard ?? -1) >= 0 && (discard ?? 0) < burst)
  ) {
    badArgs(
      'bench',
      `--probe-schedule ${text}: s:b:k:d, positive integers with 0 ≤ d < k, e.g. 16:8:4:2 (the default)`,
    );
  }
  return { sharpnessProbes, burstProbes, burst, discard: discard as number };
}

/**
 * The alerts suite's what-if thresholds (`--margin`, `--early-ratio`), else a bad-flag exit: the
 * early ratio may not be under the bound it is judged against (2, times the margin).
 */
function regimeWhatIf(): RegimeWhatIf {
  const numberOf = (flag: 'margin' | 'early-ratio', least: number): number | undefined => {
    const text = values[flag];
    if (text === undefined) return undefined;
    const x = Number(text);
    if (text.trim() === '' || !(Number.isFinite(x) && x >= least))
      badArgs('bench', `--${flag} ${text}: a number ≥ ${least}`);
    return x;
  };
  const margin = numberOf('margin', 1);
  const earlyRatio = numberOf('early-ratio', DEFAULT_REGIME_THRESHOLDS.unstableRatio * (margin ?? 1));
  return { ...(earlyRatio === undefined ? {} : { earlyRatio }), ...(margin === undefined ? {} : { margin }) };
}

/** `--loss mse`: one of the trainer's losses. */
function lossName(text: string | undefined): LossName {
  const loss = LOSS_NAMES.find((name) => name === text);
  if (loss === undefined) badArgs('bench', `--loss ${text}: one of ${LOSS_NAMES.join(', ')}`);
  return loss;
}

/** `--seeds 1,2,3`: non-negative integers, at least one. */
function seedList(text: string): number[] {
  return numberList(
    'seeds',
    text,
    (x) => Number.isSafeInteger(x) && x >= 0,
    'non-negative integers, e.g. 1,2,3',
  );
}

/** An option's value when the command line gave it (not its default). */
const given = (name: 'events' | 'repeat' | 'seeds' | 'rates' | 'schemes' | 'steps'): string | undefined =>
  process.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)) ? values[name] : undefined;

// Bad lists fail before any suite runs.
seedList(values.seeds);
lossName(values.loss);
regimeWhatIf();
if (values.rates !== undefined) rateList(values.rates);
if (values.schemes !== undefined) schemeList(values.schemes);
if (values['probe-schedule'] !== undefined) probeSchedule(values['probe-schedule']);
if (values.steps !== undefined) stepCount(values.steps);
if (values.intake !== 'thread' && values.intake !== 'event-loop')
  badArgs('bench', `--intake ${values.intake}: thread or event-loop`);
if (values.only !== undefined && !(values.only in suites))
  badArgs('bench', `--only ${values.only}: no such suite (${Object.keys(suites).join(', ')})`);

const results: SuiteResult[] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (values.only !== undefined && values.only !== name) continue;
  console.log(`\n## ${name}`);
  const result = await suite();
  console.table(result.rows);
  for (const note of result.notes) console.log(`- ${note}`);
  results.push(result);
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', arch: arch(), memoryBytes: totalmem() },
  node: process.version,
  results,
};
mkdirSync('bench/results', { recursive: true });
const json = JSON.stringify(report, null, 2) + '\n';
writeFileSync('bench/results/latest.json', json);
writeFileSync(`bench/results/bench-${report.date.replace(/[:.]/g, '-')}.json`, json);
console.log('\nwrote bench/results/latest.json');
