import type { ControlRule } from '../controller/index.js';
import { groupOf, type RunSpec, type SweepConfig, type SweepGroup } from './sweep-config.js';

/** A rate as it appears in run ids: `0.04` → `0.04`, `1e-5` → `1e-5`. */
function lrTag(lr: number): string {
  return String(Number(lr.toPrecision(6)));
}

/** A group's fields of its runs' specs. */
function groupSpec(g: SweepGroup): Pick<RunSpec, 'group' | 'model' | 'loss' | 'momentum'> {
  return {
    group: groupOf(g.model, g.loss, g.momentum),
    model: g.model,
    loss: g.loss,
    ...(g.momentum > 0 ? { momentum: g.momentum } : {}),
  };
}

/**
 * A group's controller arms for one seed: each rule from each starting rate, the quasi-newton
 * rule once per α. Ids: `<group>-<rule>[-from<η₀>]-s<seed>`, the quasi-newton rule's
 * `<group>-ctl<α>[-from<η₀>]-s<seed>` (as before rules existed); `-from<η₀>` only when the sweep
 * has more than one starting rate.
 */
function controllerArms(config: SweepConfig, g: SweepGroup, seed: number): RunSpec[] {
  const base = groupSpec(g);
  const several = config.controllerStartLrs.length > 1;
  const arm = (rule: ControlRule, tag: string, lr: number, alpha?: number): RunSpec => ({
    id: `${base.group}-${tag}${several ? `-from${lrTag(lr)}` : ''}-s${seed}`,
    ...base,
    arm: 'controller',
    lr,
    seed,
    rule,
    ...(alpha === undefined ? {} : { alpha }),
  });
  return config.rules.flatMap((rule) =>
    config.controllerStartLrs.flatMap((lr) =>
      rule === 'quasi-newton'
        ? config.alphas.map((alpha) => arm(rule, `ctl${lrTag(alpha)}`, lr, alpha))
        : [arm(rule, rule, lr)],
    ),
  );
}

/**
 * The runs that need nothing from other runs: every constant rate and every controller arm,
 * for every group and seed, in that nesting order.
 */
export function planFirstPhase(config: SweepConfig): RunSpec[] {
  return config.groups.flatMap((g) => {
    const base = groupSpec(g);
    return config.seeds.flatMap((seed) => [
      ...config.lrs.map((lr): RunSpec => ({
        id: `${base.group}-lr${lrTag(lr)}-s${seed}`,
        ...base,
        arm: 'constant',
        lr,
        seed,
      })),
      ...controllerArms(config, g, seed),
    ]);
  });
}

/**
 * The schedule arms, each started from its group's best constant rate (found by the first
 * phase); groups without one (every constant run failed or diverged) get none.
 */
export function planSchedulePhase(config: SweepConfig, bestLr: ReadonlyMap<string, number>): RunSpec[] {
  return config.groups.flatMap((g) => {
    const base = groupSpec(g);
    const lr = bestLr.get(base.group);
    if (lr === undefined) return [];
    return config.seeds.flatMap((seed) =>
      config.schedules.map((schedule): RunSpec => ({
        id: `${base.group}-${schedule}${lrTag(lr)}-s${seed}`,
        ...base,
        arm: 'schedule',
        lr,
        seed,
        schedule,
      })),
    );
  });
}
