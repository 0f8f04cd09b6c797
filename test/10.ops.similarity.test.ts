// similarity(): parity with the float64 reference for every metric, GEMM variant and
// thread count; bit-exact on exact-arithmetic data; zero rows; empty inputs; sync = async.
import { describe, expect, it } from 'vitest';
import { similarity, similaritySync } from '../src/index.js';
import type { Metric } from '../src/ops/types.js';
import { rng } from './helpers.js';
import { dyadicMatrix, gemmVariants, refSimilarity, uniformMatrix, withGemm, zeroRow } from './helpers-ops.js';

const METRICS: Metric[] = ['ip', 'cosine', 'l2'];

describe('similarity', () => {
  const variants = gemmVariants();

  it('has at least the built-in GEMM variants to test', () => {
    expect(variants.some((v) => v.backend === 'builtin')).toBe(true);
  });

  for (const v of variants) {
    it(`is exact for ip and l2 on exact-arithmetic data (${v.name})`, async () => {
      const r = rng(101);
      await withGemm(v, () => {
        for (let t = 0; t < 8; t++) {
          const nq = 1 + Math.floor(r() * 70);
          const nb = 1 + Math.floor(r() * 140);
          const d = 1 + 2 * Math.floor(r() * 40); // odd
          const Q = dyadicMatrix(nq, d, 1000 + t);
          const B = dyadicMatrix(nb, d, 2000 + t);
          for (const metric of ['ip', 'l2'] as Metric[]) {
            const got = similaritySync(Q, B, { metric, threads: 1 + (t % 3) });
            expect(got).toEqual(Float32Array.from(refSimilarity(Q, B, metric)));
          }
        }
      });
    });

    it(`matches the reference for cosine within 2e-6, zero rows give 0 (${v.name})`, async () => {
      await withGemm(v, () => {
        const Q = zeroRow(uniformMatrix(37, 29, 5), 3);
        const B = zeroRow(uniformMatrix(81, 29, 6), 10);
        const got = similaritySync(Q, B, { metric: 'cosine' });
        const want = refSimilarity(Q, B, 'cosine');
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2e-6);
        for (let j = 0; j < 81; j++) expect(got[3 * 81 + j]).toBe(0);
        for (let i = 0; i < 37; i++) expect(got[i * 81 + 10]).toBe(0);
      });
    });
  }

  it('is bitwise identical across thread counts and between sync and async', async () => {
    const Q = uniformMatrix(203, 65, 11);
    const B = uniformMatrix(157, 65, 12);
    for (const metric of METRICS) {
      const base = similaritySync(Q, B, { metric, threads: 1 });
      for (const threads of [2, 3, 5]) expect(similaritySync(Q, B, { metric, threads })).toEqual(base);
      expect(await similarity(Q, B, { metric, threads: 2 })).toEqual(base);
    }
  });

  it('defaults to cosine and accepts rows as arrays', () => {
    const rows = [
      [3, 4],
      [0, 2],
    ];
    const got = similaritySync(rows, [[1, 0], [0, 0]]);
    expect(Array.from(got)).toEqual([Math.fround(0.6), 0, 0, 0]);
  });

  it('l2 is clamped at 0 and equals 0 for identical rows', () => {
    const X = uniformMatrix(20, 33, 3);
    const got = similaritySync(X, X, { metric: 'l2' });
    for (let i = 0; i < 20; i++) {
      expect(got[i * 20 + i]).toBeGreaterThanOrEqual(0);
      expect(got[i * 20 + i]).toBeLessThan(1e-5);
    }
    for (const v of got) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('returns an empty result for empty inputs', async () => {
    const Q = { data: new Float32Array(0), rows: 0, cols: 8 };
    const B = uniformMatrix(5, 8, 1);
    expect(similaritySync(Q, B)).toEqual(new Float32Array(0));
    expect(await similarity(B, Q)).toEqual(new Float32Array(0));
  });

  it('does not modify its inputs (cosine normalises copies)', async () => {
    const Q = uniformMatrix(30, 17, 21);
    const copy = Q.data.slice();
    similaritySync(Q, Q, { metric: 'cosine' });
    await similarity(Q, Q, { metric: 'cosine' });
    expect(Q.data).toEqual(copy);
  });
});
