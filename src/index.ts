// The public API of taskroute.

export { TaskrouteError, type TaskrouteErrorCode } from './errors.js';
export type { Matrix } from './validate.js';
export { info, version, type TaskrouteInfo } from './info.js';
export { setThreads, cudaAvailable, type Backend } from './native.js';
export { similarity, similaritySync, topk, topkSync, knnGraph, knnGraphSync } from './ops/index.js';
export type { Metric, Csr, TopkResult, OpOptions } from './ops/types.js';
export type { SimilarityOptions, TopkOptions, KnnGraphOptions, Symmetrize, MatrixInput } from './ops/index.js';
