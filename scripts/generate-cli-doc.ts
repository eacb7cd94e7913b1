// Rewrites the generated reference of docs/cli.md (commands, options, LYAP_* variables,
// defaults) from the lyap program; the hand-written prose around it stays.
// Usage: tsx scripts/generate-cli-doc.ts [--check]
//   --check  write nothing; exit 1 if docs/cli.md is not what the generator writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { CLI_DOC_PATH, renderCliDoc } from './cli-doc.js';

const current = readFileSync(CLI_DOC_PATH, 'utf8');
const generated = await renderCliDoc(current);
if (process.argv.includes('--check')) {
  if (generated !== current) {
    console.error(`stale: ${CLI_DOC_PATH}; run \`npm run docs:cli\` to regenerate`);
    process.exit(1);
  }
  console.log(`${CLI_DOC_PATH} is up to date`);
} else if (generated === current) {
  console.log(`${CLI_DOC_PATH} is up to date`);
} else {
  writeFileSync(CLI_DOC_PATH, generated);
  console.log(`wrote ${CLI_DOC_PATH}`);
}
