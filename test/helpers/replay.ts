import type { DeadLetterEvent, EstimateEvent } from '../../src/events/index.js';
import type { ProcessorConfigInput } from '../../src/processor/index.js';
import { replay, type ReplayResult } from '../../src/replay/replay.js';

export interface Replayed {
  result: ReplayResult;
  estimates: EstimateEvent[];
  estimateLines: string[];
  deadLetters: { event: DeadLetterEvent; line: number | undefined }[];
}

async function* fromArray(lines: readonly string[]): AsyncGenerator<readonly string[]> {
  await Promise.resolve();
  // Uneven chunks, as a file read would give.
  for (let i = 0; i < lines.length; i += 97) yield lines.slice(i, i + 97);
}

export async function replayLines(
  lines: readonly string[],
  config: ProcessorConfigInput = {},
): Promise<Replayed> {
  const estimates: EstimateEvent[] = [];
  const estimateLines: string[] = [];
  const deadLetters: Replayed['deadLetters'] = [];
  const result = await replay({
    lines: fromArray(lines),
    sourceName: 'test.jsonl',
    config,
    onEstimate: (json, event) => {
      estimates.push(event);
      estimateLines.push(json);
    },
    onDeadLetter: (_json, event, line) => {
      deadLetters.push({ event, line });
    },
  });
  return { result, estimates, estimateLines, deadLetters };
}

export function lastEstimate(estimates: readonly EstimateEvent[], runId: string): EstimateEvent {
  const mine = estimates.filter((e) => e.runId === runId);
  const last = mine.at(-1);
  if (last === undefined) throw new Error(`no estimate for ${runId}`);
  return last;
}

export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}
