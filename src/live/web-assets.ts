import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  /** Absolute path of the file served. */
  path: string;
  contentType: string;
}

const UTF8 = '; charset=utf-8';

/**
 * The live page's static files, by URL path. The page's own files live in the package's
 * top-level `web/live/` (two folders up from this module both in `src/live/` and in the
 * compiled `dist/live/`); uPlot is resolved from node_modules as a dependency.
 */
export function webAssets(): ReadonlyMap<string, WebAsset> {
  const web = (name: string): string => fileURLToPath(new URL(`../../web/live/${name}`, import.meta.url));
  const require = createRequire(import.meta.url);
  return new Map<string, WebAsset>([
    ['/', { path: web('index.html'), contentType: `text/html${UTF8}` }],
    ['/live/app.js', { path: web('app.js'), contentType: `text/javascript${UTF8}` }],
    ['/live/app.css', { path: web('app.css'), contentType: `text/css${UTF8}` }],
    [
      '/live/uplot.js',
      { path: require.resolve('uplot/dist/uPlot.iife.min.js'), contentType: `text/javascript${UTF8}` },
    ],
    [
      '/live/uplot.css',
      { path: require.resolve('uplot/dist/uPlot.min.css'), contentType: `text/css${UTF8}` },
    ],
  ]);
}

/** Reads each asset once and keeps it (they are small and do not change while the process runs). */
export class AssetCache {
  private readonly loaded = new Map<string, Promise<Buffer>>();

  read(asset: WebAsset): Promise<Buffer> {
    let body = this.loaded.get(asset.path);
    if (body === undefined) {
      body = readFile(asset.path);
      this.loaded.set(asset.path, body);
      // A failed read is not cached: the next request tries again.
      void body.catch(() => this.loaded.delete(asset.path));
    }
    return body;
  }
}
