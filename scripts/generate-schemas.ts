// Writes the JSON Schema of every v1 event into schemas/ (generated from src/events).
// Usage: tsx scripts/generate-schemas.ts [--check]
//   --check  write nothing; exit 1 listing the files that are missing, stale or unexpected.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';

import { eventJsonSchemaFiles } from '../src/events/json-schema.js';

const dir = new URL('../schemas/', import.meta.url);
const check = process.argv.includes('--check');

async function readOrUndefined(file: URL): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

const expected = eventJsonSchemaFiles();
await mkdir(dir, { recursive: true });
const present = (await readdir(dir)).filter((name) => name.endsWith('.schema.json'));

const changed: string[] = [];
for (const [name, text] of Object.entries(expected)) {
  if ((await readOrUndefined(new URL(name, dir))) !== text) changed.push(name);
}
const unexpected = present.filter((name) => !(name in expected));

if (check) {
  if (changed.length > 0 || unexpected.length > 0) {
    for (const name of changed) console.error(`stale: schemas/${name}`);
    for (const name of unexpected) console.error(`unexpected: schemas/${name}`);
    console.error('run `npm run schemas` to regenerate');
    process.exit(1);
  }
  console.log(`schemas/ is up to date (${Object.keys(expected).length} files)`);
} else {
  for (const name of changed) await writeFile(new URL(name, dir), expected[name]!);
  for (const name of unexpected) await rm(new URL(name, dir));
  console.log(
    `schemas/: ${changed.length} written, ${unexpected.length} removed, ${Object.keys(expected).length} total`,
  );
}
