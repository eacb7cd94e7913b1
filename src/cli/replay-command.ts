import { basename } from 'node:path';
import { LyapError } from '../errors.js';
import { replay } from '../replay/replay.js';
import { defineCommand } from './define-command.js';
import { EXIT } from './exit-codes.js';
import type { LineWriter } from '../recording/index.js';
import { lineSink, readLineChunks } from './io.js';
import { processorOptions, type ProcessorFlags } from './processor-options.js';
import { topicPrefixOption, type TopicPrefixFlags } from './service-options.js';
import { formatSummary } from './summary-table.js';

interface ReplayFlags extends ProcessorFlags, TopicPrefixFlags {
  input: string;
  output: string;
  deadLetters?: string;
  summary: boolean;
  strict: boolean;
}

const MAX_REPORTED_LINES = 20;

export const replayCommand = defineCommand<ReplayFlags>({
  name: 'replay',
  description:
    'Feed a JSON-lines file of v1 events (mixed types, runs interleaved) through the processor ' +
    'and write its estimates as JSON lines. Deterministic: the same input gives byte-identical output.',
  options: (command) =>
    processorOptions(
      command
        .requiredOption('-i, --input <file>', 'events to replay, JSON lines; - for stdin')
        .option('-o, --output <file>', 'where estimates go, JSON lines; - for stdout', '-')
        .option(
          '--dead-letters <file>',
          'write dead-letter events here as JSON lines (default: report on stderr)',
        ),
    )
      .addOption(topicPrefixOption('topic prefix of the estimates and dead-letter events'))
      .option('--summary', 'print a per-run summary table on stderr at the end', false)
      .option('--strict', `exit ${EXIT.strictInput} if any line was dead-lettered`, false),
  run: runReplay,
});

async function runReplay(flags: ReplayFlags): Promise<number> {
  const started = performance.now();
  const estimatesOut = lineSink(flags.output);
  const deadOut: LineWriter | undefined =
    flags.deadLetters === undefined ? undefined : lineSink(flags.deadLetters);
  let reported = 0;
  const result = await replay({
    lines: readLineChunks(flags.input),
    sourceName: flags.input === '-' ? 'stdin' : basename(flags.input),
    config: {
      windowProbes: flags.window,
      latenessSteps: flags.latenessSteps,
      topicPrefix: flags.topicPrefix,
    },
    onEstimate: (json) => estimatesOut.write(json),
    onDeadLetter: async (json, event, line) => {
      if (deadOut !== undefined) await deadOut.write(json);
      else if (reported++ < MAX_REPORTED_LINES) {
        process.stderr.write(`${line === undefined ? event.sourceTopic : `line ${line}`}: ${event.error}\n`);
      }
    },
  });
  await estimatesOut.close();
  await deadOut?.close();
  const seconds = (performance.now() - started) / 1000;
  if (deadOut === undefined && reported > MAX_REPORTED_LINES) {
    process.stderr.write(`… and ${reported - MAX_REPORTED_LINES} more dead-lettered lines\n`);
  }
  process.stderr.write(
    `replayed ${result.lines} lines in ${seconds.toFixed(2)} s: ${result.estimates} estimates, ` +
      `${result.deadLetters} dead letters, ${result.stats.duplicates} duplicates dropped, ` +
      `${result.runs.length} runs\n`,
  );
  if (flags.summary) process.stderr.write(formatSummary(result.runs));
  if (flags.strict && result.deadLetters > 0) {
    const error = new LyapError(
      'LYAP_E_STRICT_INPUT',
      `--strict: ${result.deadLetters} lines were dead-lettered`,
    );
    process.stderr.write(`lyap replay: ${error.message} (${error.code})\n`);
    return EXIT.strictInput;
  }
  return EXIT.ok;
}
