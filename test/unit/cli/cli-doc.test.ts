import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildProgram } from '../../../src/cli/main.js';
import { envName, optionSlots } from '../../../src/cli/option-values.js';
import { CLI_DOC_PATH, renderCliDoc } from '../../../scripts/cli-doc.js';

const regions = (body: { commands: string; options: string }): string =>
  [
    '# lyap',
    '',
    'Prose before.',
    '',
    '<!-- BEGIN GENERATED: commands (npm run docs:cli) -->',
    body.commands,
    '<!-- END GENERATED: commands -->',
    '',
    'Prose between.',
    '',
    '<!-- BEGIN GENERATED: options (npm run docs:cli) -->',
    body.options,
    '<!-- END GENERATED: options -->',
    '',
    'Prose after.',
    '',
  ].join('\n');

describe('cli > docs/cli.md', () => {
  it('is what `npm run docs:cli` generates from the program (run it after changing an option)', async () => {
    const current = readFileSync(CLI_DOC_PATH, 'utf8');
    assert.equal(current, await renderCliDoc(current), 'docs/cli.md is stale: run `npm run docs:cli`');
  });

  it('lists every command, and every option of each with its LYAP_* variable', async () => {
    const doc = await renderCliDoc(regions({ commands: '', options: '' }));
    for (const command of buildProgram(() => undefined, { env: {} }).commands) {
      assert.match(doc, new RegExp(`^\\| \`lyap ${command.name()}\` +\\|`, 'm'), command.name());
      assert.ok(doc.includes(`### \`lyap ${command.name()}\``), command.name());
      for (const slot of optionSlots(command).filter((s) => s.name !== 'config')) {
        assert.ok(doc.includes(`| \`${slot.option.flags}\``), `${command.name()} ${slot.option.flags}`);
        assert.ok(doc.includes(`\`${envName(slot.name)}`), `${command.name()} ${envName(slot.name)}`);
      }
    }
  });

  it('shows defaults as --help does, and mandatory options as required', async () => {
    const doc = await renderCliDoc(regions({ commands: '', options: '' }));
    const row = (flags: string): string => doc.split('\n').find((l) => l.startsWith(`| \`${flags}\``)) ?? '';
    assert.match(row('--channels <filters>'), /\| `8,16` +\|/);
    assert.match(row('--lr-min <rate>'), /\| `0\.000001` +\|/);
    assert.match(row('-i, --input <file>'), /\| \(required\) +\|/);
    assert.match(row('--no-live'), /`LYAP_LIVE=false`/);
    assert.match(
      row('--eps0 <eps>'),
      /eps0 \(1 \+ \\\|θ\\\|\) \/ \\\|v\\\|/,
      'a | in help text stays in its cell',
    );
  });

  it('rewrites only what stands between the markers, keeping the prose', async () => {
    const doc = await renderCliDoc(regions({ commands: 'stale table', options: 'stale options' }));
    for (const prose of ['Prose before.', 'Prose between.', 'Prose after.'])
      assert.ok(doc.includes(prose), prose);
    assert.ok(!doc.includes('stale'), doc);
  });

  it('refuses a document without its markers rather than dropping the reference', async () => {
    await assert.rejects(renderCliDoc('# lyap\n\nNo markers.\n'), /markers .* are missing/);
  });
});
