// Shared types of the native vector and graph ops (similarity, topk, knnGraph, leiden).

import type { Backend } from '../native.js';

/**
 * Similarity measure. 'ip': inner product (higher is closer); 'cosine': inner product
 * of the L2-normalised rows (a zero row has similarity 0 to everything); 'l2': squared
 * Euclidean distance (lower is closer).
 */
export type Metric = 'ip' | 'cosine' | 'l2';

/** Options every native op takes. */
export interface OpOptions {
  /** 'auto' (default, or TASKROUTE_BACKEND): CUDA when built and a device answers, else CPU. */
  backend?: Backend;
  /** Threads for this call (default 0: TASKROUTE_THREADS, else every core). */
  threads?: number;
}

/** Top-k result, structure of arrays: row i's neighbours are [i·k, (i+1)·k). */
export interface TopkResult {
  /** [nq × k] indices into B, best first; ties broken by the lower index. */
  indices: Int32Array;
  /** [nq × k] scores: similarity (ip, cosine; descending) or squared distance (l2; ascending). */
  scores: Float32Array;
  /** Neighbours per row actually returned: min(k requested, candidates available). */
  k: number;
  nq: number;
}

/**
 * A weighted graph in compressed sparse row form: the neighbours of node i are
 * colIdx[rowPtr[i] .. rowPtr[i+1]) with weights at the same positions.
 */
export interface Csr {
  /** Number of nodes. */
  n: number;
  /** [n + 1] row offsets, rowPtr[0] = 0, rowPtr[n] = number of stored edges. */
  rowPtr: Int32Array;
  /** [nnz] neighbour indices in [0, n). */
  colIdx: Int32Array;
  /** [nnz] edge weights. */
  weights: Float32Array;
}
