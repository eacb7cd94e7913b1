// Replay throughput of two builds of the project, alternating in one process: the before/after
// figures of a speed-up on a shared machine, where runs minutes apart are not comparable.
// Each round replays the file once with each build (order alternating) and records events per
// second of wall time and of this process's CPU time (user + system).
// Usage: tsx scripts/replay-compare.ts <before-dist> <after-dist> <events.jsonl> [--rounds N]
//   a dist folder is a compiled build (`npx tsc -p tsconfig.build.json` in a checkout of the commit);
//   the file comes from `npm run bench -- --only replay --events N --runs N --keep FILE`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { replay as ReplayFn } from '../src/replay/replay.js';
import type { readLineChunks as ReadFn } from '../src/cli/io.js';
import { positiveNumber, ScriptArgsError, scriptArgs } from './script-args.js';

const { beforeDist, afterDist, file, rounds } = scriptArgs(
  {
    name: 'replay-compare',
    usage: `Usage: tsx scripts/replay-compare.ts <before-dist> <after-dist> <events.jsonl> [--rounds 5]

Replays the file with two compiled builds in turn, in one process, and prints events per second of
wall and CPU time for each (a dist folder: npx tsc -p tsconfig.build.json in a checkout).`,
    allowPositionals: true,
    options: { rounds: { type: 'string', default: '5' } },
  },
  ({ values, positionals }) => {
    const [beforeDist, afterDist, file, extra] = positionals;
    if (beforeDist === undefined || afterDist === undefined || file === undefined || extra !== undefined)
      throw new ScriptArgsError('expected <before-dist> <after-dist> <events.jsonl>');
    return { beforeDist, afterDist, file, rounds: positiveNumber('rounds', values.rounds) };
  },
);

interface Build {
  name: string;
  replay: typeof ReplayFn;
  readLineChunks: typeof ReadFn;
  wall: number[];
  cpu: number[];
}

async function load(name: string, dist: string): Promise<Build> {
  const at = (path: string): string => pathToFileURL(resolve(dist, path)).href;
  const { replay } = (await import(at('replay/replay.js'))) as { replay: typeof ReplayFn };
  const { readLineChunks } = (await import(at('cli/io.js'))) as { readLineChunks: typeof ReadFn };
  return { name, replay, readLineChunks, wall: [], cpu: [] };
}

const builds = [await load('before', beforeDist), await load('after', afterDist)];
for (let r = 0; r < rounds; r++) {
  for (const build of r % 2 === 0 ? builds : [...builds].reverse()) {
    globalThis.gc?.();
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const result = await build.replay({
      lines: build.readLineChunks(file),
      sourceName: 'compare.jsonl',
      onEstimate: () => undefined,
      onDeadLetter: () => undefined,
    });
    const cpu = process.cpuUsage(cpuStart);
    build.wall.push(result.lines / ((performance.now() - start) / 1000));
    build.cpu.push(result.lines / ((cpu.user + cpu.system) / 1e6));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const [before, after] = builds as [Build, Build];
console.log(`${rounds} rounds, ${file}`);
console.log('| build | events/s, best | events/s, median | per CPU-second, best | per CPU-second, median |');
console.log('| ----- | -------------: | ---------------: | -------------------: | ---------------------: |');
for (const b of builds) {
  const row = [Math.max(...b.wall), median(b.wall), Math.max(...b.cpu), median(b.cpu)].map((x) =>
    Math.round(x),
  );
  console.log(`| ${b.name} | ${row.join(' | ')} |`);
}
const ratio = (a: number, b: number): string => (a / b).toFixed(3);
console.log(
  `after / before: wall ${ratio(median(after.wall), median(before.wall))} (median), CPU ${ratio(median(after.cpu), median(before.cpu))} (median)`,
);
