// The public API of taskroute.

export { TaskrouteError, type TaskrouteErrorCode } from './errors.js';
export type { Matrix } from './validate.js';
export { info, version, type TaskrouteInfo } from './info.js';
export { setThreads, cudaAvailable, type Backend } from './native.js';
export * from './nn/index.js';
