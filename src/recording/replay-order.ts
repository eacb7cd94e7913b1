import type { BusMessage } from '../transport/index.js';

/** One recorded event: its JSON text and where it sorts in a replayable file. */
export interface RecordedLine {
  readonly text: string;
  readonly ts: number;
  readonly step: number;
  readonly rank: number;
  /** Arrival order, so that the sort is stable. */
  readonly seq: number;
}

/** Within one step: the run's start first, then the gradient, the trajectory, the rest, the end. */
const RANK: Readonly<Record<string, number>> = { gradient: 1, trajectory: 2 };

interface Peek {
  runId?: unknown;
  type?: unknown;
  phase?: unknown;
  ts?: unknown;
  step?: unknown;
}

/**
 * Picks one run's records out of a topic's traffic. Records are keyed by run id; a record
 * without a key is kept when its JSON names the run. The text is kept byte for byte (a
 * record that is not JSON is kept too, if its key names the run: replay dead-letters it,
 * as the processor did).
 */
export function recordFilter(runId: string): (m: BusMessage) => RecordedLine | undefined {
  let seq = 0;
  const decoder = new TextDecoder();
  return (m) => {
    if (m.key !== undefined && m.key !== runId) return undefined;
    const text = typeof m.value === 'string' ? m.value : decoder.decode(m.value);
    let peek: Peek = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') peek = parsed;
    } catch {
      // Not JSON: kept on the strength of its key alone.
    }
    if (m.key === undefined && peek.runId !== runId) return undefined;
    const ts = typeof peek.ts === 'number' ? peek.ts : m.timestampMs;
    const step = typeof peek.step === 'number' ? peek.step : peek.phase === 'end' ? Infinity : -1;
    const type = typeof peek.type === 'string' ? peek.type : '';
    const rank = type === 'run' ? (peek.phase === 'end' ? 9 : 0) : (RANK[type] ?? 5);
    return { text: text.replace(/\r?\n$/, ''), ts, step, rank, seq: seq++ };
  };
}

/**
 * One run's records from several topics merged into the order a trainer emitted them: by
 * step (the run's start before its steps, its end after), then gradient before trajectory,
 * then arrival. Replay joins out-of-order halves anyway; this order makes the file read
 * like the trainer's own stream.
 */
export function orderForReplay(lines: readonly RecordedLine[]): RecordedLine[] {
  return [...lines].sort((a, b) => {
    const byStep = stepKey(a) - stepKey(b);
    if (byStep !== 0 && !Number.isNaN(byStep)) return byStep;
    return a.rank - b.rank || a.ts - b.ts || a.seq - b.seq;
  });
}

function stepKey(line: RecordedLine): number {
  if (line.rank === 0) return -Infinity;
  return line.step;
}
