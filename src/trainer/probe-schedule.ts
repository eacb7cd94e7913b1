// The probe's two named schedules of λ_max measurements and Lyapunov bursts. Free of
// TensorFlow.js, like names.ts, so that the CLI can resolve them without loading it.
import { denseLyapunovBursts, lyapunovBursts, type LyapunovBursts } from './lyapunov-bursts.js';
import { denseSharpnessEvery, sharpnessEvery } from './sharpness-schedule.js';

/**
 * `default`: what `lyap train` runs (λ_max every 16 probes, a burst of 4 steps every 8); `dense`:
 * λ_max and a burst of 8 every 4 probes, the default until 2026-12-07, what the demo and the
 * sweeps measure with (their reports were made with it).
 */
export const PROBE_SCHEDULES = ['dense', 'default'] as const;
export type ProbeScheduleName = (typeof PROBE_SCHEDULES)[number];

/** The named schedule's bursts and λ_max spacing at a probe every `probeEvery` steps; `chosenSharpnessEvery` overrides the latter. */
export function probeSchedule(
  name: ProbeScheduleName,
  probeEvery: number,
  chosenSharpnessEvery?: number,
): LyapunovBursts & { sharpnessEvery: number } {
  return name === 'dense'
    ? {
        ...denseLyapunovBursts(probeEvery),
        sharpnessEvery: denseSharpnessEvery(probeEvery, chosenSharpnessEvery),
      }
    : { ...lyapunovBursts(probeEvery), sharpnessEvery: sharpnessEvery(probeEvery, chosenSharpnessEvery) };
}
