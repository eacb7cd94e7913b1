// The top self-time items of a V8 CPU profile (`node --cpu-prof`), as a markdown table:
// the table in docs/benchmarks.md (## replay) comes from this. --total ranks by total time
// instead (a function's own time and that of everything it called).
// Usage: tsx scripts/cpu-profile-top.ts <file.cpuprofile | dir> [--top 15] [--total]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { positiveNumber, ScriptArgsError, scriptArgs } from './script-args.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { target, top, inclusive } = scriptArgs(
  {
    name: 'cpu-profile-top',
    usage: `Usage: tsx scripts/cpu-profile-top.ts <file.cpuprofile | dir> [--top 15] [--total]

The top self-time items of a V8 CPU profile (node --cpu-prof; of a folder, its newest profile)
as a markdown table. --total: rank by total time, a function's own and its callees' (each
function counted once per sample, however deep it recurses).`,
    allowPositionals: true,
    options: { top: { type: 'string', default: '15' }, total: { type: 'boolean', default: false } },
  },
  ({ values, positionals }) => {
    const [target, extra] = positionals;
    if (target === undefined || extra !== undefined)
      throw new ScriptArgsError('expected one <file.cpuprofile | dir>');
    return { target, top: positiveNumber('top', values.top), inclusive: values.total };
  },
);
const file = statSync(target).isDirectory()
  ? join(
      target,
      readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort()
        .at(-1) ?? '',
    )
  : target;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

function place(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const path = url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url;
  // The package or the build folder names the file: profiles of two checkouts compare line by line.
  const short = path.replace(/^(.*\/)?node_modules\//, '').replace(/^(.*\/)?dist\//, 'dist/');
  return `${name} ${short}:${lineNumber + 1}`;
}

// Self time per sample: the delta to the next sample is the time spent in that sample's node.
// With --total, each sample's time goes to every function on its stack (once each).
const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const timeUs = new Map<string, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byNode.get(profile.samples[i] ?? -1);
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (node === undefined) continue;
  const keys = new Set<string>([place(node)]);
  for (let id = parentOf.get(node.id); inclusive && id !== undefined; id = parentOf.get(id)) {
    const caller = byNode.get(id);
    if (caller !== undefined && caller.callFrame.functionName !== '(root)') keys.add(place(caller));
  }
  for (const key of keys) timeUs.set(key, (timeUs.get(key) ?? 0) + dt);
  total += dt;
}
const rows = [...timeUs].sort((a, b) => b[1] - a[1]).slice(0, top);
const column = inclusive ? 'total ms' : 'self ms';
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log(`| ${column} | share | function |`);
console.log(`| ${'-'.repeat(column.length - 1)}: | ----: | -------- |`);
for (const [key, us] of rows) {
  console.log(
    `| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)}% | \`${key.replaceAll('|', '\\|')}\` |`,
  );
}
