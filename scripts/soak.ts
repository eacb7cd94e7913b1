// npm run soak -- --minutes N: the fault soak of docs/reliability.md (USAGE below, `--help`).
import { writeFileSync } from 'node:fs';
import { positiveNumber, scriptArgs } from './script-args.js';
import { reportTable, runSoak } from './soak/soak.js';

const USAGE = `Usage: npm run soak -- [--minutes 2] [--trainers 2] [--steps 2000] [--lateness-ms 60000] [--secure] [--out report.json]

The fault soak (docs/reliability.md): a local 3-node KRaft cluster, trainers, two processors, the
controller and the alerter as real processes; broker kills, processor kills, controller restarts,
garbage bursts, forged commands and a key rotation on a schedule; invariants checked as it goes
and at the end. Exits 1 if any invariant was broken.

  --minutes <n>       minutes of faults (default 2; short runs compress the schedule)
  --trainers <n>      trainers, each training one run after another (default 2)
  --steps <n>         steps per training run (default 2000)
  --lateness-ms <ms>  the processors' --lateness-ms (default 60000: longer than a failover)
  --secure            the same over SASL_SSL with each role's ACLs
  --out <file>        also write the report as JSON`;

const options = scriptArgs(
  {
    name: 'soak',
    usage: USAGE,
    options: {
      minutes: { type: 'string', default: '2' },
      trainers: { type: 'string', default: '2' },
      steps: { type: 'string', default: '2000' },
      secure: { type: 'boolean', default: false },
      'lateness-ms': { type: 'string', default: '60000' },
      out: { type: 'string' },
    },
  },
  ({ values }) => ({
    minutes: positiveNumber('minutes', values.minutes),
    trainers: positiveNumber('trainers', values.trainers),
    stepsPerRun: positiveNumber('steps', values.steps),
    secure: values.secure,
    latenessMs: positiveNumber('lateness-ms', values['lateness-ms']),
    out: values.out,
  }),
);
const { out, ...soak } = options;
const report = await runSoak(soak);
console.log(reportTable(report));
for (const v of report.violations) console.log(`- ${v}`);
if (out !== undefined) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.exit(report.violations.length === 0 ? 0 : 1);
