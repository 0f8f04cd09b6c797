// The native vector and graph ops: dense similarity, fused exact top-k, kNN graph (CSR).

export { similarity, similaritySync, type SimilarityOptions } from './similarity.js';
export { topk, topkSync, type TopkOptions } from './topk.js';
export { knnGraph, knnGraphSync, type KnnGraphOptions, type Symmetrize } from './knn.js';
export type { MatrixInput } from './options.js';
export type { Metric, Csr, TopkResult, OpOptions } from './types.js';
