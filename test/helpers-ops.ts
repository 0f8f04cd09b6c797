// Test helpers for the native ops: pure-TS references (float64) of similarity, topk and
// knnGraph, exact-arithmetic test data, GEMM variant switching, and tolerance checks.
import { expect } from 'vitest';
import { ops, type GemmIsa } from '../src/ops/binding.js';
import type { Csr, Metric, TopkResult } from '../src/ops/types.js';
import type { Matrix } from '../src/validate.js';
import { rng } from './helpers.js';

/**
 * Values k/8 with k in [-4, 4]: every product and every sum of fewer than ~2^16 of them
 * is exact in float32, so ip and l2 come out bit-exact whatever the GEMM's summation
 * order, and ties are plentiful.
 */
export function dyadicMatrix(rows: number, cols: number, seed: number): Matrix {
  const r = rng(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (Math.floor(r() * 9) - 4) / 8;
  return { data, rows, cols };
}

/** Uniform values in [-1, 1). */
export function uniformMatrix(rows: number, cols: number, seed: number): Matrix {
  const r = rng(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return { data, rows, cols };
}

/** Copies row `from` over row `to` (planted exact ties) and returns the matrix. */
export function duplicateRow(m: Matrix, from: number, to: number): Matrix {
  m.data.copyWithin(to * m.cols, from * m.cols, (from + 1) * m.cols);
  return m;
}

export function zeroRow(m: Matrix, row: number): Matrix {
  m.data.fill(0, row * m.cols, (row + 1) * m.cols);
  return m;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[ao + j] * b[bo + j];
  return s;
}

/** Reference similarity in float64 (the definitions of similarity.h). */
export function refScore(Q: Matrix, i: number, B: Matrix, j: number, metric: Metric): number {
  const d = Q.cols;
  const qo = i * d;
  const bo = j * d;
  if (metric === 'ip') return dot(Q.data, qo, B.data, bo, d);
  if (metric === 'l2') {
    let s = 0;
    for (let u = 0; u < d; u++) {
      const t = Q.data[qo + u] - B.data[bo + u];
      s += t * t;
    }
    return s;
  }
  const nq = Math.sqrt(dot(Q.data, qo, Q.data, qo, d));
  const nb = Math.sqrt(dot(B.data, bo, B.data, bo, d));
  return nq === 0 || nb === 0 ? 0 : dot(Q.data, qo, B.data, bo, d) / (nq * nb);
}

export function refSimilarity(Q: Matrix, B: Matrix, metric: Metric): Float64Array {
  const out = new Float64Array(Q.rows * B.rows);
  for (let i = 0; i < Q.rows; i++) for (let j = 0; j < B.rows; j++) out[i * B.rows + j] = refScore(Q, i, B, j, metric);
  return out;
}

export interface RefTopk {
  indices: Int32Array;
  scores: Float64Array;
  k: number;
}

/** Reference top-k: full sort by (score best-first, index asc). */
export function refTopk(Q: Matrix, B: Matrix, k: number, metric: Metric, excludeSelf = false): RefTopk {
  const kk = Math.max(0, Math.min(k, B.rows - (excludeSelf ? 1 : 0)));
  const indices = new Int32Array(Q.rows * kk);
  const scores = new Float64Array(Q.rows * kk);
  const asc = metric === 'l2';
  for (let i = 0; i < Q.rows; i++) {
    const cand: [number, number][] = [];
    for (let j = 0; j < B.rows; j++) if (!(excludeSelf && j === i)) cand.push([refScore(Q, i, B, j, metric), j]);
    cand.sort((a, b) => (a[0] !== b[0] ? (asc ? a[0] - b[0] : b[0] - a[0]) : a[1] - b[1]));
    for (let r = 0; r < kk; r++) {
      indices[i * kk + r] = cand[r][1];
      scores[i * kk + r] = cand[r][0];
    }
  }
  return { indices, scores, k: kk };
}

/** Reference CSR from directed neighbour lists (rows sorted by column; 'max'/'sum' merge both directions). */
export function refCsr(n: number, k: number, idx: Int32Array, w: ArrayLike<number>, symmetrize: 'none' | 'max' | 'sum'): Csr {
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      const c = idx[i * k + j];
      const v = w[i * k + j];
      rows[i].set(c, v);
    }
  if (symmetrize !== 'none') {
    const sym: Map<number, number>[] = Array.from({ length: n }, () => new Map());
    for (let i = 0; i < n; i++)
      for (const [c, v] of rows[i]) {
        for (const [a, b] of [
          [i, c],
          [c, i],
        ]) {
          const prev = sym[a].get(b);
          sym[a].set(b, prev === undefined ? v : symmetrize === 'max' ? Math.max(prev, v) : Math.fround(prev + v));
        }
      }
    rows.splice(0, n, ...sym);
  }
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const ws: number[] = [];
  for (let i = 0; i < n; i++) {
    const entries = [...rows[i].entries()].sort((a, b) => a[0] - b[0]);
    for (const [c, v] of entries) {
      cols.push(c);
      ws.push(v);
    }
    rowPtr[i + 1] = cols.length;
  }
  return { n, rowPtr, colIdx: Int32Array.from(cols), weights: Float32Array.from(ws) };
}

/** A GEMM configuration: OpenBLAS, or the built-in kernel on one ISA. */
export interface GemmVariant {
  name: string;
  backend: 'openblas' | 'builtin';
  isa?: GemmIsa;
}

/** Every GEMM variant this build and CPU can run (OpenBLAS when linked; each built-in ISA). */
export function gemmVariants(): GemmVariant[] {
  const b = ops();
  const out: GemmVariant[] = [];
  if (b.info().blas === 'openblas') out.push({ name: 'openblas', backend: 'openblas' });
  const before = b.gemmIsa();
  for (const isa of ['avx512', 'avx2', 'portable'] as GemmIsa[]) {
    try {
      b.gemmIsa(isa);
      out.push({ name: `builtin/${isa}`, backend: 'builtin', isa });
    } catch {
      // this CPU cannot run that variant
    }
  }
  b.gemmIsa(before);
  return out;
}

/** Runs fn with a GEMM variant selected, restoring the previous one afterwards. */
export async function withGemm<T>(v: GemmVariant, fn: () => T | Promise<T>): Promise<T> {
  const b = ops();
  const prevBackend = b.info().gemm;
  const prevIsa = b.gemmIsa();
  b.setGemmBackend(v.backend);
  if (v.isa) b.gemmIsa(v.isa);
  try {
    return await fn();
  } finally {
    b.setGemmBackend(prevBackend);
    b.gemmIsa(prevIsa);
  }
}

/** Runs fn with small top-k tiles so that tile boundaries fall inside small inputs. */
export async function withTiles<T>(query: number, base: number, fn: () => T | Promise<T>): Promise<T> {
  const b = ops();
  b.topkTiles(query, base);
  try {
    return await fn();
  } finally {
    b.topkTiles(0, 0);
  }
}

/** Exact parity: same k, same indices, scores equal to the float32-rounded reference. */
export function expectTopkExact(got: TopkResult, want: RefTopk, label = ''): void {
  expect(got.k, `${label} k`).toBe(want.k);
  expect(got.indices, `${label} indices`).toEqual(want.indices);
  expect(got.scores, `${label} scores`).toEqual(Float32Array.from(want.scores));
}

/**
 * Parity within a tolerance, for inexact metrics (cosine) or other devices: position by
 * position the scores agree within tol; every returned index's true score agrees with the
 * score reported for it; and wherever the reference has a clear gap (> 2·tol) on both
 * sides of a position, the index is exactly the reference's.
 */
export function expectTopkClose(got: TopkResult, Q: Matrix, B: Matrix, want: RefTopk, metric: Metric, tol: number, excludeSelf = false): void {
  expect(got.k).toBe(want.k);
  const k = want.k;
  for (let i = 0; i < Q.rows; i++) {
    const seen = new Set<number>();
    for (let r = 0; r < k; r++) {
      const p = i * k + r;
      const j = got.indices[p];
      expect(j >= 0 && j < B.rows, `row ${i} index ${j} in range`).toBe(true);
      expect(seen.has(j), `row ${i} index ${j} repeated`).toBe(false);
      seen.add(j);
      if (excludeSelf) expect(j, `row ${i} returned itself`).not.toBe(i);
      expect(Math.abs(got.scores[p] - want.scores[p]), `row ${i} rank ${r} score`).toBeLessThanOrEqual(tol);
      expect(Math.abs(got.scores[p] - refScore(Q, i, B, j, metric)), `row ${i} rank ${r} score of index ${j}`).toBeLessThanOrEqual(tol);
      const prevGap = r === 0 ? Infinity : Math.abs(want.scores[p - 1] - want.scores[p]);
      const nextGap = r === k - 1 ? Infinity : Math.abs(want.scores[p] - want.scores[p + 1]);
      if (prevGap > 2 * tol && nextGap > 2 * tol && r < k - 1) expect(j, `row ${i} rank ${r}`).toBe(want.indices[p]);
    }
  }
}

/** CSR invariants: offsets, ranges, no self loops, columns strictly increasing per row. */
export function expectCsrShape(g: Csr): void {
  expect(g.rowPtr.length).toBe(g.n + 1);
  expect(g.rowPtr[0]).toBe(0);
  expect(g.colIdx.length).toBe(g.rowPtr[g.n]);
  expect(g.weights.length).toBe(g.colIdx.length);
  for (let i = 0; i < g.n; i++) {
    expect(g.rowPtr[i + 1]).toBeGreaterThanOrEqual(g.rowPtr[i]);
    for (let p = g.rowPtr[i]; p < g.rowPtr[i + 1]; p++) {
      const c = g.colIdx[p];
      expect(c >= 0 && c < g.n && c !== i, `row ${i} column ${c}`).toBe(true);
      if (p > g.rowPtr[i]) expect(c).toBeGreaterThan(g.colIdx[p - 1]);
    }
  }
}
