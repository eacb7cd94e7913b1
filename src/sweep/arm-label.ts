import type { ControlRule } from '../controller/config.js';
import type { RunRecord } from './run-record.js';

/** A controller run's rule: summaries from before rules existed ran the quasi-newton rule. */
export function ruleOf(r: Pick<RunRecord, 'arm' | 'rule'>): ControlRule | undefined {
  return r.arm === 'controller' ? (r.rule ?? 'quasi-newton') : undefined;
}

/**
 * The arm a run belongs to, the same over seeds: `η = 0.04`, `edge from η = 0.01`,
 * `quasi-newton α = 1 from η = 0.1`, `cosine from η = 0.16`.
 */
export function armLabel(r: Pick<RunRecord, 'arm' | 'rule' | 'alpha' | 'schedule' | 'lr'>): string {
  if (r.arm === 'controller') {
    const rule = ruleOf(r) ?? 'quasi-newton';
    return `${rule}${rule === 'quasi-newton' ? ` α = ${r.alpha ?? 1}` : ''} from η = ${r.lr}`;
  }
  if (r.arm === 'schedule') return `${r.schedule ?? 'schedule'} from η = ${r.lr}`;
  return `η = ${r.lr}`;
}
