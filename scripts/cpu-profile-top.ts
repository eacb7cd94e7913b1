// The top self-time items of a V8 CPU profile (`node --cpu-prof`), as a markdown table:
// the table in docs/benchmarks.md (## replay) comes from this.
// Usage: tsx scripts/cpu-profile-top.ts <file.cpuprofile | dir> [--top 15]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { positiveNumber, ScriptArgsError, scriptArgs } from './script-args.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { target, top } = scriptArgs(
  {
    name: 'cpu-profile-top',
    usage: `Usage: tsx scripts/cpu-profile-top.ts <file.cpuprofile | dir> [--top 15]

The top self-time items of a V8 CPU profile (node --cpu-prof; of a folder, its newest profile)
as a markdown table.`,
    allowPositionals: true,
    options: { top: { type: 'string', default: '15' } },
  },
  ({ values, positionals }) => {
    const [target, extra] = positionals;
    if (target === undefined || extra !== undefined)
      throw new ScriptArgsError('expected one <file.cpuprofile | dir>');
    return { target, top: positiveNumber('top', values.top) };
  },
);
const file = statSync(target).isDirectory()
  ? join(
      target,
      readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort()[0] ?? '',
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
const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<string, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byNode.get(profile.samples[i] ?? -1);
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (node === undefined) continue;
  const key = place(node);
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  total += dt;
}
const rows = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log('| self ms | share | function |');
console.log('| ------: | ----: | -------- |');
for (const [key, us] of rows) {
  console.log(
    `| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)}% | \`${key.replaceAll('|', '\\|')}\` |`,
  );
}
