import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { jsonText, renderDashboards } from '../../../src/dashboards/index.js';
import { lyap } from '../../helpers/cli.js';

const generated = renderDashboards();

describe('dashboards > generated JSON', () => {
  it('is what is committed in dashboards/, file for file, byte for byte', () => {
    const committed = readdirSync('dashboards')
      .filter((f) => f.endsWith('.json'))
      .sort();
    assert.deepEqual(
      committed,
      generated.map((d) => d.file).sort(),
      'dashboards/ holds exactly the generated files',
    );
    for (const { file, text } of generated) {
      assert.equal(
        readFileSync(join('dashboards', file), 'utf8'),
        text,
        `dashboards/${file} is stale: run \`npm run lyap -- dashboards --out dashboards\` (or npx tsx src/cli/run.ts dashboards)`,
      );
    }
  });

  it('is deterministic: two renderings are identical', () => {
    assert.deepEqual(renderDashboards(), generated);
  });

  it('is laid out as prettier lays it out, so `prettier --check` passes on the committed files', async () => {
    const options = (await resolveConfig('dashboards/training-dynamics.json')) ?? {};
    for (const { file, text } of generated) {
      assert.equal(await format(text, { ...options, parser: 'json' }), text, file);
    }
  });

  it('jsonText breaks arrays that do not fit in 110 columns and keeps objects expanded', () => {
    assert.equal(jsonText({ a: [1, 2], b: {}, c: [] }), '{\n  "a": [1, 2],\n  "b": {},\n  "c": []\n}\n');
    const long = Array.from({ length: 12 }, (_, i) => `value-${i}`);
    assert.equal(
      jsonText({ k: long }),
      `{\n  "k": [\n${long.map((v) => `    "${v}"`).join(',\n')}\n  ]\n}\n`,
    );
    assert.throws(() => jsonText({ x: Number.NaN }), /JSON has no NaN/);
  });
});

describe('cli > lyap dashboards', () => {
  it('writes the dashboards to --out, identical to the committed ones, and --check accepts them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lyap-dashboards-'));
    const written = await lyap(['dashboards', '--out', out]);
    assert.equal(written.code, 0, written.stderr);
    for (const { file, text } of generated) assert.equal(readFileSync(join(out, file), 'utf8'), text);
    const checked = await lyap(['dashboards', '--out', 'dashboards', '--check']);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stderr, /up to date/);
  });

  it('--check exits 1 and names the file when a dashboard is stale', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lyap-dashboards-'));
    for (const { file, text } of generated) writeFileSync(join(out, file), text);
    writeFileSync(join(out, 'pipeline-health.json'), '{}\n');
    const r = await lyap(['dashboards', '--out', out, '--check']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pipeline-health\.json/);
  });
});
