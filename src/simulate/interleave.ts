import { mulberry32 } from '../dynamics/index.js';

/**
 * Merges several event sequences into one, picking the next source at random (seeded),
 * so each source keeps its own order while runs interleave as they would on a topic.
 */
export function* interleave<T>(sources: Iterable<T>[], seed = 1): Generator<T> {
  const rng = mulberry32(seed);
  const live = sources.map((s) => s[Symbol.iterator]());
  while (live.length > 0) {
    const i = Math.floor(rng() * live.length);
    const it = live[i];
    if (it === undefined) break;
    const next = it.next();
    if (next.done === true) live.splice(i, 1);
    else yield next.value;
  }
}

/**
 * Reorders items so that each arrives at most `maxDisplacement` positions away from its
 * place (seeded): the out-of-order arrival a lateness bound has to absorb.
 */
export function* jitter<T>(items: Iterable<T>, maxDisplacement: number, seed = 1): Generator<T> {
  const rng = mulberry32(seed);
  const buffer: { item: T; at: number }[] = [];
  let count = 0;
  for (const item of items) {
    buffer.push({ item, at: count++ });
    if (buffer.length > maxDisplacement) {
      const oldest = buffer[0];
      const pick =
        oldest !== undefined && count - oldest.at > maxDisplacement ? 0 : Math.floor(rng() * buffer.length);
      const [out] = buffer.splice(pick, 1);
      if (out !== undefined) yield out.item;
    }
  }
  for (const { item } of buffer) yield item;
}
