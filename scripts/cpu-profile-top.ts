// The top self-time items of a V8 CPU profile (`node --cpu-prof`), as a markdown table:
// the table in docs/benchmarks.md (## replay) comes from this.
// Usage: tsx scripts/cpu-profile-top.ts <file.cpuprofile | dir> [--top N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

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

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' } },
});
const target = positionals[0];
if (target === undefined) {
  console.error('usage: tsx scripts/cpu-profile-top.ts <file.cpuprofile | dir> [--top N]');
  process.exit(2);
}
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
const rows = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log('| self ms | share | function |');
console.log('| ------: | ----: | -------- |');
for (const [key, us] of rows) {
  console.log(
    `| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)}% | \`${key.replaceAll('|', '\\|')}\` |`,
  );
}
