import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { LyapError } from '../errors.js';
import { BACKEND_NAMES, type BackendName } from './names.js';
import { tf } from './tf.js';
import { registerWasmConv2dFilterGradient } from './wasm-conv2d-filter-grad.js';
import { registerWasmConv2dGradientsAsConvolutions } from './wasm-conv2d-grads-as-conv.js';
import { registerWasmTransposedMatMul } from './wasm-matmul-transpose.js';
import { registerWasmSharedIdentity } from './wasm-identity.js';
import { registerWasmHeapSlice } from './wasm-slice.js';

interface BackendSpec {
  /** The package that provides it; undefined when it ships with the union package. */
  readonly packageName: string | undefined;
  /** The name tfjs registers it under. */
  readonly tfName: string;
  /** What `run` events report. */
  readonly reportedName: string;
}

/** Best first: the order `auto` tries them in. */
export const BACKENDS: { readonly [B in BackendName]: BackendSpec } = {
  'node-gpu': {
    packageName: '@tensorflow/tfjs-node-gpu',
    tfName: 'tensorflow',
    reportedName: 'tensorflow-gpu',
  },
  node: { packageName: '@tensorflow/tfjs-node', tfName: 'tensorflow', reportedName: 'tensorflow' },
  wasm: { packageName: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm', reportedName: 'wasm' },
  cpu: { packageName: undefined, tfName: 'cpu', reportedName: 'cpu' },
};

export interface ActiveBackend {
  readonly name: BackendName;
  /** The name `run` events and logs report (`tensorflow-gpu`, `tensorflow`, `wasm`, `cpu`). */
  readonly reportedName: string;
}

export interface SelectBackendOptions {
  /** `auto` (default) takes the best that loads and initialises; a name forces it. */
  requested?: BackendName | 'auto';
  /** Loads an optional package; injectable so the fallback order can be tested. */
  importModule?: (packageName: string) => Promise<unknown>;
}

const require = createRequire(import.meta.url);
let wasmPathsSet = false;

/**
 * Loads and activates a TensorFlow.js backend. The native packages and the wasm backend are
 * imported dynamically, so a missing optional peer is a fallback (auto) or a clear
 * LYAP_E_CONFIG (forced), never a crash at import time. Also turns on tfjs production mode,
 * which silences its console banners (the cpu backend's "install tfjs-node" notice).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<ActiveBackend> {
  const requested = options.requested ?? 'auto';
  const importModule = options.importModule ?? ((name: string) => import(name));
  tf.enableProdMode();
  const candidates = requested === 'auto' ? BACKEND_NAMES : [requested];
  const failures: string[] = [];
  for (const name of candidates) {
    const reason = await activate(name, importModule);
    if (reason === undefined) return { name, reportedName: BACKENDS[name].reportedName };
    failures.push(`${name}: ${reason}`);
  }
  throw new LyapError(
    'LYAP_E_CONFIG',
    requested === 'auto'
      ? `no TensorFlow.js backend could be started (${failures.join('; ')})`
      : `backend '${requested}' is not available: ${failures.join('; ')}${installHint(requested)}`,
  );
}

async function activate(
  name: BackendName,
  importModule: (packageName: string) => Promise<unknown>,
): Promise<string | undefined> {
  const spec = BACKENDS[name];
  if (spec.packageName !== undefined) {
    try {
      const loaded = await importModule(spec.packageName);
      if (name === 'wasm') pointWasmAtItsFiles(loaded);
    } catch (error) {
      return `cannot load ${spec.packageName} (${firstLine(error)})`;
    }
  }
  const factory: unknown = tf.findBackendFactory(spec.tfName); // null when none is registered
  if (factory === null) return `${spec.packageName ?? 'tfjs'} registered no '${spec.tfName}' backend`;
  try {
    if (!(await tf.setBackend(spec.tfName))) return `backend '${spec.tfName}' failed to initialise`;
  } catch (error) {
    return `backend '${spec.tfName}' failed to initialise (${firstLine(error)})`;
  }
  await tf.ready();
  if (name === 'wasm') {
    registerWasmConv2dFilterGradient();
    registerWasmConv2dGradientsAsConvolutions();
    registerWasmTransposedMatMul();
    registerWasmHeapSlice();
    registerWasmSharedIdentity();
  }
  return undefined;
}

/**
 * In Node the wasm backend fetches its .wasm binaries relative to the page by default; it
 * needs the folder they ship in (the package's dist/, where its main file lives), with a
 * trailing slash because the file name is appended to the prefix.
 */
function pointWasmAtItsFiles(loaded: unknown): void {
  if (wasmPathsSet) return; // it may be set once, before the backend first initialises
  const { setWasmPaths } = loaded as { setWasmPaths?: (prefix: string) => void };
  if (typeof setWasmPaths !== 'function') throw new Error('the module has no setWasmPaths');
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  wasmPathsSet = true;
}

function installHint(name: BackendName): string {
  const pkg = BACKENDS[name].packageName;
  return pkg === undefined || name === 'wasm' ? '' : ` (install it with: npm install ${pkg}@4.22.0)`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
