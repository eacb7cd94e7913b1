import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDashboards } from '../dashboards/index.js';
import { defineCommand } from './define-command.js';
import { EXIT } from './exit-codes.js';

export const dashboardsCommand = defineCommand<{ out: string; check: boolean }>({
  name: 'dashboards',
  description:
    'Generate the Grafana dashboards (Grafana Foundation SDK) as JSON files, one per dashboard. ' +
    'Deterministic: the committed dashboards/ are this output.',
  options: (command) =>
    command
      .option('-o, --out <dir>', 'folder to write the dashboards to', 'dashboards')
      .option(
        '--check',
        `write nothing; exit ${EXIT.failure} if a file in --out differs from the generated one`,
        false,
      ),
  run: (flags) => (flags.check ? checkDashboards(flags.out) : writeDashboards(flags.out)),
});

function writeDashboards(out: string): number {
  mkdirSync(out, { recursive: true });
  for (const { file, text } of renderDashboards()) {
    const path = join(out, file);
    writeFileSync(path, text);
    process.stderr.write(`wrote ${path}\n`);
  }
  return EXIT.ok;
}

function checkDashboards(out: string): number {
  const stale: string[] = [];
  for (const { file, text } of renderDashboards()) {
    const path = join(out, file);
    let committed: string | undefined;
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed !== text) stale.push(path);
  }
  if (stale.length === 0) {
    process.stderr.write(`dashboards in ${out} are up to date\n`);
    return EXIT.ok;
  }
  process.stderr.write(
    `stale or missing: ${stale.join(', ')}; run \`lyap dashboards --out ${out}\` to regenerate\n`,
  );
  return EXIT.failure;
}
