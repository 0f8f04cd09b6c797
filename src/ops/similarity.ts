// similarity(Q, B): the dense [nq × nb] similarity matrix (small problems; topk never
// materialises it). Validates here, computes in native/kernels/similarity.cc.

import { callNative, callNativeAsync } from '../errors.js';
import { outOfRange } from '../validate.js';
import { ops, type NativeSimilarityParams } from './binding.js';
import { commonParams, MAX_RESULT, matrixArg, optionsArg, type MatrixInput } from './options.js';
import type { Metric, OpOptions } from './types.js';

/** Options of similarity (mirrors SimilarityParams in native/kernels/similarity.h). */
export interface SimilarityOptions extends OpOptions {
  /** 'cosine' (default), 'ip' or 'l2' (squared Euclidean distance). */
  metric?: Metric;
}

function args(Q: unknown, B: unknown, options: unknown) {
  const q = matrixArg('Q', Q, {});
  const b = matrixArg('B', B, { cols: q.cols });
  const o = optionsArg(options);
  const params: NativeSimilarityParams = commonParams(o);
  if (q.rows * b.rows > MAX_RESULT) throw outOfRange('Q.rows × B.rows', `at most ${MAX_RESULT} (the size of the result)`, q.rows * b.rows);
  return { q, b, params };
}

/**
 * S[i·nb + j] = similarity of Q row i and B row j: the inner product ('ip'), the cosine
 * ('cosine'; 0 when either row is zero) or the squared distance ('l2').
 * @returns Float32Array [Q.rows × B.rows], row-major.
 */
export async function similarity(Q: MatrixInput, B: MatrixInput, options?: SimilarityOptions): Promise<Float32Array> {
  const { q, b, params } = args(Q, B, options);
  return callNativeAsync(() => ops().similarity(q, b, params));
}

/** Synchronous twin of similarity (blocks the event loop: small inputs only). */
export function similaritySync(Q: MatrixInput, B: MatrixInput, options?: SimilarityOptions): Float32Array {
  const { q, b, params } = args(Q, B, options);
  return callNative(() => ops().similaritySync(q, b, params));
}
