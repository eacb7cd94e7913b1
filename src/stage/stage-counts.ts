import type { StageStats } from './stage.js';

/**
 * A stage's counters under the names its role gives them (`estimates` for `handled`, …),
 * read live: `extra` fields are carried as they are.
 */
export function stageCounts<K extends string, E extends object = object>(
  stats: StageStats,
  names: Readonly<Record<K, keyof StageStats>>,
  extra?: E,
): Readonly<Record<K, number>> & E {
  const counts = { ...extra } as Record<K, number> & E;
  for (const [name, key] of Object.entries(names) as [K, keyof StageStats][]) {
    Object.defineProperty(counts, name, { get: () => stats[key], enumerable: true });
  }
  return counts;
}
