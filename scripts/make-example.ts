// Writes examples/quadratic.jsonl, the stream `npm start` replays (see scripts/example-runs.ts).
// Usage: npm run example
import { writeFileSync } from 'node:fs';
import { exampleLines } from './example-runs.js';

const lines = exampleLines();
writeFileSync('examples/quadratic.jsonl', lines.join('\n') + '\n');
console.log(`wrote examples/quadratic.jsonl: ${lines.length} lines`);
