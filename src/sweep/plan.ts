import { groupOf, type RunSpec, type SweepConfig } from './sweep-config.js';

/** A rate as it appears in run ids: `0.04` → `0.04`, `1e-5` → `1e-5`. */
function lrTag(lr: number): string {
  return String(Number(lr.toPrecision(6)));
}

function lossTag(loss: RunSpec['loss']): string {
  return loss === 'cross-entropy' ? 'ce' : loss;
}

/**
 * The runs that need nothing from other runs: every constant rate and every controller arm,
 * for every model, loss and seed, in that nesting order.
 */
export function planFirstPhase(config: SweepConfig): RunSpec[] {
  const specs: RunSpec[] = [];
  for (const model of config.models) {
    for (const loss of config.losses) {
      const group = groupOf(model, loss);
      for (const seed of config.seeds) {
        for (const lr of config.lrs) {
          specs.push({
            id: `${model}-${lossTag(loss)}-lr${lrTag(lr)}-s${seed}`,
            group,
            arm: 'constant',
            model,
            loss,
            lr,
            seed,
          });
        }
        for (const alpha of config.alphas) {
          specs.push({
            id: `${model}-${lossTag(loss)}-ctl${lrTag(alpha)}-s${seed}`,
            group,
            arm: 'controller',
            model,
            loss,
            lr: config.controllerStartLr,
            seed,
            alpha,
          });
        }
      }
    }
  }
  return specs;
}

/**
 * The schedule arms, each started from its group's best constant rate (found by the first
 * phase); groups without one (every constant run failed or diverged) get none.
 */
export function planSchedulePhase(config: SweepConfig, bestLr: ReadonlyMap<string, number>): RunSpec[] {
  const specs: RunSpec[] = [];
  for (const model of config.models) {
    for (const loss of config.losses) {
      const group = groupOf(model, loss);
      const lr = bestLr.get(group);
      if (lr === undefined) continue;
      for (const seed of config.seeds) {
        for (const schedule of config.schedules) {
          specs.push({
            id: `${model}-${lossTag(loss)}-${schedule}${lrTag(lr)}-s${seed}`,
            group,
            arm: 'schedule',
            model,
            loss,
            lr,
            seed,
            schedule,
          });
        }
      }
    }
  }
  return specs;
}
