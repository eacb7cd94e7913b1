import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite spec as SVG text: compiled to Vega, run headless (renderer `none`, text measured
 * without a canvas). PNG would need node-canvas, a native package, so the sweep writes SVG only.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const logger = vega.logger(vega.Error);
  const view = new vega.View(vega.parse(compile(spec, { logger }).spec), { renderer: 'none', logger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
