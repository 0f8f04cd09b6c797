// topk(): exact parity with the float64 reference (ip, l2 on exact-arithmetic data; cosine
// within a tolerance) on random shapes, planted ties, k = 1, k >= n, excludeSelf, zero
// rows, tile boundaries and the segmented path, for every GEMM variant; results are
// bitwise identical across thread counts and between sync and async.
import { describe, expect, it } from 'vitest';
import { topk, topkSync } from '../src/index.js';
import type { Metric } from '../src/ops/types.js';
import { rng } from './helpers.js';
import {
  duplicateRow,
  dyadicMatrix,
  expectTopkClose,
  expectTopkExact,
  gemmVariants,
  refTopk,
  uniformMatrix,
  withGemm,
  withTiles,
  zeroRow,
} from './helpers-ops.js';

/** Cosine goes through normalised float32 rows: agreement within this is expected. */
const COSINE_TOL = 3e-6;

describe('topk', () => {
  const variants = gemmVariants();

  for (const v of variants) {
    it(`is exact for ip and l2 on random shapes with ties (${v.name})`, async () => {
      const r = rng(7);
      await withGemm(v, async () => {
        for (let t = 0; t < 10; t++) {
          const nq = 1 + Math.floor(r() * 60);
          const excludeSelf = t % 3 === 0;
          const nb = excludeSelf ? nq : 1 + Math.floor(r() * 150);
          const d = 1 + 2 * Math.floor(r() * 30);
          const k = [1, 2, 5, 16, nb, nb + 3][t % 6];
          const Q = dyadicMatrix(nq, d, 300 + t);
          const B = excludeSelf ? Q : dyadicMatrix(nb, d, 400 + t);
          if (nb > 4) duplicateRow(B, 1, nb - 1);
          for (const metric of ['ip', 'l2'] as Metric[]) {
            const want = refTopk(Q, B, k, metric, excludeSelf);
            expectTopkExact(topkSync(Q, B, k, { metric, excludeSelf, threads: 1 + (t % 3) }), want, `t=${t} ${metric}`);
          }
        }
      });
    });

    it(`is exact across tile boundaries and the segmented path (${v.name})`, async () => {
      await withGemm(v, () =>
        withTiles(8, 24, async () => {
          for (const [nq, nb, d, k] of [
            [8, 24, 5, 3],
            [9, 25, 7, 24],
            [17, 71, 13, 1],
            [2, 200, 9, 10], // one query tile: B is split into segments across threads
            [1, 97, 3, 97],
            [31, 31, 11, 40],
          ]) {
            const Q = dyadicMatrix(nq, d, nq * 1000 + nb);
            const B = dyadicMatrix(nb, d, nb * 1000 + nq);
            duplicateRow(B, 0, nb - 1);
            for (const metric of ['ip', 'l2'] as Metric[]) {
              const want = refTopk(Q, B, k, metric);
              for (const threads of [1, 3, 4]) expectTopkExact(topkSync(Q, B, k, { metric, threads }), want, `${nq}x${nb} ${metric} t${threads}`);
              expectTopkExact(await topk(Q, B, k, { metric, threads: 4 }), want, `${nq}x${nb} ${metric} async`);
            }
            if (nq === nb) {
              const want = refTopk(Q, Q, k, 'l2', true);
              expectTopkExact(topkSync(Q, Q, k, { metric: 'l2', excludeSelf: true, threads: 3 }), want, 'excludeSelf');
            }
          }
        }),
      );
    });

    it(`matches the reference for cosine, including zero rows and duplicate rows (${v.name})`, async () => {
      await withGemm(v, () => {
        const Q = zeroRow(uniformMatrix(45, 31, 70), 4);
        const B = zeroRow(duplicateRow(uniformMatrix(130, 31, 71), 2, 120), 7);
        const want = refTopk(Q, B, 12, 'cosine');
        const got = topkSync(Q, B, 12, { metric: 'cosine' });
        expectTopkClose(got, Q, B, want, 'cosine', COSINE_TOL);
        // The zero query row ties every candidate at 0: the lowest indices win.
        expect(Array.from(got.indices.subarray(4 * 12, 5 * 12))).toEqual([...Array(12).keys()]);
        expect(Array.from(got.scores.subarray(4 * 12, 5 * 12))).toEqual(Array(12).fill(0));
        // The duplicated base rows 2 and 120 tie exactly; 2 comes first whenever both appear.
        for (let i = 0; i < 45; i++) {
          const row = Array.from(got.indices.subarray(i * 12, (i + 1) * 12));
          const a = row.indexOf(2);
          const b = row.indexOf(120);
          if (b >= 0) {
            expect(a).toBeGreaterThanOrEqual(0);
            expect(b).toBe(a + 1);
            expect(got.scores[i * 12 + a]).toBe(got.scores[i * 12 + b]);
          }
        }
      });
    });
  }

  it('clamps k to the candidates and reports it', async () => {
    const X = dyadicMatrix(6, 4, 1);
    expect(topkSync(X, X, 10).k).toBe(6);
    expect(topkSync(X, X, 10).indices.length).toBe(36);
    const ex = topkSync(X, X, 10, { excludeSelf: true, metric: 'ip' });
    expect(ex.k).toBe(5);
    expectTopkExact(ex, refTopk(X, X, 10, 'ip', true));
    const one = { data: new Float32Array([1, 2]), rows: 1, cols: 2 };
    const none = await topk(one, one, 3, { excludeSelf: true });
    expect(none).toEqual({ indices: new Int32Array(0), scores: new Float32Array(0), k: 0, nq: 1 });
  });

  it('returns an empty result for no queries', () => {
    const Q = { data: new Float32Array(0), rows: 0, cols: 3 };
    const got = topkSync(Q, dyadicMatrix(4, 3, 2), 2);
    expect(got).toEqual({ indices: new Int32Array(0), scores: new Float32Array(0), k: 2, nq: 0 });
  });

  it('orders ip/cosine descending and l2 ascending, defaulting to cosine', () => {
    const Q = { data: new Float32Array([1, 0]), rows: 1, cols: 2 };
    const B = { data: new Float32Array([2, 0, 0, 1, -1, 0, 1, 1]), rows: 4, cols: 2 };
    const cos = topkSync(Q, B, 4);
    expect(Array.from(cos.indices)).toEqual([0, 3, 1, 2]);
    expect(cos.scores[0]).toBeCloseTo(1, 6);
    expect(cos.scores[1]).toBeCloseTo(Math.SQRT1_2, 6);
    const ip = topkSync(Q, B, 4, { metric: 'ip' });
    expect(Array.from(ip.indices)).toEqual([0, 3, 1, 2]);
    expect(Array.from(ip.scores)).toEqual([2, 1, 0, -1]);
    const l2 = topkSync(Q, B, 4, { metric: 'l2' });
    expect(Array.from(l2.indices)).toEqual([0, 3, 1, 2]);
    expect(Array.from(l2.scores)).toEqual([1, 1, 2, 4]);
  });

  it('is bitwise identical across thread counts and between sync and async', async () => {
    const Q = uniformMatrix(700, 48, 90);
    const B = uniformMatrix(1500, 48, 91);
    for (const metric of ['ip', 'cosine', 'l2'] as Metric[]) {
      const base = topkSync(Q, B, 16, { metric, threads: 1 });
      for (const threads of [2, 3, 7]) expect(topkSync(Q, B, 16, { metric, threads })).toEqual(base);
      expect(await topk(Q, B, 16, { metric, threads: 2 })).toEqual(base);
      // A handful of queries spreads B over the threads instead; still identical.
      const few = { data: Q.data.subarray(0, 3 * 48), rows: 3, cols: 48 };
      const fewBase = topkSync(few, B, 16, { metric, threads: 1 });
      expect(topkSync(few, B, 16, { metric, threads: 4 })).toEqual(fewBase);
      expect(Array.from(fewBase.indices)).toEqual(Array.from(base.indices.subarray(0, 48)));
    }
  });

  it('keeps working when the caller detaches the input while the call runs', async () => {
    const X = uniformMatrix(400, 32, 5);
    const want = topkSync(X, X, 8, { metric: 'l2', excludeSelf: true });
    const pending = topk(X, X, 8, { metric: 'l2', excludeSelf: true });
    structuredClone(X.data, { transfer: [X.data.buffer as ArrayBuffer] });
    expect(X.data.length).toBe(0);
    expect(await pending).toEqual(want);
  });
});
