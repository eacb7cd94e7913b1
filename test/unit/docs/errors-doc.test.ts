import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../../src/errors.js';

describe('docs > errors.md', () => {
  it('lists exactly the codes of the catalogue, with the same retriable flag and summary', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const rows = [...doc.matchAll(/^\| `(LYAP_E_[A-Z_]+)` +\| (yes|no) +\| (.+?) +\|$/gm)].map((m) => ({
      code: m[1],
      retriable: m[2] === 'yes',
      summary: m[3],
    }));
    const expected = Object.entries(ERROR_CODES).map(([code, e]) => ({
      code,
      retriable: e.retriable,
      summary: e.summary,
    }));
    assert.deepEqual(rows, expected);
  });
});
