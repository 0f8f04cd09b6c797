// knnGraph(X, k): the exact kNN graph of the rows of X as CSR (no self loops, each
// row's neighbours sorted by column index), optionally symmetrised. Validates here;
// native/kernels/knn_graph.cc builds it from the fused topk.

import { callNative, callNativeAsync } from '../errors.js';
import { assertInteger, assertOneOf, outOfRange } from '../validate.js';
import { ops, type NativeKnnGraphParams } from './binding.js';
import { commonParams, MAX_RESULT, matrixArg, optionsArg, type MatrixInput } from './options.js';
import type { Csr, Metric, OpOptions } from './types.js';

export type Symmetrize = 'none' | 'max' | 'sum';
const SYMMETRIZE: readonly Symmetrize[] = ['none', 'max', 'sum'];

/** Options of knnGraph (mirrors KnnGraphParams in native/kernels/knn_graph.h; k is positional). */
export interface KnnGraphOptions extends OpOptions {
  /** 'cosine' (default), 'ip' or 'l2'; edge weights are the similarity or the squared distance. */
  metric?: Metric;
  /**
   * 'none' (default): row i holds its min(k, n − 1) nearest neighbours (directed).
   * 'max': the union of i→j and j→i with weight max(w_ij, w_ji).
   * 'sum': the union with weight w_ij + w_ji (an edge found in one direction keeps its weight).
   */
  symmetrize?: Symmetrize;
}

function args(X: unknown, k: unknown, options: unknown) {
  const x = matrixArg('X', X, { minRows: 1 });
  const kk = assertInteger('k', k, 1, MAX_RESULT);
  const o = optionsArg(options);
  const symmetrize = assertOneOf('symmetrize', o.symmetrize ?? 'none', SYMMETRIZE);
  const params: NativeKnnGraphParams = { ...commonParams(o), k: kk, symmetrize };
  const perRow = Math.min(kk, x.rows - 1) * (symmetrize === 'none' ? 1 : 2);
  if (x.rows * perRow > MAX_RESULT)
    throw outOfRange('k', `an integer with X.rows × k${symmetrize === 'none' ? '' : ' × 2'} <= ${MAX_RESULT} (X.rows = ${x.rows})`, kk);
  return { x, params };
}

/** The kNN graph of the rows of X (see KnnGraphOptions for the edge set and weights). */
export async function knnGraph(X: MatrixInput, k: number, options?: KnnGraphOptions): Promise<Csr> {
  const { x, params } = args(X, k, options);
  return callNativeAsync(() => ops().knnGraph(x, params));
}

/** Synchronous twin of knnGraph (blocks the event loop: small inputs only). */
export function knnGraphSync(X: MatrixInput, k: number, options?: KnnGraphOptions): Csr {
  const { x, params } = args(X, k, options);
  return callNative(() => ops().knnGraphSync(x, params));
}
