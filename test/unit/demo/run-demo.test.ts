import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, type AlertEvent, type EstimateEvent } from '../../../src/events/index.js';
import { RunBoard, runDemo } from '../../../src/demo/index.js';
import type { LineWriter, RecordedFile } from '../../../src/recording/index.js';
import { replay } from '../../../src/replay/replay.js';
import { createProblem } from '../../../src/trainer/index.js';
import { eigenvalues, leastSquaresHessian } from '../trainer/support/problems.js';
import { backend } from '../trainer/support/backend-cpu.js';
import { MemoryBus } from '../../../src/transport/index.js';

const SAMPLES = 64;
const DIM = 4;

/** In-memory files: the lines written to each, and whether it was closed. */
function memoryFiles() {
  const files = new Map<RecordedFile, { lines: string[]; closed: boolean }>();
  const open = (file: RecordedFile): LineWriter => {
    const f = { lines: [] as string[], closed: false };
    files.set(file, f);
    return {
      write: async (line) => {
        if (f.closed) throw new Error(`write to ${file} after close`);
        f.lines.push(line);
        await Promise.resolve();
      },
      close: async () => {
        f.closed = true;
        await Promise.resolve();
      },
    };
  };
  const lines = (file: RecordedFile): string[] => files.get(file)?.lines ?? [];
  return { files, open, lines };
}

async function replayed(lines: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  await replay({
    lines: (async function* () {
      await Promise.resolve();
      yield lines;
    })(),
    sourceName: 'events.jsonl',
    onEstimate: (json) => {
      out.push(json);
    },
    onDeadLetter: (json) => {
      throw new Error(`dead letter in replay: ${json}`);
    },
  });
  return out;
}

/** Full-batch least squares on the cpu backend: λ_max known, every step probed. */
function demoOf(options: { steps: number; signal?: AbortSignal; onStep?: (board: RunBoard) => void }) {
  const { dataset, model } = createProblem({
    dataset: 'least-squares',
    samples: SAMPLES,
    dim: DIM,
    noise: 0.1,
    seed: 5,
  });
  const all = Array.from({ length: dataset.size }, (_, i) => i);
  const lambda = Math.max(...eigenvalues(leastSquaresHessian(dataset, all)));
  const files = memoryFiles();
  const board = new RunBoard();
  const alerts: AlertEvent[] = [];
  const warnings: string[] = [];
  const result = runDemo({
    bus: new MemoryBus(),
    topicPrefix: 'lyap.',
    groupPrefix: '',
    runs: [
      { runId: 'calm', lr: 0.5 / lambda },
      { runId: 'wild', lr: 3 / lambda },
    ],
    trainer: {
      model,
      dataset,
      backend: backend.reportedName,
      batchSize: SAMPLES,
      steps: options.steps,
      seed: 1,
      probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      lrBounds: { minLr: 1e-6, maxLr: 100 },
    },
    controllerMode: 'control',
    signingKey: 'test-key',
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    board,
    open: files.open,
    onUpdate: () => options.onStep?.(board),
    onAlert: (a) => alerts.push(a),
    log: (level, message) => {
      if (level === 'warn') warnings.push(message);
    },
  });
  return { result, files, board, alerts, warnings };
}

describe('demo > runDemo', () => {
  it('runs trainers, processor, controller and alerter on one bus, and its recording replays to the same estimates', async () => {
    const { result, files, board, alerts, warnings } = demoOf({ steps: 60 });
    const r = await result;
    assert.equal(r.drained, true);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      r.runs.map((run) => [run.runId, run.session?.status]),
      [
        ['calm', 'completed'],
        ['wild', 'completed'],
      ],
    );
    for (const f of files.files.values()) assert.equal(f.closed, true);

    const events = files.lines('events');
    const types = new Map<string, number>();
    for (const line of events) {
      const d = decodeEvent(line);
      assert.ok(d.ok, line);
      types.set(d.event.type, (types.get(d.event.type) ?? 0) + 1);
    }
    // Every trainer event (2 run events + 2 per step, per run): what the processor reads.
    assert.equal(types.get('run'), 4);
    assert.equal(types.get('gradient'), 120);
    assert.equal(types.get('trajectory'), 120);
    assert.deepEqual([...types.keys()].sort(), ['gradient', 'run', 'trajectory']);
    // The controller's commands, on a file of their own.
    const commands = files.lines('commands').map((line) => decodeEvent(line));
    assert.ok(commands.length > 0, 'the controller acted');
    assert.ok(commands.every((d) => d.ok && d.event.type === 'lr-command'));

    // The processor ran on event time: replaying the recording gives byte-identical estimates.
    const estimates = files.lines('estimates');
    assert.equal(estimates.length, 120, 'one estimate per probed step');
    assert.deepEqual(await replayed(events), estimates);

    // The wild run (η·λ_max = 3) was unstable, raised a critical alert, and was braked.
    const wild = board.get('wild');
    assert.ok(wild !== undefined);
    assert.ok(wild.regimes.has('unstable'));
    assert.ok(wild.criticalFired >= 1);
    assert.ok(wild.lr < wild.initialLr, `braked: ${wild.initialLr} → ${wild.lr}`);
    assert.equal(wild.commandsApplied, wild.commandsSent);
    const fired = alerts.filter((a) => a.runId === 'wild' && a.state === 'firing').map((a) => a.name);
    assert.ok(fired.includes('LyapStabilityRatioAboveTwo'), fired.join());
    assert.deepEqual(
      files.lines('alerts').map((line) => (JSON.parse(line) as AlertEvent).name),
      alerts.map((a) => a.name),
    );
    const calm = board.get('calm');
    assert.equal(calm?.alertsFired, 0);
    assert.ok(calm.regimes.has('converging'));
    // The board saw the same estimates as the file.
    assert.deepEqual(
      calm.lastEstimate,
      estimates
        .map((l) => JSON.parse(l) as EstimateEvent)
        .filter((e) => e.runId === 'calm')
        .at(-1),
    );
  });

  it('stops every run after its current step on abort, and still drains and records', async () => {
    const abort = new AbortController();
    const { result, files, board, warnings } = demoOf({
      steps: 10_000,
      signal: abort.signal,
      onStep: (b) => {
        if (b.runs.some((run) => run.stepsDone >= 15)) abort.abort();
      },
    });
    const r = await result;
    assert.equal(r.drained, true);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      board.runs.map((run) => run.status),
      ['stopped', 'stopped'],
    );
    for (const run of board.runs)
      assert.ok(run.stepsDone >= 14 && run.stepsDone <= 16, String(run.stepsDone));
    const ends = files
      .lines('events')
      .map((l) => JSON.parse(l) as { type: string; phase?: string; status?: string })
      .filter((e) => e.type === 'run' && e.phase === 'end');
    assert.deepEqual(
      ends.map((e) => e.status),
      ['stopped', 'stopped'],
    );
    assert.deepEqual(await replayed(files.lines('events')), files.lines('estimates'));
  });
});
