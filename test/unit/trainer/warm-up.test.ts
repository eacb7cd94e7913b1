import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import { allIndices, eigenvalues, leastSquaresHessian, rel } from './support/problems.js';
import { mulberry32 } from '../../../src/dynamics/index.js';
import {
  decodeEvent,
  encodeEvent,
  signCommand,
  topicNames,
  type GradientEvent,
  type LyapEvent,
  type TrajectoryEvent,
} from '../../../src/events/index.js';
import {
  BatchSampler,
  createLinear,
  createQuadratic,
  leastSquares,
  LrIntake,
  noData,
  runTrainingSession,
  train,
  type LrCommandSource,
  type TrainerOptions,
} from '../../../src/trainer/index.js';
import { waitForFirstCommand } from '../../../src/trainer/first-command.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { replayLines } from '../../helpers/replay.js';
import { lrCommand } from '../../helpers/events.js';

const topics = topicNames();
const bounds = { minLr: 1e-6, maxLr: 100 };
const probeOff = { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 } as const;
/** A source that never has a command: every warm-up wait times out at once. */
const silent: LrCommandSource = { take: () => undefined, waitForCommand: () => Promise.resolve(false) };

const command = lrCommand;

async function run(options: Partial<TrainerOptions>) {
  const events: LyapEvent[] = [];
  const thetas: Float32Array[] = [];
  const warnings: string[] = [];
  const result = await train({
    runId: 'warm-up',
    model: createQuadratic({ spectrum: [4, 1, -0.3], seed: 5 }),
    dataset: noData(),
    backend: backend.reportedName,
    lr: 0.1,
    batchSize: 1,
    steps: 6,
    seed: 3,
    probe: { every: 2, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
    emit: (e) => events.push(e),
    // Fixed clocks: two runs' events compare whole.
    now: () => 0,
    clock: () => 0,
    log: (level, message) => {
      if (level === 'warn') warnings.push(message);
    },
    onStep: ({ theta }) => thetas.push(Float32Array.from(theta.dataSync())),
    ...options,
  });
  const gradients = events.filter((e): e is GradientEvent => e.type === 'gradient');
  const trajectories = events.filter((e): e is TrajectoryEvent => e.type === 'trajectory');
  return { result, events, gradients, trajectories, thetas, warnings };
}

describe('trainer > warm-up: probe before the first update', () => {
  it('takes step 0 at rate 0: no update, θ[1] = θ[0] bit for bit, the probe without a Lyapunov step', async () => {
    const model = createQuadratic({ spectrum: [4, 1, -0.3], seed: 5 });
    const { gradients, trajectories, thetas, result } = await run({
      model,
      commands: silent,
      firstCommandWaitMs: 50,
    });
    const theta0 = Float32Array.from(model.init(mulberry32(3)));
    assert.equal(gradients[0]?.lr, 0, 'the rate used at the warm-up step');
    assert.equal(trajectories[0]?.updateNorm, 0);
    assert.deepEqual(Buffer.from(thetas[0]!.buffer), Buffer.from(theta0.buffer), 'θ[1] = θ[0]');
    assert.equal(trajectories[1]?.distanceFromInit, 0, 'step 1 starts at θ[0]');
    assert.equal(gradients[0]?.probe?.lyapunov, undefined, 'J = I at rate 0: no exponent');
    assert.ok((gradients[0]?.probe?.sharpness?.iterations ?? 1) > 1, 'the sharpness iterated');
    assert.ok(gradients.slice(1).every((g) => g.lr === 0.1));
    assert.ok((trajectories[1]?.updateNorm ?? 0) > 0);
    assert.equal(result.lr, 0.1);
    for (const e of gradients) assert.ok(decodeEvent(encodeEvent(e)).ok, 'valid v1');
  });

  it('changes nothing when off: the same events with the option at 0, or without a command source', async () => {
    const probe = {
      every: 2,
      kLyapunov: 1,
      kSharpness: 1,
      hvp: 'forward',
      eps0: 1e-3,
      lyapunovEvery: 4,
      lyapunovBurst: 3,
      lyapunovDiscard: 1,
    } as const;
    const base = await run({ probe, momentum: 0.5, steps: 12 });
    const zero = await run({ probe, momentum: 0.5, steps: 12, commands: silent, firstCommandWaitMs: 0 });
    const sourceless = await run({ probe, momentum: 0.5, steps: 12, firstCommandWaitMs: 5_000 });
    assert.deepEqual(zero.events, base.events);
    assert.deepEqual(sourceless.events, base.events);
    assert.deepEqual(zero.result.theta, base.result.theta);
    assert.deepEqual(zero.warnings, []);
  });

  it('keeps the warm-up gradient out of the momentum buffer: step 1 moves by η‖∇L‖, as a first update does', async () => {
    const { gradients, trajectories } = await run({
      momentum: 0.9,
      commands: silent,
      firstCommandWaitMs: 10,
    });
    const first = (trajectories[1]?.updateNorm ?? NaN) / (0.1 * (gradients[1]?.gradNorm ?? NaN));
    assert.ok(Math.abs(first - 1) < 1e-5, `‖u₁‖/(η‖g₁‖) = ${first}`);
    const second = (trajectories[2]?.updateNorm ?? NaN) / (0.1 * (gradients[2]?.gradNorm ?? NaN));
    assert.ok(Math.abs(second - 1) > 0.1, `momentum acts from step 2 on (${second})`);
  });

  it('starts the first Lyapunov burst at the next burst start, and the processor reads well-formed bursts', async () => {
    const { gradients, events } = await run({
      steps: 60,
      commands: silent,
      firstCommandWaitMs: 10,
      probe: {
        every: 5,
        kLyapunov: 1,
        kSharpness: 1,
        hvp: 'forward',
        eps0: 1e-3,
        lyapunovEvery: 20,
        lyapunovBurst: 7,
        lyapunovDiscard: 3,
      },
    });
    const lyapunovSteps = gradients.filter((g) => g.probe?.lyapunov !== undefined).map((g) => g.step);
    const burst = (start: number) => Array.from({ length: 7 }, (_, i) => start + i);
    assert.deepEqual(lyapunovSteps, [...burst(20), ...burst(40)]);
    for (const g of gradients.filter((x) => x.probe?.lyapunov !== undefined)) {
      assert.equal(g.probe?.lyapunov?.burst?.index, g.step % 20);
      assert.ok((g.probe?.lyapunov?.eta ?? 0) > 0);
    }
    const { estimates, deadLetters } = await replayLines(events.map(encodeEvent));
    assert.deepEqual(deadLetters, []);
    assert.deepEqual(
      estimates.map((e) => e.step),
      Array.from({ length: 12 }, (_, i) => 5 * i),
      'one estimate per probe; burst steps between probes fold in',
    );
    assert.equal(estimates[0]?.lr, 0);
    assert.ok((estimates[0]?.sharpness ?? 0) > 0);
    assert.deepEqual(estimates[0]?.lyapunov, [], 'no exponent before the first burst');
    const last = estimates.at(-1);
    assert.equal(last?.lyapunov.length, 1);
    assert.equal(last?.lyapunovStdError?.length, 1, 'two whole bursts: a standard error');
  });

  it('converges the warm-up sharpness: within 1 % of λ_max of its minibatch on least squares', async () => {
    const dataset = leastSquares({ samples: 256, dim: 8, noise: 0.1, seed: 7 });
    const seed = 2;
    const batchSize = 32;
    const rows = new BatchSampler(dataset, { batchSize, seed: seed + 1 }).nextIndices();
    const lambdaMax = eigenvalues(leastSquaresHessian(dataset, rows))[0]!;
    const probeSettings = { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward' as const, eps0: 1e-3 };
    const sharpnessAtStep0 = async (options: Partial<TrainerOptions>) => {
      const { gradients } = await run({
        model: createLinear({ inputSize: 8, outputSize: 1 }),
        dataset,
        batchSize,
        seed,
        steps: 2,
        probe: probeSettings,
        ...options,
      });
      return gradients[0]?.probe?.sharpness;
    };
    const warm = await sharpnessAtStep0({ commands: silent, firstCommandWaitMs: 10 });
    const value = warm?.rayleigh[0]?.[0] ?? NaN;
    assert.ok(rel(value, lambdaMax) < 0.01, `warm-up sharpness ${value} vs λ_max ${lambdaMax}`);
    assert.ok((warm?.residual ?? Infinity) <= 1e-3 || warm?.iterations === 20, JSON.stringify(warm));
    const cold =
      (await sharpnessAtStep0({ probe: { ...probeSettings, convergeIterations: 1 } }))?.rayleigh[0]?.[0] ??
      NaN;
    assert.ok(
      rel(cold, lambdaMax) > 0.01,
      `without the warm-up and with one round at the first probe it reads ${cold}: the test can fail`,
    );
  });
});

describe('trainer > warm-up > the wait for the first command', () => {
  const intakeFor = (bus: MemoryBus, runId: string) =>
    new LrIntake({ bus, topics, runId, bounds, acceptUnsigned: true });

  it('ends as soon as a command is queued; step 1 takes it', async () => {
    const bus = new MemoryBus();
    const intake = intakeFor(bus, 'warm-up');
    const started = performance.now();
    const { gradients, warnings } = await run({
      commands: intake,
      firstCommandWaitMs: 20_000,
      clock: () => performance.now(),
      onStep: ({ gradient }) => {
        if (gradient.step !== 0) return;
        setTimeout(() => {
          void bus.publish(topics.control, [{ value: encodeEvent(command(0, 0.05, 'warm-up')) }]);
        }, 100);
      },
    });
    const elapsedMs = performance.now() - started;
    intake.close();
    await bus.close();
    assert.ok(elapsedMs < 5_000, `waited ${elapsedMs} ms of 20,000`);
    assert.equal(gradients[0]?.lr, 0);
    assert.equal(gradients[1]?.lr, 0.05, 'the commanded rate from step 1');
    assert.equal(gradients[1]?.cmdSeq, 0);
    assert.ok(gradients.slice(1).every((g) => g.lr === 0.05));
    assert.deepEqual(warnings, []);
  });

  it('trains at the starting rate after the timeout, and says so once', async () => {
    const bus = new MemoryBus();
    const intake = intakeFor(bus, 'warm-up');
    const { gradients, warnings, result } = await run({ commands: intake, firstCommandWaitMs: 150 });
    intake.close();
    await bus.close();
    assert.equal(result.status, 'completed');
    assert.equal(gradients[0]?.lr, 0);
    assert.ok(gradients.slice(1).every((g) => g.lr === 0.1 && g.cmdSeq === undefined));
    assert.deepEqual(warnings, [
      'no learning-rate command within 150 ms of the warm-up probe; training at the starting rate 0.1',
    ]);
  });

  it('stops at once when aborted during the wait', async () => {
    const bus = new MemoryBus();
    const intake = intakeFor(bus, 'warm-up');
    const abort = new AbortController();
    const started = performance.now();
    const { result, warnings } = await run({
      commands: intake,
      firstCommandWaitMs: 20_000,
      signal: abort.signal,
      onStep: () => {
        setTimeout(() => {
          abort.abort();
        }, 50);
      },
    });
    intake.close();
    await bus.close();
    assert.ok(performance.now() - started < 5_000);
    assert.equal(result.status, 'stopped');
    assert.equal(result.lastStep, 0);
    assert.deepEqual(warnings, []);
  });

  it('refuses a warm-up it cannot do: the probe off, or a source that cannot wait', async () => {
    await assert.rejects(
      run({ commands: silent, firstCommandWaitMs: 10, probe: probeOff }),
      /warm-up \(firstCommandWaitMs\) needs the probe on/,
    );
    await assert.rejects(
      run({ commands: { take: () => undefined }, firstCommandWaitMs: 10 }),
      /needs a command source that can wait/,
    );
  });
});

describe('trainer > warm-up > waitForFirstCommand', () => {
  const clock = () => performance.now();

  it('publishes the events first, then waits for the command, all within the timeout', async () => {
    const order: string[] = [];
    const commands: LrCommandSource = {
      take: () => undefined,
      waitForCommand: (timeoutMs) => {
        order.push(`wait ${timeoutMs < 1_000 && timeoutMs > 0 ? 'the rest' : timeoutMs}`);
        return Promise.resolve(true);
      },
    };
    const flushEvents = () =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          order.push('flushed');
          resolve();
        }, 50),
      );
    assert.equal(await waitForFirstCommand({ commands, timeoutMs: 1_000, flushEvents, clock }), 'command');
    assert.deepEqual(order, ['flushed', 'wait the rest']);
  });

  it('is bounded when publishing hangs, and says timeout', async () => {
    let waitedMs: number | undefined;
    const commands: LrCommandSource = {
      take: () => undefined,
      waitForCommand: (timeoutMs) => {
        waitedMs = timeoutMs;
        return Promise.resolve(false);
      },
    };
    const started = clock();
    const outcome = await waitForFirstCommand({
      commands,
      timeoutMs: 100,
      flushEvents: () => new Promise<void>(() => undefined),
      clock,
    });
    assert.equal(outcome, 'timeout');
    assert.ok(clock() - started < 1_000);
    assert.ok(waitedMs !== undefined && waitedMs <= 10, `left ${waitedMs} ms for the command`);
  });
});

describe('trainer > session > warm-up', () => {
  it('corrects a run started at η = 20/λ_max before its first update (a controller answering step 0)', async () => {
    // Full-batch least squares: one minibatch, H = XᵀX/n exactly.
    const samples = 64;
    const dataset = leastSquares({ samples, dim: 4, noise: 0.1, seed: 5 });
    const lambdaMax = eigenvalues(leastSquaresHessian(dataset, allIndices(samples)))[0]!;
    const key = 'warm-up-key';
    const bus = new MemoryBus();
    // The controller's part, by hand: η = 1/λ̂ from the warm-up probe's sharpness.
    const controller = bus
      .consume([topics.gradients], { groupId: 'fake-controller', fromBeginning: true })
      .subscribe((delivery) => {
        for (const message of delivery.messages) {
          const decoded = decodeEvent(message.value);
          if (!decoded.ok || decoded.event.type !== 'gradient' || decoded.event.step !== 0) continue;
          const sharpness = decoded.event.probe?.sharpness?.rayleigh[0]?.[0] ?? NaN;
          const answer = signCommand(command(0, 1 / sharpness, 'corrected'), key);
          void bus.publish(topics.control, [{ value: encodeEvent(answer) }]);
        }
        delivery.ack();
      });
    const gradients: GradientEvent[] = [];
    const warnings: string[] = [];
    const result = await runTrainingSession({
      bus,
      topics,
      runId: 'corrected',
      model: createLinear({ inputSize: 4, outputSize: 1 }),
      dataset,
      backend: backend.reportedName,
      lr: 20 / lambdaMax,
      batchSize: samples,
      steps: 30,
      seed: 1,
      probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      lrBounds: bounds,
      acceptUnsignedCommands: false,
      signingKey: key,
      firstCommandWaitMs: 10_000,
      log: (level, message) => {
        if (level === 'warn') warnings.push(message);
      },
      onStep: ({ gradient }) => gradients.push(gradient),
    });
    controller.unsubscribe();
    await bus.close();
    assert.deepEqual(warnings, []);
    assert.equal(result.status, 'completed');
    assert.equal(result.commands.applied, 1);
    assert.equal(gradients[0]?.lr, 0);
    const eta1 = gradients[1]?.lr ?? NaN;
    assert.ok(rel(eta1 * lambdaMax, 1) < 0.01, `η·λ_max at step 1: ${eta1 * lambdaMax}`);
    const losses = gradients.map((g) => g.loss);
    assert.ok(
      losses.every((l, i) => i === 0 || l <= (losses[i - 1] ?? NaN) * (1 + 1e-4)),
      `never rises: ${losses.join(', ')}`,
    );
    assert.ok((losses.at(-1) ?? NaN) < 0.1 * (losses[0] ?? NaN), `trains: ${losses[0]} → ${losses.at(-1)}`);
  });
});
