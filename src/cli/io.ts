import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { LyapError } from '../errors.js';
import type { LineWriter } from '../recording/index.js';

/**
 * The lines of a file, or of stdin for `-`, in chunks (one array per read), without their
 * line breaks (`\n` or `\r\n`). Chunks avoid one promise per line on the hot path.
 */
export async function* readLineChunks(path: string): AsyncGenerator<string[]> {
  const input =
    path === '-' ? process.stdin.setEncoding('utf8') : createReadStream(path, { encoding: 'utf8' });
  if (path !== '-') {
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => {
        resolve();
      });
      input.once('error', (error: Error) => {
        reject(new LyapError('LYAP_E_INPUT', `cannot read ${path}: ${error.message}`, { cause: error }));
      });
    });
  }
  let rest = '';
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest + chunk;
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      lines.push(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (lines.length > 0) yield lines;
  }
  if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

/** A JSON-lines writer to a file (parent folders created) or stdout for `-`, honouring backpressure. */
export function lineSink(path: string): LineWriter {
  let stream: Writable;
  if (path === '-') stream = process.stdout;
  else {
    mkdirSync(dirname(path), { recursive: true });
    stream = createWriteStream(path, { encoding: 'utf8' });
  }
  return {
    async write(line) {
      if (!stream.write(`${line}\n`)) await once(stream, 'drain');
    },
    async close() {
      if (stream === process.stdout) return;
      stream.end();
      await once(stream, 'finish');
    },
  };
}
