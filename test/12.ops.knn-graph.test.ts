// knnGraph(): CSR equal to the reference built from the reference top-k (exact data),
// for 'none' / 'max' / 'sum', every GEMM variant and thread count; CSR invariants; the
// symmetrisation rules on a hand-checked example; k >= n and n = 1.
import { describe, expect, it } from 'vitest';
import { knnGraph, knnGraphSync, topkSync } from '../src/index.js';
import type { Metric } from '../src/ops/types.js';
import { dyadicMatrix, expectCsrShape, gemmVariants, refCsr, refTopk, uniformMatrix, withGemm } from './helpers-ops.js';

const SYM = ['none', 'max', 'sum'] as const;

describe('knnGraph', () => {
  for (const v of gemmVariants()) {
    it(`equals the reference graph on exact-arithmetic data (${v.name})`, async () => {
      await withGemm(v, () => {
        for (const [n, d, k] of [
          [1, 3, 4],
          [2, 5, 1],
          [37, 9, 5],
          [120, 17, 16],
          [20, 3, 30],
        ]) {
          const X = dyadicMatrix(n, d, n * 31 + d);
          for (const metric of ['ip', 'l2'] as Metric[]) {
            const want = refTopk(X, X, k, metric, true);
            for (const symmetrize of SYM) {
              const g = knnGraphSync(X, k, { metric, symmetrize, threads: 1 + (n % 3) });
              expectCsrShape(g);
              expect(g).toEqual(refCsr(n, want.k, want.indices, Float32Array.from(want.scores), symmetrize));
            }
          }
        }
      });
    });
  }

  it('builds the cosine graph from the cosine top-k', async () => {
    const X = uniformMatrix(150, 24, 4);
    const t = topkSync(X, X, 10, { metric: 'cosine', excludeSelf: true });
    for (const symmetrize of SYM) {
      const g = await knnGraph(X, 10, { symmetrize });
      expectCsrShape(g);
      expect(g).toEqual(refCsr(150, 10, t.indices, t.scores, symmetrize));
    }
  });

  it('symmetrises by max and by sum as documented', () => {
    // ip on 4 points; directed 2-NN lists (ties to the lower index):
    // 0 → {2:1, 1:0}   1 → {2:1, 0:0}   2 → {0:1, 1:1}   3 → {1:0, 0:-1}
    const X = { data: new Float32Array([1, 0, 0, 1, 1, 1, -1, 0]), rows: 4, cols: 2 };
    const none = knnGraphSync(X, 2, { metric: 'ip' });
    expect(Array.from(none.rowPtr)).toEqual([0, 2, 4, 6, 8]);
    expect(Array.from(none.colIdx)).toEqual([1, 2, 0, 2, 0, 1, 0, 1]);
    expect(Array.from(none.weights)).toEqual([0, 1, 0, 1, 1, 1, -1, 0]);
    const sum = knnGraphSync(X, 2, { metric: 'ip', symmetrize: 'sum' });
    expect(Array.from(sum.rowPtr)).toEqual([0, 3, 6, 8, 10]);
    expect(Array.from(sum.colIdx)).toEqual([1, 2, 3, 0, 2, 3, 0, 1, 0, 1]);
    // 0–2 found from both ends: 1 + 1; 0–3 only from 3: keeps -1.
    expect(Array.from(sum.weights)).toEqual([0, 2, -1, 0, 2, 0, 2, 2, -1, 0]);
    const max = knnGraphSync(X, 2, { metric: 'ip', symmetrize: 'max' });
    expect(Array.from(max.colIdx)).toEqual(Array.from(sum.colIdx));
    expect(Array.from(max.weights)).toEqual([0, 1, -1, 0, 1, 0, 1, 1, -1, 0]);
  });

  it('is symmetric for max and sum, and complete when k >= n - 1', () => {
    const X = uniformMatrix(60, 12, 9);
    for (const symmetrize of ['max', 'sum'] as const) {
      const g = knnGraphSync(X, 7, { metric: 'l2', symmetrize });
      const w = new Map<string, number>();
      for (let i = 0; i < g.n; i++) for (let p = g.rowPtr[i]; p < g.rowPtr[i + 1]; p++) w.set(`${i},${g.colIdx[p]}`, g.weights[p]);
      for (const [key, val] of w) {
        const [i, j] = key.split(',');
        expect(w.get(`${j},${i}`)).toBe(val);
      }
    }
    const full = knnGraphSync(uniformMatrix(9, 4, 2), 100, { symmetrize: 'max' });
    expectCsrShape(full);
    expect(full.rowPtr[9]).toBe(9 * 8);
  });

  it('is bitwise identical across thread counts and between sync and async', async () => {
    const X = uniformMatrix(900, 40, 13);
    for (const symmetrize of SYM) {
      const base = knnGraphSync(X, 12, { symmetrize, threads: 1 });
      for (const threads of [2, 5]) expect(knnGraphSync(X, 12, { symmetrize, threads })).toEqual(base);
      expect(await knnGraph(X, 12, { symmetrize, threads: 3 })).toEqual(base);
    }
  });

  it('gives a single node no edges', () => {
    const g = knnGraphSync({ data: new Float32Array([0.5, 1]), rows: 1, cols: 2 }, 3, { symmetrize: 'sum' });
    expect(g).toEqual({ n: 1, rowPtr: new Int32Array([0, 0]), colIdx: new Int32Array(0), weights: new Float32Array(0) });
  });
});
