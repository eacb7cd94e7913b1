import type { GradientEvent, TrajectoryEvent } from '../events/index.js';

/** A non-finite loss or gradient norm, or a non-finite parameter or update norm. */
export function showsDivergence(gradient?: GradientEvent, trajectory?: TrajectoryEvent): boolean {
  if (gradient !== undefined && !(Number.isFinite(gradient.loss) && Number.isFinite(gradient.gradNorm)))
    return true;
  return (
    trajectory !== undefined &&
    !(Number.isFinite(trajectory.paramNorm) && Number.isFinite(trajectory.updateNorm))
  );
}
