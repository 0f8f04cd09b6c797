// FineRouter's task graph: rank-biased overlap, reweighting, merging tiny communities.
import { describe, expect, it } from 'vitest';
import { globalModelOrder, mergeTinyCommunities, rankings, rbo, renumberBySize, taskGraph } from '../src/routers/finerouter/graph.js';
import type { Csr } from '../src/ops/types.js';

/** RBO straight from the definition: (1−p)/(1−p^M) Σ_d p^{d−1} |A_d ∩ B_d| / d. */
function rboRef(a: number[], b: number[], p: number): number {
  const M = a.length;
  let s = 0;
  for (let d = 1; d <= M; d++) {
    const A = new Set(a.slice(0, d));
    const inter = b.slice(0, d).filter((x) => A.has(x)).length;
    s += p ** (d - 1) * (inter / d);
  }
  return ((1 - p) * s) / (1 - p ** M);
}

function csr(n: number, edges: [number, number, number][]): Csr {
  const rows: [number, number][][] = Array.from({ length: n }, () => []);
  for (const [i, j, w] of edges) {
    rows[i].push([j, w]);
    rows[j].push([i, w]);
  }
  const rowPtr = new Int32Array(n + 1);
  const colIdx: number[] = [];
  const weights: number[] = [];
  rows.forEach((r, i) => {
    r.sort((x, y) => x[0] - y[0]);
    for (const [j, w] of r) {
      colIdx.push(j);
      weights.push(w);
    }
    rowPtr[i + 1] = colIdx.length;
  });
  return { n, rowPtr, colIdx: Int32Array.from(colIdx), weights: Float32Array.from(weights) };
}

describe('FineRouter task graph', () => {
  it('rbo matches the definition and is 1 for identical rankings', () => {
    expect(rbo([0, 1, 2, 3], [0, 1, 2, 3], 4, 0.9)).toBeCloseTo(1, 12);
    // M = 2, reversed: d=1 overlap 0, d=2 overlap 2/2 → (0.1/(1−0.81))·(0 + 0.9·1) = 0.47368…
    expect(rbo([0, 1], [1, 0], 2, 0.9)).toBeCloseTo(0.09 / 0.19, 12);
    for (const [a, b] of [
      [[3, 1, 0, 2, 4], [1, 3, 4, 0, 2]],
      [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0]],
    ])
      expect(rbo(a, b, a.length, 0.8)).toBeCloseTo(rboRef(a, b, 0.8), 12);
  });

  it('ranks by score with ties in the global order', () => {
    const scores = Float32Array.from([1, 0, 1, 0, 0, 1, 1, 1, 0]); // 3 rows × 3 models
    const order = globalModelOrder(scores, 3, 3); // means: m0 2/3, m1 1/3, m2 2/3 → [0, 2, 1]
    expect(Array.from(order)).toEqual([0, 2, 1]);
    expect(Array.from(rankings(scores, 3, 3, order))).toEqual([0, 2, 1, 2, 0, 1, 0, 1, 2]);
  });

  it('reweights edges by agreement and stays symmetric', () => {
    const g = csr(3, [[0, 1, 0.8], [1, 2, 0.5], [0, 2, -0.2]]);
    const scores = Float32Array.from([1, 0, 1, 0, 0, 0]); // rows 0,1 agree fully? row1 = [1,0], row0=[1,0], row2=[0,0]
    const order = Int32Array.from([0, 1]);
    const w = taskGraph(g, scores, 2, order, { agreement: 'l1', beta: 1 });
    // edge 0-1: l1 agreement 1 → 0.8; 1-2: 1 − 1/2 → 0.25; 0-2: negative cosine → 0
    expect(Array.from(w.weights)).toEqual([0.8, 0, 0.8, 0.25, 0, 0.25].map((x) => Math.fround(x)));
    const none = taskGraph(g, scores, 2, order, { agreement: 'none', beta: 1 });
    expect(Array.from(none.weights)).toEqual([0.8, 0, 0.8, 0.5, 0, 0.5].map((x) => Math.fround(x)));
  });

  it('merges tiny communities into the best-linked neighbour and renumbers by size', () => {
    // two triangles 0-1-2 and 3-4-5, node 6 tied to 5 strongly, to 0 weakly
    const g = csr(7, [[0, 1, 1], [1, 2, 1], [0, 2, 1], [3, 4, 1], [4, 5, 1], [3, 5, 1], [6, 5, 0.9], [6, 0, 0.1]]);
    const { labels, T } = mergeTinyCommunities(g, Int32Array.from([0, 0, 0, 1, 1, 1, 2]), 2);
    expect(T).toBe(2);
    expect(Array.from(labels)).toEqual([1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(renumberBySize(Int32Array.from([5, 5, 9, 9, 9, 2])).labels)).toEqual([1, 1, 0, 0, 0, 2]);
  });
});
