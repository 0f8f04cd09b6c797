// Randomized truncated SVD of a sparse matrix (native, Halko–Martinsson–Tropp): the
// projection fit of the builtin embedder, exposed for reuse and for tests.

import { callNative, callNativeAsync } from '../errors.js';
import { native } from '../native.js';
import { assertInteger, assertObject, invalidParameter, outOfRange, firstNonFinite } from '../validate.js';

/** A sparse row-major matrix: row i's entries are indices/values[indptr[i], indptr[i+1]). */
export interface SparseMatrix {
  rows: number;
  cols: number;
  /** [rows + 1], indptr[0] = 0, non-decreasing, indptr[rows] = nnz. */
  indptr: Int32Array;
  /** [nnz] column indices in [0, cols). */
  indices: Int32Array;
  /** [nnz] finite values. */
  values: Float32Array;
}

/** Options of randomizedSvd (mirrors tr::svd::RsvdParams). */
export interface RandomizedSvdOptions {
  /** k: singular triplets wanted (default 10), clamped to min(rows, cols). */
  rank?: number;
  /** p: extra sketch columns (default 10). */
  oversample?: number;
  /** q: power iterations, each followed by re-orthonormalisation (default 2). */
  powerIters?: number;
  /** Seed of the Gaussian sketch (default 0). */
  seed?: number;
  /** Threads (default 0: TASKROUTE_THREADS, else every core); the result does not depend on it. */
  threads?: number;
}

export interface RandomizedSvdResult {
  /** Triplets returned: min(rank, rows, cols). */
  k: number;
  /** [k] singular values, descending. */
  s: Float32Array;
  /** [cols × k] right singular vectors as columns; each column's largest-magnitude entry is positive. */
  v: Float32Array;
}

interface SvdBinding {
  randomizedSvd(m: SparseMatrix, o: RandomizedSvdOptions): Promise<RandomizedSvdResult>;
  randomizedSvdSync(m: SparseMatrix, o: RandomizedSvdOptions): RandomizedSvdResult;
}

function check(m: unknown, o: RandomizedSvdOptions): [SparseMatrix, RandomizedSvdOptions] {
  const a = assertObject('matrix', m);
  const rows = assertInteger('matrix.rows', a.rows, 0, 2 ** 31 - 1);
  const cols = assertInteger('matrix.cols', a.cols, 0, 2 ** 31 - 1);
  if (!(a.indptr instanceof Int32Array)) throw invalidParameter('matrix.indptr', 'an Int32Array', a.indptr);
  if (!(a.indices instanceof Int32Array)) throw invalidParameter('matrix.indices', 'an Int32Array', a.indices);
  if (!(a.values instanceof Float32Array)) throw invalidParameter('matrix.values', 'a Float32Array', a.values);
  const { indptr, indices, values } = a as unknown as SparseMatrix;
  if (indptr.length !== rows + 1) throw outOfRange('matrix.indptr.length', `rows + 1 = ${rows + 1}`, indptr.length);
  if (indptr[0] !== 0) throw outOfRange('matrix.indptr[0]', '0', indptr[0]);
  for (let i = 0; i < rows; i++)
    if (indptr[i + 1] < indptr[i]) throw outOfRange(`matrix.indptr[${i + 1}]`, `>= matrix.indptr[${i}] = ${indptr[i]}`, indptr[i + 1]);
  if (indices.length !== indptr[rows]) throw outOfRange('matrix.indices.length', `matrix.indptr[rows] = ${indptr[rows]}`, indices.length);
  if (values.length !== indices.length) throw outOfRange('matrix.values.length', `matrix.indices.length = ${indices.length}`, values.length);
  for (let e = 0; e < indices.length; e++)
    if (indices[e] < 0 || indices[e] >= cols) throw outOfRange(`matrix.indices[${e}]`, `in [0, ${cols})`, indices[e]);
  const bad = firstNonFinite(values);
  if (bad >= 0) throw outOfRange('matrix.values', 'finite values only', `${values[bad]} at index ${bad}`);
  const opts = assertObject('options', o);
  const out: RandomizedSvdOptions = {
    rank: assertInteger('rank', opts.rank ?? 10, 1),
    oversample: assertInteger('oversample', opts.oversample ?? 10, 0, 1000),
    powerIters: assertInteger('powerIters', opts.powerIters ?? 2, 0, 50),
    seed: assertInteger('seed', opts.seed ?? 0, 0),
    threads: assertInteger('threads', opts.threads ?? 0, 0, 1024),
  };
  return [{ rows, cols, indptr, indices, values }, out];
}

/** Top-k singular values and right singular vectors of a sparse matrix. */
export function randomizedSvd(m: SparseMatrix, o: RandomizedSvdOptions = {}): Promise<RandomizedSvdResult> {
  const [a, opts] = check(m, o);
  return callNativeAsync(() => native<SvdBinding>().randomizedSvd(a, opts));
}

/** Synchronous twin of randomizedSvd (blocks the event loop: small matrices only). */
export function randomizedSvdSync(m: SparseMatrix, o: RandomizedSvdOptions = {}): RandomizedSvdResult {
  const [a, opts] = check(m, o);
  return callNative(() => native<SvdBinding>().randomizedSvdSync(a, opts));
}

/** A dense row-major matrix as a SparseMatrix (every entry stored; zeros included). */
export function denseToSparse(data: Float32Array, rows: number, cols: number): SparseMatrix {
  if (data.length !== rows * cols) throw outOfRange('data.length', `rows × cols = ${rows * cols}`, data.length);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    indptr[i + 1] = (i + 1) * cols;
    for (let j = 0; j < cols; j++) indices[i * cols + j] = j;
  }
  return { rows, cols, indptr, indices, values: data };
}
