// topk(Q, B, k): exact k nearest base rows for every query row, fused GEMM + selection
// (native/kernels/topk.cc, CUDA twin native/cuda/topk.cu). Validates here.

import { callNative, callNativeAsync } from '../errors.js';
import { assertBoolean, assertInteger, outOfRange } from '../validate.js';
import { ops, type NativeTopkParams } from './binding.js';
import { commonParams, MAX_RESULT, matrixArg, optionsArg, type MatrixInput } from './options.js';
import type { Metric, OpOptions, TopkResult } from './types.js';

/** Options of topk (mirrors TopkParams in native/kernels/topk.h; k is the positional argument). */
export interface TopkOptions extends OpOptions {
  /** 'cosine' (default), 'ip' or 'l2' (squared Euclidean distance, ascending). */
  metric?: Metric;
  /** Q and B are the same rows (needs Q.rows === B.rows): row i never returns index i (default false). */
  excludeSelf?: boolean;
}

function args(Q: unknown, B: unknown, k: unknown, options: unknown) {
  const q = matrixArg('Q', Q, {});
  const b = matrixArg('B', B, { cols: q.cols, minRows: 1 });
  const kk = assertInteger('k', k, 1, MAX_RESULT);
  const o = optionsArg(options);
  const excludeSelf = assertBoolean('excludeSelf', o.excludeSelf ?? false);
  const params: NativeTopkParams = { ...commonParams(o), k: kk, excludeSelf };
  if (excludeSelf && b.rows !== q.rows)
    throw outOfRange('B.rows', `equal to Q.rows = ${q.rows} when excludeSelf is true`, b.rows);
  const returned = Math.min(kk, b.rows - (excludeSelf ? 1 : 0));
  if (q.rows * returned > MAX_RESULT)
    throw outOfRange('k', `an integer with Q.rows × k <= ${MAX_RESULT} (Q.rows = ${q.rows})`, kk);
  return { q, b, params };
}

/**
 * The k best base rows of B for every row of Q: indices [nq × k'] best first (ties: the
 * lower index first) and their scores (similarity, or squared distance for 'l2').
 * k' = min(k, B.rows), or B.rows − 1 with excludeSelf; `result.k` says which.
 */
export async function topk(Q: MatrixInput, B: MatrixInput, k: number, options?: TopkOptions): Promise<TopkResult> {
  const { q, b, params } = args(Q, B, k, options);
  return callNativeAsync(() => ops().topk(q, b, params));
}

/** Synchronous twin of topk (blocks the event loop: small inputs only). */
export function topkSync(Q: MatrixInput, B: MatrixInput, k: number, options?: TopkOptions): TopkResult {
  const { q, b, params } = args(Q, B, k, options);
  return callNative(() => ops().topkSync(q, b, params));
}
