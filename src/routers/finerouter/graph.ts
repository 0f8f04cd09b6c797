// FineRouter stage 1, the task graph: kNN edges of the training embeddings reweighted by
// how much the two prompts agree on which models are best, then clustered by Leiden.
//
// Edge weight w_ij = max(0, cos_ij) · ((1 − β) + β · a_ij), where a_ij ∈ [0, 1] is the
// agreement of the two prompts' model-quality profiles:
//   'rbo'  — rank-biased overlap (Webber et al. 2010, p = 0.9) of the models ranked by
//            score; ties (routing scores are often 0/1) are broken by the models' global
//            mean-score order, so two prompts that the same models solve agree fully;
//   'l1'   — 1 − mean_m |s_im − s_jm| (the documented alternative);
//   'none' — a_ij = 1 (semantic similarity only).
// β and the agreement kind are chosen on validation rows by the FineRouter trainer.

import type { Csr } from '../../ops/types.js';

export type Agreement = 'none' | 'rbo' | 'l1';

/** Models by decreasing mean score (ties: lower index): the tie-break order of rankings. */
export function globalModelOrder(scores: Float32Array, n: number, M: number): Int32Array {
  const mean = new Float64Array(M);
  for (let i = 0; i < n; i++) for (let m = 0; m < M; m++) mean[m] += scores[i * M + m];
  return Int32Array.from(
    Array.from({ length: M }, (_, m) => m).sort((a, b) => mean[b] - mean[a] || a - b),
  );
}

/** Per-row model rankings [n × M]: models by decreasing score, ties in `order`. */
export function rankings(scores: Float32Array, n: number, M: number, order: Int32Array): Int32Array {
  const rank = new Int32Array(M); // position of each model in the global order
  order.forEach((m, i) => (rank[m] = i));
  const out = new Int32Array(n * M);
  const idx = Array.from({ length: M }, (_, m) => m);
  for (let i = 0; i < n; i++) {
    const o = i * M;
    idx.sort((a, b) => scores[o + b] - scores[o + a] || rank[a] - rank[b]);
    for (let j = 0; j < M; j++) out[o + j] = idx[j];
  }
  return out;
}

/**
 * Rank-biased overlap of two full rankings of the same M items, normalised so identical
 * rankings give 1: (1 − p)/(1 − p^M) · Σ_{d=1..M} p^{d−1} · |A_{1:d} ∩ B_{1:d}| / d.
 */
export function rbo(a: ArrayLike<number>, b: ArrayLike<number>, M: number, p = 0.9, seen?: Uint8Array): number {
  const mark = seen ?? new Uint8Array(M);
  mark.fill(0);
  let overlap = 0;
  let sum = 0;
  let w = 1;
  for (let d = 0; d < M; d++) {
    const x = a[d];
    const y = b[d];
    if (x === y) overlap++;
    else {
      if (mark[x] & 2) overlap++;
      if (mark[y] & 1) overlap++;
    }
    mark[x] |= 1;
    mark[y] |= 2;
    sum += (w * overlap) / (d + 1);
    w *= p;
  }
  return ((1 - p) * sum) / (1 - p ** M);
}

export interface TaskGraphOptions {
  agreement: Agreement;
  /** Weight of the agreement term in [0, 1]. */
  beta: number;
  /** RBO persistence (default 0.9). */
  p?: number;
}

/**
 * Reweights a symmetric kNN graph (weights = cosine similarity) by profile agreement.
 * The result is symmetric again because both factors are.
 */
export function taskGraph(knn: Csr, scores: Float32Array, M: number, order: Int32Array, o: TaskGraphOptions): Csr {
  const { n, rowPtr, colIdx } = knn;
  const weights = new Float32Array(colIdx.length);
  const beta = o.agreement === 'none' ? 0 : o.beta;
  const ranks = o.agreement === 'rbo' ? rankings(scores, n, M, order) : undefined;
  const seen = new Uint8Array(M);
  for (let i = 0; i < n; i++) {
    for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) {
      const j = colIdx[e];
      const cos = Math.max(0, knn.weights[e]);
      let a = 1;
      if (beta > 0) {
        if (ranks) a = rbo(ranks.subarray(i * M, i * M + M), ranks.subarray(j * M, j * M + M), M, o.p ?? 0.9, seen);
        else {
          let d = 0;
          for (let m = 0; m < M; m++) d += Math.abs(scores[i * M + m] - scores[j * M + m]);
          a = 1 - d / M;
        }
      }
      weights[e] = cos * (1 - beta + beta * a);
    }
  }
  return { n, rowPtr, colIdx, weights };
}

/**
 * Merges communities smaller than minSize into the neighbouring community they share the
 * most edge weight with (repeatedly, smallest first); a tiny community with no edges to
 * others joins the largest community. Returns labels renumbered 0..T−1 by decreasing size.
 */
export function mergeTinyCommunities(g: Csr, membership: Int32Array, minSize: number): { labels: Int32Array; T: number } {
  const n = g.n;
  const labels = Int32Array.from(membership);
  for (let guard = 0; guard < n + 1; guard++) {
    let C = 0;
    for (let i = 0; i < n; i++) if (labels[i] + 1 > C) C = labels[i] + 1;
    const size = new Int32Array(C);
    for (let i = 0; i < n; i++) size[labels[i]]++;
    let tiny = -1;
    for (let c = 0; c < C; c++) if (size[c] > 0 && size[c] < minSize && (tiny < 0 || size[c] < size[tiny])) tiny = c;
    if (tiny < 0) break;
    let largest = -1;
    for (let c = 0; c < C; c++) if (c !== tiny && size[c] > 0 && (largest < 0 || size[c] > size[largest])) largest = c;
    if (largest < 0) break; // a single community left
    const link = new Float64Array(C);
    for (let i = 0; i < n; i++) {
      if (labels[i] !== tiny) continue;
      for (let e = g.rowPtr[i]; e < g.rowPtr[i + 1]; e++) {
        const c = labels[g.colIdx[e]];
        if (c !== tiny) link[c] += g.weights[e];
      }
    }
    let target = largest;
    for (let c = 0; c < C; c++) if (link[c] > link[target]) target = c;
    for (let i = 0; i < n; i++) if (labels[i] === tiny) labels[i] = target;
  }
  return renumberBySize(labels);
}

/** Renumbers labels 0..T−1 by decreasing size (ties: smallest first member). */
export function renumberBySize(labels: Int32Array): { labels: Int32Array; T: number } {
  const first = new Map<number, number>();
  const size = new Map<number, number>();
  labels.forEach((c, i) => {
    if (!first.has(c)) first.set(c, i);
    size.set(c, (size.get(c) ?? 0) + 1);
  });
  const order = [...size.keys()].sort((a, b) => size.get(b)! - size.get(a)! || first.get(a)! - first.get(b)!);
  const map = new Map(order.map((c, i) => [c, i]));
  return { labels: Int32Array.from(labels, (c) => map.get(c)!), T: order.length };
}
