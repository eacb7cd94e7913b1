// The reference part of docs/cli.md, generated from the program itself (buildProgram in
// src/cli/main.ts): the table of commands and, for each command, its help text and a table of
// its options with their LYAP_* variables and defaults. The prose around it is hand-written
// and kept as it is: the generator replaces only what stands between the markers
// `<!-- BEGIN GENERATED: <region> -->` and `<!-- END GENERATED: <region> -->`.
import type { Command, Option } from 'commander';
import { format, resolveConfig } from 'prettier';
import { buildProgram } from '../src/cli/main.js';
import { isMandatory } from '../src/cli/option-sources.js';
import { envName, optionSlots, type OptionSlot } from '../src/cli/option-values.js';

export const CLI_DOC_PATH = 'docs/cli.md';

/** The one line each command gets in the table of commands, and where to read more. */
const COMMAND_NOTES: Readonly<Record<string, { what: string; details: string }>> = {
  replay: {
    what: 'a JSON-lines file of events through the processor, estimates out; no Kafka',
    details: '[processor.md](processor.md)',
  },
  train: {
    what: 'SGD on TensorFlow.js with the Lyapunov/sharpness probe, events out',
    details: '[trainer.md](trainer.md)',
  },
  process: {
    what: 'the processor as a long-running Kafka consumer, with `/metrics`',
    details: '[processor.md](processor.md), [kafka.md](kafka.md)',
  },
  control: {
    what: 'the learning-rate controller on Kafka: estimates in, `lr-command` events out',
    details: '[controller.md](controller.md)',
  },
  alert: {
    what: 'the regime alerter on Kafka: estimates in, `alert` events out',
    details: '[observability.md](observability.md)',
  },
  dashboards: {
    what: 'the Grafana dashboards as JSON (`--check` verifies the committed ones)',
    details: '[observability.md](observability.md)',
  },
  record: {
    what: "one run's events from Kafka topics as JSON lines that `lyap replay` reads",
    details: '`lyap record --help`',
  },
  sweep: {
    what: 'many training runs through the pipeline, each in its own process, and a report',
    details: '[sweep.md](sweep.md)',
  },
  demo: {
    what: 'the whole pipeline in one process on MNIST: live page, `/metrics`, events recorded',
    details: '[demo.md](demo.md)',
  },
};

/** docs/cli.md with its generated regions rewritten from the program, formatted by prettier. */
export async function renderCliDoc(current: string): Promise<string> {
  const program = buildProgram(() => undefined, { env: {} });
  const commands = program.commands;
  let text = replaceRegion(current, 'commands', commandTable(commands));
  text = replaceRegion(text, 'options', commands.map(commandSection).join('\n'));
  const options = (await resolveConfig(CLI_DOC_PATH)) ?? {};
  return format(text, { ...options, filepath: CLI_DOC_PATH });
}

function commandTable(commands: readonly Command[]): string {
  const names = commands.map((c) => c.name());
  const stale = Object.keys(COMMAND_NOTES).filter((name) => !names.includes(name));
  if (stale.length > 0) throw new Error(`scripts/cli-doc.ts: no lyap command ${stale.join(', ')}`);
  const rows = names.map((name) => {
    const notes = COMMAND_NOTES[name];
    if (notes === undefined) throw new Error(`scripts/cli-doc.ts: add lyap ${name} to COMMAND_NOTES`);
    return [`\`lyap ${name}\``, notes.what, notes.details];
  });
  return table(['command', 'what it does', 'details'], rows);
}

function commandSection(command: Command): string {
  const rows = optionSlots(command)
    .filter((slot) => slot.name !== 'config')
    .map((slot) => [
      `\`${slot.option.flags}\``,
      `\`${envName(slot.name)}${slot.option.negate ? '=false' : ''}\``,
      defaultText(slot.option),
      meaning(slot),
    ]);
  return [
    `### \`lyap ${command.name()}\``,
    '',
    escapeText(command.description()),
    '',
    table(['option', 'environment', 'default', 'meaning'], rows),
  ].join('\n');
}

function defaultText(option: Option): string {
  if (isMandatory(option)) return '(required)';
  const value: unknown = option.defaultValueDescription ?? option.defaultValue;
  if (value === undefined) return '';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function meaning(slot: OptionSlot): string {
  const choices = slot.option.argChoices;
  const text = escapeText(slot.option.description);
  return choices === undefined ? text : `${text}: ${choices.map((c) => `\`${c}\``).join(', ')}`;
}

/** Help text as markdown: `|` would end a table cell, `<name>` outside code would be an HTML tag. */
function escapeText(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '\\<')))
    .join('')
    .replace(/\|/g, '\\|');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function replaceRegion(text: string, region: string, content: string): string {
  const begin = `<!-- BEGIN GENERATED: ${region} (npm run docs:cli) -->`;
  const end = `<!-- END GENERATED: ${region} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from === -1 || to < from) {
    throw new Error(`${CLI_DOC_PATH}: the markers ${begin} … ${end} are missing`);
  }
  return `${text.slice(0, from + begin.length)}\n\n${content}\n\n${text.slice(to)}`;
}
