import type { GroupAnalysis } from './analysis.js';
import { num, table } from './markdown.js';
import { meetsAims, RULE_AIMS, type RuleRow } from './rule-comparison.js';
import { SPIKE_FACTOR } from './sweep-config.js';

const MISS = '✗';

/** A cell, marked when it misses its aim; `?` when the aim cannot be judged. */
const mark = (text: string, miss: boolean | null): string =>
  miss === true ? `${text} ${MISS}` : miss === null ? `${text} ?` : text;

const signed = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : ''}${num(Math.abs(x), 2)}`;

function failures(r: RuleRow): string {
  const parts = [
    r.diverged > 0 ? `${r.diverged} diverged` : '',
    r.collapsed > 0 ? `${r.collapsed} collapsed` : '',
    r.failed > 0 ? `${r.failed} failed` : '',
  ].filter((p) => p !== '');
  return mark(parts.length === 0 ? '0' : `${parts.join(', ')} of ${r.runIds.length}`, r.misses.failures);
}

function ruleRow(r: RuleRow): string[] {
  return [
    r.label,
    String(r.runIds.length),
    r.medianStepsToTarget === null ? 'not reached' : String(r.medianStepsToTarget),
    mark(
      r.stepsRatio === null ? (r.medianStepsToTarget === null ? 'not reached' : '–') : num(r.stepsRatio),
      r.misses.steps,
    ),
    mark(r.accuracyDelta === null ? '–' : signed(100 * r.accuracyDelta), r.misses.accuracy),
    r.arm === 'controller'
      ? mark(`${r.commandSpikes} / ${r.commandsApplied}`, r.misses.spikes)
      : mark('no commands', r.misses.spikes),
    failures(r),
    meetsAims(r) ? 'met' : 'missed',
  ];
}

function groupRules(g: GroupAnalysis): string {
  const { baseline, rows } = g.rules;
  const met = rows.filter(meetsAims).length;
  return [
    `### ${g.group}`,
    '',
    baseline === null
      ? `No constant rate reached the target loss (${g.targetLoss}) in half its seeds or more: there is no best constant rate, and the steps and accuracy columns cannot be judged (?).`
      : `Best constant rate of the grid: η = ${baseline.lr}, median ${baseline.medianStepsToTarget} steps to the target loss ${g.targetLoss}, ` +
        `median held-out accuracy ${num(baseline.medianAccuracy)} (${baseline.runIds.length} run${baseline.runIds.length === 1 ? '' : 's'}).`,
    '',
    table(
      [
        'arm',
        'runs',
        'median steps',
        'steps ÷ best',
        'Δ accuracy (points)',
        'spikes / commands',
        'diverged, collapsed, failed',
        'aims',
      ],
      rows.map(ruleRow),
    ),
    '',
    `${met} of ${rows.length} arms meet every aim.`,
    '',
  ].join('\n');
}

/** report.md's "Controller rules against the grid": per group, every controller and schedule arm against the best constant rate. */
export function rulesSection(groups: readonly GroupAnalysis[]): string {
  const compared = groups.filter((g) => g.rules.rows.length > 0);
  if (compared.length === 0) return '';
  return [
    '## Controller rules against the grid',
    '',
    'Each controller arm (rule from a starting rate) and schedule arm over its seeds, against the best constant rate of ' +
      "the group's grid: the one with the fewest median steps to the target loss. Steps: median over seeds, a seed that " +
      'never reached the target counted as never. Accuracy: median final held-out accuracy, a diverged run at chance (0.1), ' +
      'minus the best constant rate’s. A spike: the smoothed training loss, within the spike horizon after an applied ' +
      `command, above ${SPIKE_FACTOR}× its running minimum before it (or not finite). ` +
      `The aims: steps ÷ best ≤ ${RULE_AIMS.stepsRatio}, accuracy at most ${100 * RULE_AIMS.accuracyDrop} point below, no spike, ` +
      `no run diverged, collapsed or failed. ${MISS} marks a cell that misses its aim; ? one that cannot be judged; ` +
      'an arm meets the aims only when no cell of it is marked.',
    '',
    ...compared.map(groupRules),
  ].join('\n');
}
