import type { GradientEvent } from '../../src/events/index.js';
import {
  createMlp,
  DEFAULT_BURST_EVERY_PROBES,
  DEFAULT_LYAPUNOV_BURST,
  DEFAULT_SHARPNESS_EVERY_PROBES,
  loadMnist,
  burstsEvery,
  selectBackend,
  sharpnessEvery,
  train,
  type BackendName,
  type Model,
} from '../../src/trainer/index.js';
import type { SuiteResult } from './types.js';

interface Measured {
  wallMsPerStep: number;
  /** CPU time (user + system, the whole process) per step: less moved by other work on a shared machine than wall time. */
  cpuMsPerStep: number;
  /** The same without the first probe's extra work (converging the sharpness before the first update). */
  steadyMsPerStep: number;
  /** That extra work: the first probe's time beyond a median probe. */
  warmupMs: number;
  medianStepMs: number;
  medianProbeMs: number | undefined;
  /** All probe time (probes and Lyapunov burst steps) over the steps. */
  probeMsPerStep: number;
  /** Products per step: every probe's and burst step's `hvps` over the steps. */
  productsPerStep: number;
  /** Median products of the probes that measured the sharpness. */
  medianSharpnessProbeProducts: number;
  /** Where the probe time went, by kind of probed step. */
  kinds: Record<ProbeKind, KindCost>;
}

/**
 * A probed step's kind: it measured λ_max (the sharpness's Rayleigh–Ritz rounds), only the batch
 * sharpness (and the Lyapunov step when a burst starts there), or it is a burst step between
 * probes (the Lyapunov step alone).
 */
type ProbeKind = 'lambda-max probe' | 'batch-sharpness probe' | 'burst step';
const PROBE_KINDS: readonly ProbeKind[] = ['lambda-max probe', 'batch-sharpness probe', 'burst step'];

interface KindCost {
  count: number;
  ms: number;
  products: number;
}

function kindOf(probe: NonNullable<GradientEvent['probe']>): ProbeKind {
  if (probe.sharpness !== undefined) return 'lambda-max probe';
  return probe.batchSharpness === undefined ? 'burst step' : 'batch-sharpness probe';
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The probe's schedule in probes: λ_max every `sharpnessProbes` probes, a Lyapunov burst of
 * `burst` steps every `burstProbes` probes, its first `discard` not counted. The product's
 * default is 16:8:4:2 (`sharpnessEvery`, `lyapunovBursts`; the dense schedule of the sweeps and
 * the demo is 4:4:8:4); a burst longer than the steps between
 * bursts is cut to them, with half discarded, as the defaults do at a probe every step.
 */
export interface ProbeSchedule {
  sharpnessProbes: number;
  burstProbes: number;
  burst: number;
  discard: number;
}

export const DEFAULT_PROBE_SCHEDULE: Readonly<ProbeSchedule> = Object.freeze({
  sharpnessProbes: DEFAULT_SHARPNESS_EVERY_PROBES,
  burstProbes: DEFAULT_BURST_EVERY_PROBES,
  burst: DEFAULT_LYAPUNOV_BURST,
  discard: Math.floor(DEFAULT_LYAPUNOV_BURST / 2),
});

/** `s:b:k:d` (as `--probe-schedule` takes it). */
export const scheduleText = (s: Readonly<ProbeSchedule>): string =>
  `${s.sharpnessProbes}:${s.burstProbes}:${s.burst}:${s.discard}`;

/** The probe settings of `schedule` at a probe every `probeEvery` (> 0) steps. */
function scheduled(probeEvery: number, schedule: Readonly<ProbeSchedule>) {
  const fits = schedule.burst <= schedule.burstProbes * probeEvery;
  const bursts = burstsEvery(
    probeEvery,
    schedule.burstProbes,
    schedule.burst,
    fits ? { discard: schedule.discard } : {},
  );
  return { ...bursts, sharpnessEvery: sharpnessEvery(probeEvery, schedule.sharpnessProbes * probeEvery) };
}

async function measure(
  model: Model,
  dataset: ReturnType<typeof loadMnist>,
  steps: number,
  probeEvery: number,
  schedule: Readonly<ProbeSchedule>,
): Promise<Measured> {
  const gradients: GradientEvent[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await train({
    runId: 'bench',
    model,
    dataset,
    backend: 'bench',
    lr: 0.1,
    batchSize: 64,
    steps,
    seed: 1,
    // The product's default probe (lyap train, the demo, the sweep), Lyapunov bursts included,
    // or the schedule asked for.
    probe: {
      every: probeEvery,
      kLyapunov: 1,
      kSharpness: 1,
      hvp: 'forward',
      eps0: 1e-3,
      ...(probeEvery > 0 ? scheduled(probeEvery, schedule) : {}),
    },
    emit: (e) => e.type === 'gradient' && gradients.push(e),
  });
  const probes = gradients.flatMap((g) => (g.probeMs === undefined ? [] : [g.probeMs]));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const warmupMs = probes.length === 0 ? 0 : Math.max(0, (probes[0] ?? 0) - median(probes));
  const kinds = Object.fromEntries(PROBE_KINDS.map((k) => [k, { count: 0, ms: 0, products: 0 }])) as Record<
    ProbeKind,
    KindCost
  >;
  // The first probe converges the sharpness (20 rounds): left out, as in "steady".
  for (const g of gradients.slice(1)) {
    if (g.probe === undefined || g.probeMs === undefined) continue;
    const cost = kinds[kindOf(g.probe)];
    cost.count++;
    cost.ms += g.probeMs;
    cost.products += g.probe.hvps;
  }
  return {
    wallMsPerStep: wallMs / steps,
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps,
    steadyMsPerStep: (wallMs - warmupMs) / steps,
    warmupMs,
    medianStepMs: median(gradients.map((g) => g.stepMs ?? Number.NaN)),
    medianProbeMs: probes.length === 0 ? undefined : median(probes),
    probeMsPerStep: probes.reduce((a, b) => a + b, 0) / steps,
    productsPerStep: gradients.reduce((a, g) => a + (g.probe?.hvps ?? 0), 0) / steps,
    medianSharpnessProbeProducts: median(
      gradients.flatMap((g) => (g.probe?.sharpness === undefined ? [] : [g.probe.hvps])),
    ),
    kinds,
  };
}

/** Per kind of probed step at one probe interval: each kind's time per training step, per step of its kind and per product, pooled over rounds. */
function probeTimeByKind(ms: readonly Measured[], steps: number, unprobedStepMs: number): string {
  return PROBE_KINDS.map((kind) => {
    const count = ms.reduce((a, m) => a + m.kinds[kind].count, 0);
    const total = ms.reduce((a, m) => a + m.kinds[kind].ms, 0);
    const products = ms.reduce((a, m) => a + m.kinds[kind].products, 0);
    if (count === 0) return `${kind}s: none`;
    const perStep = total / (steps * ms.length);
    return (
      `${kind}s ${round(perStep / unprobedStepMs, 3)} unprobed steps per step ` +
      `(${round((count / (steps * ms.length)) * 100, 1)} % of steps, ${round(total / count)} ms and ${round(products / count, 1)} products each, ` +
      `${round(total / Math.max(1, products) / unprobedStepMs)} unprobed steps per product)`
    );
  }).join('; ');
}

/**
 * The probe's overhead and the backends' speed, MLP 784-128-10 (101,770 parameters) on
 * MNIST, batch 64, the product's default probe (k_L = k_S = 1, batch sharpness, forward
 * differences, Lyapunov bursts of `lyapunovBursts(every)`), all in this process. Overhead:
 * wall time per training step (everything the loop does: minibatch, gradient, update,
 * statistics, probe, events) with the probe every 1, 10 and 100 steps divided by the same
 * without it, on wasm. The four configurations run back to back, in a rotating order, in each
 * of `rounds` rounds and each round gives its own ratios, so slow phases of a shared machine
 * hit numerator and denominator alike; the median over rounds is reported. "predicted" adds
 * the probes' own time per step (probes and burst steps) to one unprobed step.
 * Backends: cpu vs wasm without the probe.
 */
export async function trainerSuite(params: {
  steps: number;
  rounds: number;
  schedule?: Readonly<ProbeSchedule>;
}): Promise<SuiteResult> {
  const schedule = params.schedule ?? DEFAULT_PROBE_SCHEDULE;
  const dataset = loadMnist();
  const model = createMlp({
    inputSize: 784,
    hidden: [128],
    outputSize: 10,
    activation: 'relu',
    loss: 'cross-entropy',
  });
  await selectBackend({ requested: 'wasm' });
  await measure(model, dataset, 20, 1, schedule);
  const everies = [0, 1, 10, 100];
  const runs = new Map<number, Measured[]>(everies.map((e) => [e, []]));
  for (let r = 0; r < params.rounds; r++) {
    // Rotate the order each round so no configuration always follows the same one (GC debt).
    const order = everies.map((_, i) => everies[(i + r) % everies.length] ?? 0);
    const round = new Map<number, Measured>();
    for (const every of order) round.set(every, await measure(model, dataset, params.steps, every, schedule));
    for (const every of everies) runs.get(every)?.push(round.get(every) as Measured);
  }
  const off = runs.get(0) ?? [];
  const ratioOf = (every: number, of: (m: Measured) => number = (m) => m.wallMsPerStep): number =>
    median((runs.get(every) ?? []).map((m, r) => of(m) / (off[r] === undefined ? Number.NaN : of(off[r]))));
  const unprobedStep = median(off.map((m) => m.wallMsPerStep));
  const rows: Record<string, number | string>[] = everies.map((every) => {
    const ms = runs.get(every) ?? [];
    const probeMs = median(ms.flatMap((m) => (m.medianProbeMs === undefined ? [] : [m.medianProbeMs])));
    const probeMsPerStep = median(ms.map((m) => m.probeMsPerStep));
    return {
      backend: 'wasm',
      probe: every === 0 ? 'off' : `every ${every}`,
      'ms/step': round(median(ms.map((m) => m.wallMsPerStep))),
      'vs off': every === 0 ? 1 : round(ratioOf(every), 3),
      'vs off, steady':
        every === 0
          ? 1
          : round(
              ratioOf(every, (m) => m.steadyMsPerStep),
              3,
            ),
      'CPU ms/step': round(median(ms.map((m) => m.cpuMsPerStep))),
      'vs off, CPU':
        every === 0
          ? 1
          : round(
              ratioOf(every, (m) => m.cpuMsPerStep),
              3,
            ),
      'predicted 1 + probe ms/step': every === 0 ? 1 : round(1 + probeMsPerStep / unprobedStep, 3),
      'stepMs (median)': round(median(ms.map((m) => m.medianStepMs))),
      'probeMs (median)': every === 0 ? '-' : round(probeMs),
      'products/step': every === 0 ? 0 : round(median(ms.map((m) => m.productsPerStep)), 3),
    };
  });
  const backendSteps = Math.max(10, Math.round(params.steps / 4));
  const backendMs: Record<string, number> = {};
  for (const name of ['cpu', 'wasm'] as BackendName[]) {
    await selectBackend({ requested: name });
    await measure(model, dataset, 5, 0, schedule);
    const m = await measure(model, dataset, backendSteps, 0, schedule);
    backendMs[name] = m.wallMsPerStep;
    rows.push({
      backend: name,
      probe: 'off',
      'ms/step': round(m.wallMsPerStep),
      'vs off': '-',
      'vs off, steady': '-',
      'CPU ms/step': round(m.cpuMsPerStep),
      'vs off, CPU': '-',
      'predicted 1 + probe ms/step': '-',
      'stepMs (median)': round(m.medianStepMs),
      'probeMs (median)': '-',
      'products/step': '-',
    });
  }
  const warmupMs = median((runs.get(10) ?? []).map((m) => m.warmupMs));
  const probeCost = median(
    off.length === 0 ? [] : (runs.get(1) ?? []).map((m) => (m.medianProbeMs ?? Number.NaN) / unprobedStep),
  );
  return {
    suite: 'trainer',
    params: {
      model: model.name,
      params: model.layout.size,
      dataset: 'mnist',
      batch: 64,
      steps: params.steps,
      rounds: params.rounds,
      backendSteps,
      probeSchedule: scheduleText(schedule),
    },
    rows,
    notes: [
      `"vs off": median over rounds of (wall ms per step with the probe) / (without it, same round); target for every 10: <= 1.3`,
      `"vs off, CPU": the same ratio of CPU time (user + system) per step, which other work on a shared machine moves less than wall time`,
      `"vs off, steady": the same without the first probe's convergence of the sharpness (${round(warmupMs)} ms once per run, ` +
        `${round(warmupMs / unprobedStep)} unprobed steps): what a long run pays per step`,
      `probe schedule ${scheduleText(schedule)}${schedule === DEFAULT_PROBE_SCHEDULE ? " (the product's default)" : ''}: λ_max every ${schedule.sharpnessProbes} probes, a Lyapunov burst of ${schedule.burst} steps every ${schedule.burstProbes} probes, ${schedule.discard} discarded`,
      `probe (k_L = k_S = 1, batch sharpness, forward): median ${round(probeCost)} unprobed steps at every 1; ` +
        `a probe takes the sharpness's and the batch sharpness's products, one per further Rayleigh–Ritz round, plus 1 when a burst is under way (median ${round(median((runs.get(10) ?? []).map((m) => m.medianSharpnessProbeProducts)))} at every 10); a burst step between probes 1`,
      `where the probe's time goes at every 10 (after the first probe, all rounds): ${probeTimeByKind(runs.get(10) ?? [], params.steps, unprobedStep)}`,
      `cpu / wasm step time: ${round((backendMs['cpu'] ?? Number.NaN) / (backendMs['wasm'] ?? Number.NaN))}x`,
    ],
  };
}
