// npm run soak -- --minutes N [--trainers 2] [--steps 2000] [--lateness-ms 60000] [--secure] [--out file.json]
// The fault soak of docs/reliability.md: a 3-node cluster, trainers, two processors, the
// controller and the alerter as real processes, faults on a schedule, invariants checked as it
// goes and at the end. Prints the result table; exits 1 if any invariant was broken.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { reportTable, runSoak } from './soak/soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    trainers: { type: 'string', default: '2' },
    steps: { type: 'string', default: '2000' },
    secure: { type: 'boolean', default: false },
    'lateness-ms': { type: 'string', default: '60000' },
    out: { type: 'string' },
  },
});
const number = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`soak: --${name} ${text}: expected a positive number`);
    process.exit(2);
  }
  return n;
};
const report = await runSoak({
  minutes: number('minutes', values.minutes),
  trainers: number('trainers', values.trainers),
  stepsPerRun: number('steps', values.steps),
  secure: values.secure,
  latenessMs: Number(values['lateness-ms']),
});
console.log(reportTable(report));
for (const v of report.violations) console.log(`- ${v}`);
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
process.exit(report.violations.length === 0 ? 0 : 1);
