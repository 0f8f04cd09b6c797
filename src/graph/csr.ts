// Graph helpers: building a CSR from an edge list, and the checks every graph op runs
// on a Csr before it reaches native code (shape, finite non-negative weights, symmetry).

import type { Csr } from '../ops/types.js';
import { assertBoolean, assertInteger, assertObject, invalidParameter, outOfRange } from '../validate.js';

/** Most nodes a Csr may have (rowPtr is an Int32Array of n + 1 elements). */
export const MAX_NODES = 2 ** 31 - 2;
/** Most stored entries a Csr may have. */
export const MAX_ENTRIES = 2 ** 31 - 1;

/** An edge list as structure of arrays: edge e joins src[e] and dst[e] with weight w[e] (default 1). */
export interface EdgeArrays {
  src: Int32Array | ArrayLike<number>;
  dst: Int32Array | ArrayLike<number>;
  w?: Float32Array | Float64Array | ArrayLike<number>;
}

/** An edge as [i, j] (weight 1) or [i, j, w]. */
export type EdgeTuple = readonly [number, number] | readonly [number, number, number];

export interface CsrFromEdgesOptions {
  /**
   * true (default): each edge is undirected and is stored both ways (A_ij = A_ji = w);
   * a self loop {i, i} of weight w becomes A_ii = 2w, so it adds 2w to the degree of i
   * as in igraph and networkx. false: each edge is the single directed entry A_ij.
   * Either way, repeated entries for the same (i, j) are summed.
   */
  symmetrize?: boolean;
}

function isArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * Builds a Csr (rows sorted by column, one entry per pair) from an edge list.
 * Endpoints must be integers in [0, n); weights finite, >= 0 and representable in float32.
 */
export function csrFromEdges(n: number, edges: readonly EdgeTuple[] | EdgeArrays, o: CsrFromEdgesOptions = {}): Csr {
  assertInteger('n', n, 0, MAX_NODES);
  const opts = assertObject('options', o);
  const symmetrize = opts.symmetrize === undefined ? true : assertBoolean('options.symmetrize', opts.symmetrize);

  let m: number;
  let src: ArrayLike<number>;
  let dst: ArrayLike<number>;
  let wt: ArrayLike<number> | undefined;
  if (Array.isArray(edges)) {
    m = edges.length;
    const s = new Float64Array(m);
    const d = new Float64Array(m);
    const w = new Float64Array(m);
    for (let e = 0; e < m; e++) {
      const t = edges[e] as unknown;
      if (!Array.isArray(t) || (t.length !== 2 && t.length !== 3))
        throw invalidParameter(`edges[${e}]`, 'an [i, j] or [i, j, w] array', t);
      for (const k of [0, 1]) if (typeof t[k] !== 'number') throw invalidParameter(`edges[${e}][${k}]`, 'an integer', t[k]);
      if (t.length === 3 && typeof t[2] !== 'number') throw invalidParameter(`edges[${e}][2]`, 'a number', t[2]);
      s[e] = t[0];
      d[e] = t[1];
      w[e] = t.length === 3 ? t[2] : 1;
    }
    src = s;
    dst = d;
    wt = w;
  } else {
    const a = assertObject('edges', edges);
    if (!isArrayLike(a.src)) throw invalidParameter('edges.src', 'an array or typed array', a.src);
    if (!isArrayLike(a.dst)) throw invalidParameter('edges.dst', 'an array or typed array', a.dst);
    m = a.src.length;
    if (a.dst.length !== m) throw outOfRange('edges.dst.length', `edges.src.length = ${m}`, a.dst.length);
    if (a.w !== undefined) {
      if (!isArrayLike(a.w)) throw invalidParameter('edges.w', 'an array or typed array', a.w);
      if (a.w.length !== m) throw outOfRange('edges.w.length', `edges.src.length = ${m}`, a.w.length);
      wt = a.w;
    }
    src = a.src;
    dst = a.dst;
  }

  const name = (e: number, part: 'src' | 'dst' | 'w') =>
    Array.isArray(edges) ? `edges[${e}][${part === 'src' ? 0 : part === 'dst' ? 1 : 2}]` : `edges.${part}[${e}]`;
  const counts = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const i = src[e];
    const j = dst[e];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw outOfRange(name(e, 'src'), `a node index in [0, ${n - 1}]`, i);
    if (!Number.isInteger(j) || j < 0 || j >= n) throw outOfRange(name(e, 'dst'), `a node index in [0, ${n - 1}]`, j);
    if (wt) {
      const w = wt[e];
      if (typeof w !== 'number') throw invalidParameter(name(e, 'w'), 'a number', w);
      if (!Number.isFinite(w) || w < 0 || !Number.isFinite(Math.fround(w)))
        throw outOfRange(name(e, 'w'), 'a finite number >= 0 (in float32 range)', w);
    }
    counts[i + 1]++;
    if (symmetrize && i !== j) counts[j + 1]++;
  }
  for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
  const total = counts[n];
  if (total > MAX_ENTRIES) throw outOfRange('edges', `at most ${MAX_ENTRIES} stored entries`, total);

  // Scatter in edge order, so both halves of an undirected pair collect their
  // contributions in the same order and sum to the same float.
  const col = new Int32Array(total);
  const val = new Float64Array(total);
  const cursor = counts.slice(0, n);
  for (let e = 0; e < m; e++) {
    const i = src[e];
    const j = dst[e];
    const w = wt ? wt[e] : 1;
    if (symmetrize && i === j) {
      col[cursor[i]] = i;
      val[cursor[i]++] = 2 * w;
    } else {
      col[cursor[i]] = j;
      val[cursor[i]++] = w;
      if (symmetrize) {
        col[cursor[j]] = i;
        val[cursor[j]++] = w;
      }
    }
  }

  // Sort each row by column (stable) and merge repeated pairs.
  const rowPtr = new Int32Array(n + 1);
  const outCol = new Int32Array(total);
  const outW = new Float32Array(total);
  let nnz = 0;
  let maxRow = 0;
  for (let i = 0; i < n; i++) maxRow = Math.max(maxRow, counts[i + 1] - counts[i]);
  const idx = new Int32Array(maxRow);
  for (let i = 0; i < n; i++) {
    const b = counts[i];
    const len = counts[i + 1] - b;
    if (len > 64) {
      // Stable library sort for long rows; insertion sort (stable too) for the usual short ones.
      const sorted = Array.from({ length: len }, (_, t) => b + t).sort((x, y) => col[x] - col[y] || x - y);
      idx.set(sorted);
    } else {
      for (let k = 0; k < len; k++) {
        const p = b + k;
        const c = col[p];
        let q = k - 1;
        while (q >= 0 && col[idx[q]] > c) {
          idx[q + 1] = idx[q];
          q--;
        }
        idx[q + 1] = p;
      }
    }
    let k = 0;
    while (k < len) {
      const c = col[idx[k]];
      let s = 0;
      while (k < len && col[idx[k]] === c) s += val[idx[k++]];
      const f = Math.fround(s);
      if (!Number.isFinite(f)) throw outOfRange('edges', 'weights whose sum for each pair is in float32 range', `the pair (${i}, ${c})`);
      outCol[nnz] = c;
      outW[nnz++] = f;
    }
    rowPtr[i + 1] = nnz;
  }
  return { n, rowPtr, colIdx: nnz === total ? outCol : outCol.slice(0, nnz), weights: nnz === total ? outW : outW.slice(0, nnz) };
}

export interface CsrCheck {
  /** Require A_ij = A_ji for every stored entry, one entry per pair (default true). */
  symmetric?: boolean;
}

/**
 * Validates a Csr: n, array types and lengths, rowPtr[0] = 0 and non-decreasing,
 * rowPtr[n] = colIdx.length = weights.length, colIdx in [0, n), weights finite and >= 0,
 * and (by default) symmetry. Throws TypeError/RangeError naming what is wrong.
 */
export function assertCsr(name: string, g: unknown, check: CsrCheck = {}): Csr {
  const o = assertObject(name, g);
  const n = assertInteger(`${name}.n`, o.n, 0, MAX_NODES);
  if (!(o.rowPtr instanceof Int32Array)) throw invalidParameter(`${name}.rowPtr`, 'an Int32Array', o.rowPtr);
  if (!(o.colIdx instanceof Int32Array)) throw invalidParameter(`${name}.colIdx`, 'an Int32Array', o.colIdx);
  if (!(o.weights instanceof Float32Array)) throw invalidParameter(`${name}.weights`, 'a Float32Array', o.weights);
  const rowPtr = o.rowPtr;
  const colIdx = o.colIdx;
  const weights = o.weights;
  for (const [k, a] of [['rowPtr', rowPtr], ['colIdx', colIdx], ['weights', weights]] as const)
    if (a.length === 0 && a.buffer.byteLength === 0 && (k === 'rowPtr' || rowPtr[n] > 0))
      throw invalidParameter(`${name}.${k}`, `an attached ${a.constructor.name}`, 'a detached buffer');
  if (rowPtr.length !== n + 1) throw outOfRange(`${name}.rowPtr.length`, `${name}.n + 1 = ${n + 1}`, rowPtr.length);
  if (rowPtr[0] !== 0) throw outOfRange(`${name}.rowPtr[0]`, '0', rowPtr[0]);
  for (let i = 0; i < n; i++)
    if (rowPtr[i + 1] < rowPtr[i])
      throw new RangeError(
        `Expected "${name}.rowPtr" to be non-decreasing, received ${name}.rowPtr[${i + 1}] = ${rowPtr[i + 1]} after ${name}.rowPtr[${i}] = ${rowPtr[i]}`,
      );
  const nnz = rowPtr[n];
  if (colIdx.length !== nnz) throw outOfRange(`${name}.colIdx.length`, `${name}.rowPtr[n] = ${nnz}`, colIdx.length);
  if (weights.length !== nnz) throw outOfRange(`${name}.weights.length`, `${name}.rowPtr[n] = ${nnz}`, weights.length);
  for (let p = 0; p < nnz; p++) {
    const c = colIdx[p];
    if (c < 0 || c >= n) throw outOfRange(`${name}.colIdx[${p}]`, `a node index in [0, ${n - 1}]`, c);
    const w = weights[p];
    if (!(w >= 0) || w === Infinity) throw outOfRange(`${name}.weights[${p}]`, 'a finite number >= 0', w);
  }
  const csr: Csr = { n, rowPtr, colIdx, weights };
  if (check.symmetric !== false) assertSymmetric(name, csr);
  return csr;
}

/**
 * Checks that g is an undirected graph stored both ways: for every entry (i, j, w) there
 * is exactly one entry (j, i) with the same weight, and no pair is stored twice.
 * O(nnz) with one transpose (counting sort) and a scratch array of n.
 */
export function assertSymmetric(name: string, g: Csr): void {
  const { n, rowPtr, colIdx, weights } = g;
  const nnz = rowPtr[n];
  // Transpose: tRow i lists (j, A_ji) for every stored A_ji, in increasing j.
  const tPtr = new Int32Array(n + 1);
  for (let p = 0; p < nnz; p++) tPtr[colIdx[p] + 1]++;
  for (let i = 0; i < n; i++) tPtr[i + 1] += tPtr[i];
  const tCol = new Int32Array(nnz);
  const tW = new Float32Array(nnz);
  const cursor = tPtr.slice(0, n);
  for (let j = 0; j < n; j++)
    for (let p = rowPtr[j]; p < rowPtr[j + 1]; p++) {
      const i = colIdx[p];
      tCol[cursor[i]] = j;
      tW[cursor[i]++] = weights[p];
    }
  // pos[j] while scanning row i: index in tRow i of (j, A_ji); -2 once row i's own (i, j) matched it.
  const pos = new Int32Array(n).fill(-1);
  const wrong = (msg: string) => new RangeError(`Expected "${name}" to be symmetric (an undirected graph stored both ways with equal weights), ${msg}`);
  for (let i = 0; i < n; i++) {
    for (let q = tPtr[i]; q < tPtr[i + 1]; q++) {
      const j = tCol[q];
      if (pos[j] !== -1) {
        throw new RangeError(`Expected "${name}" to store each pair once, received 2 entries for (${j}, ${i}) in row ${j}`);
      }
      pos[j] = q;
    }
    for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) {
      const j = colIdx[p];
      const q = pos[j];
      if (q === -2) throw new RangeError(`Expected "${name}" to store each pair once, received 2 entries for (${i}, ${j}) in row ${i}`);
      if (q === -1) throw wrong(`received the entry (${i}, ${j}) with weight ${weights[p]} but no entry (${j}, ${i})`);
      if (tW[q] !== weights[p]) throw wrong(`received (${i}, ${j}) with weight ${weights[p]} but (${j}, ${i}) with weight ${tW[q]}`);
      pos[j] = -2;
    }
    for (let q = tPtr[i]; q < tPtr[i + 1]; q++) {
      const j = tCol[q];
      if (pos[j] !== -2) {
        // A_ji is stored (at some position of row j) but A_ij is not.
        let at = rowPtr[j];
        while (colIdx[at] !== i) at++;
        throw wrong(`received the entry (${j}, ${i}) with weight ${weights[at]} but no entry (${i}, ${j})`);
      }
      pos[j] = -1;
    }
  }
}
