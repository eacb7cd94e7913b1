import { basename } from 'node:path';
import { Command } from 'commander';
import { LyapError } from '../errors.js';
import { replay } from '../replay/replay.js';
import { EXIT } from './exit-codes.js';
import type { LineWriter } from '../recording/index.js';
import { lineSink, readLineChunks } from './io.js';
import { nonNegativeInteger, positiveInteger } from './options.js';
import { formatSummary } from './summary-table.js';

interface ReplayFlags {
  input: string;
  output: string;
  deadLetters?: string;
  window: number;
  latenessSteps: number;
  topicPrefix: string;
  summary: boolean;
  strict: boolean;
}

const MAX_REPORTED_LINES = 20;

export function replayCommand(setExit: (code: number) => void): Command {
  return new Command('replay')
    .description(
      'Feed a JSON-lines file of v1 events (mixed types, runs interleaved) through the processor ' +
        'and write its estimates as JSON lines. Deterministic: the same input gives byte-identical output.',
    )
    .requiredOption('-i, --input <file>', 'events to replay, JSON lines; - for stdin')
    .option('-o, --output <file>', 'where estimates go, JSON lines; - for stdout', '-')
    .option(
      '--dead-letters <file>',
      'write dead-letter events here as JSON lines (default: report on stderr)',
    )
    .option('-w, --window <probes>', 'probes in the rolling window', positiveInteger('--window'), 20)
    .option(
      '--lateness-steps <n>',
      'steps a gradient/trajectory pair may arrive out of order',
      nonNegativeInteger('--lateness-steps'),
      2,
    )
    .option('--topic-prefix <prefix>', 'topic prefix of the estimates and dead-letter events', 'lyap.')
    .option('--summary', 'print a per-run summary table on stderr at the end', false)
    .option('--strict', `exit ${EXIT.strictInput} if any line was dead-lettered`, false)
    .action(async (flags: ReplayFlags) => {
      setExit(await runReplay(flags));
    });
}

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
