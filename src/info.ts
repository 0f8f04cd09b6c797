// info(): what this installation is — version, loaded addon, backend, BLAS, CPU, CUDA.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cudaAvailable, native, nativePath, packageRoot, type NativeInfo } from './native.js';

export interface TaskrouteInfo extends NativeInfo {
  version: string;
  /** Path of the loaded addon file. */
  addon: string;
  /** What 'auto' resolves to in this process. */
  backend: 'cpu' | 'cuda';
  node: string;
}

export function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export function info(): TaskrouteInfo {
  const n = native().info();
  return { version: version(), addon: nativePath(), backend: cudaAvailable() ? 'cuda' : 'cpu', node: process.version, ...n };
}
