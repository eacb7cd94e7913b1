import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { LyapError } from '../errors.js';

/** Lines of a file, or of stdin for `-`, without their line breaks. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const input = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    if (path === '-') resolve();
    input.once('open', () => {
      resolve();
    });
    input.once('error', (error: Error) => {
      reject(new LyapError('LYAP_E_INPUT', `cannot read ${path}: ${error.message}`, { cause: error }));
    });
  });
  await opened;
  yield* createInterface({ input, crlfDelay: Infinity });
}

export interface LineSink {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

/** A JSON-lines writer to a file (parent folders created) or stdout for `-`, honouring backpressure. */
export function lineSink(path: string): LineSink {
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
