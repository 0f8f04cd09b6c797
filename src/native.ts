// The only loader of the compiled addon. Order: TASKROUTE_NATIVE (explicit path) →
// the CUDA build (build-cuda/Release, by path: node-gyp-build cannot choose between
// variants) → node-gyp-build (prebuilds/, then build/) → an error listing every path tried.
// Also resolves the per-call `backend` option ('auto' | 'cpu' | 'cuda').

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskrouteError } from './errors.js';

const require = createRequire(import.meta.url);

/** Package root: one level above src/ (tests) or dist/ (installed). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Backend = 'auto' | 'cpu' | 'cuda';

export interface NativeInfo {
  variant: 'cpu' | 'cuda';
  cudaBuilt: boolean;
  cudaDevices: number;
  cudaDevice: string;
  cudaRuntime: string;
  blas: 'openblas' | 'builtin';
  gemm: 'openblas' | 'builtin';
  threads: number;
  cpuFeatures: string;
  compiledFor: string;
  napiVersion: number;
}

/** The exports every build has; kernel modules extend this with their own functions. */
export interface CoreBinding {
  info(): NativeInfo;
  setThreads(n: number): number;
  setGemmBackend(b: 'openblas' | 'builtin'): string;
}

interface Loaded {
  binding: CoreBinding & Record<string, unknown>;
  path: string;
}

let loaded: Loaded | undefined;
const tried: string[] = [];

function tryLoad(path: string): Loaded | undefined {
  try {
    const b = require(path) as CoreBinding & Record<string, unknown>;
    return { binding: b, path };
  } catch (err) {
    tried.push(`${path}: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function load(): Loaded {
  if (loaded) return loaded;
  const explicit = process.env.TASKROUTE_NATIVE;
  if (explicit) {
    const l = tryLoad(resolve(explicit));
    if (!l) throw new TaskrouteError('ERR_TASKROUTE_LOAD', `TASKROUTE_NATIVE could not be loaded:\n  ${tried.join('\n  ')}`);
    return (loaded = l);
  }
  const cudaPath = join(packageRoot, 'build-cuda', 'Release', 'taskroute.node');
  if (process.env.TASKROUTE_BACKEND !== 'cpu' && existsSync(cudaPath)) {
    const l = tryLoad(cudaPath);
    if (l) return (loaded = l);
  } else {
    tried.push(`${cudaPath}: ${existsSync(cudaPath) ? 'skipped (TASKROUTE_BACKEND=cpu)' : 'not built (npm run build:cuda)'}`);
  }
  try {
    const nodeGypBuild = require('node-gyp-build') as { (dir: string): unknown; path(dir: string): string };
    const p = nodeGypBuild.path(packageRoot);
    const l = tryLoad(p);
    if (l) return (loaded = l);
  } catch (err) {
    tried.push(`node-gyp-build (${join(packageRoot, 'prebuilds')}, ${join(packageRoot, 'build')}): ${(err as Error).message.split('\n')[0]}`);
  }
  throw new TaskrouteError(
    'ERR_TASKROUTE_LOAD',
    `The taskroute native addon could not be loaded. Tried:\n  ${tried.join('\n  ')}\n` +
      `Build it with "npm run compile:native" (CPU) or "npm run build:cuda" (CUDA).`,
  );
}

/** The loaded addon, typed as the caller's view of it. */
export function native<T = CoreBinding>(): T & CoreBinding {
  return load().binding as unknown as T & CoreBinding;
}

/** Path of the loaded addon file. */
export function nativePath(): string {
  return load().path;
}

function envBackend(): Backend {
  const v = process.env.TASKROUTE_BACKEND;
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'cpu' || v === 'cuda') return v;
  throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `TASKROUTE_BACKEND must be 'auto', 'cpu' or 'cuda', received ${JSON.stringify(v)}`);
}

let cudaReady: boolean | undefined;
/** True when the CUDA build is loaded and a device answers. */
export function cudaAvailable(): boolean {
  if (cudaReady === undefined) {
    const i = native().info();
    cudaReady = i.cudaBuilt && i.cudaDevices > 0;
  }
  return cudaReady;
}

/**
 * Resolves a per-call backend request (default: TASKROUTE_BACKEND, else 'auto') to
 * whether to run on CUDA. 'auto' never fails for lack of CUDA; 'cuda' does, clearly.
 */
export function useCuda(backend: Backend | undefined): boolean {
  const b = backend ?? envBackend();
  if (b !== 'auto' && b !== 'cpu' && b !== 'cuda')
    throw new TypeError(`Expected "backend" to be one of 'auto', 'cpu', 'cuda', received ${JSON.stringify(b)}`);
  if (b === 'cpu') return false;
  const ok = cudaAvailable();
  if (b === 'cuda' && !ok) {
    const i = native().info();
    throw new TaskrouteError(
      'ERR_TASKROUTE_NO_CUDA',
      i.cudaBuilt ? `backend 'cuda' was requested but no CUDA device answers (${i.cudaDevice})` : `backend 'cuda' was requested but the loaded addon (${nativePath()}) was built without CUDA; run "npm run build:cuda"`,
    );
  }
  return ok;
}

/** Sets the addon's default thread count for this process (0: TASKROUTE_THREADS or all cores). */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 1024) throw new RangeError(`Expected "threads" to be an integer in [0, 1024], received ${n}`);
  return native().setThreads(n);
}
