import type { TopLevelSpec } from 'vega-lite';

/** One figure of the report: a Vega-Lite spec (pure data; render-svg.ts draws it). */
export interface Figure {
  /** File name in the report folder. */
  file: string;
  title: string;
  spec: TopLevelSpec;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export const fmt = (x: number, digits = 3): string =>
  Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : String(x);
