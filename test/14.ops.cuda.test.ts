// CUDA twins: the CPU result is the ground truth. Exact on exact-arithmetic data (ip,
// l2: any summation order gives the same floats), within named tolerances for cosine;
// edge cases: no queries, k = 1, k > n, k at and above the device maximum (1024, CPU
// fallback), tile boundaries (63/64/65 rows, d around the 16-wide k-step), excludeSelf,
// and few queries against many base rows (the segmented path). Skipped without a device.
import { describe, expect, it } from 'vitest';
import { cudaAvailable, knnGraph, knnGraphSync, similarity, similaritySync, TaskrouteError, topk, topkSync } from '../src/index.js';
import type { Metric, TopkResult } from '../src/ops/types.js';
import { dyadicMatrix, duplicateRow, expectTopkClose, refTopk, uniformMatrix } from './helpers-ops.js';

const gpu = cudaAvailable();
/** Cosine on the device vs the float64 reference (normalised float32 rows, fma order). */
const COSINE_TOL = 5e-6;
/** Device maximum of k kept on chip (native/cuda/topk.h). */
const DEVICE_MAX_K = 1024;

const asRef = (r: TopkResult) => ({ indices: r.indices, scores: Float64Array.from(r.scores), k: r.k });

describe('CUDA ops', () => {
  it.skipIf(gpu)("rejects backend: 'cuda' clearly when no device answers", () => {
    expect(() => topkSync(dyadicMatrix(3, 2, 1), dyadicMatrix(3, 2, 2), 1, { backend: 'cuda' })).toThrow(TaskrouteError);
    try {
      similaritySync(dyadicMatrix(3, 2, 1), dyadicMatrix(3, 2, 2), { backend: 'cuda' });
    } catch (e) {
      expect((e as TaskrouteError).code).toBe('ERR_TASKROUTE_NO_CUDA');
    }
    expect.assertions(2);
  });

  it.skipIf(!gpu)('topk equals the CPU exactly on exact-arithmetic data across tile boundaries', () => {
    for (const nq of [1, 63, 64, 65, 129])
      for (const nb of [1, 64, 65, 200])
        for (const d of [1, 15, 16, 17, 100]) {
          const Q = dyadicMatrix(nq, d, nq * 7 + nb * 3 + d);
          const B = dyadicMatrix(nb, d, nq * 5 + nb * 11 + d);
          if (nb > 2) duplicateRow(B, 0, nb - 1);
          for (const metric of ['ip', 'l2'] as Metric[])
            for (const k of [1, 16, 65, nb + 5]) {
              const cpu = topkSync(Q, B, k, { metric, backend: 'cpu' });
              const dev = topkSync(Q, B, k, { metric, backend: 'cuda' });
              expect(dev, `${nq}x${nb}x${d} ${metric} k=${k}`).toEqual(cpu);
            }
        }
  });

  it.skipIf(!gpu)('topk with excludeSelf and the segmented path equals the CPU', async () => {
    for (const [nq, nb, d] of [
      [130, 130, 33],
      [3, 20000, 24],
      [10, 5000, 64],
    ]) {
      const B = dyadicMatrix(nb, d, nb + d);
      const Q = nq === nb ? B : dyadicMatrix(nq, d, nq + d);
      for (const metric of ['ip', 'l2'] as Metric[]) {
        const excludeSelf = nq === nb;
        const cpu = topkSync(Q, B, 40, { metric, excludeSelf, backend: 'cpu' });
        expect(await topk(Q, B, 40, { metric, excludeSelf, backend: 'cuda' })).toEqual(cpu);
      }
    }
  });

  it.skipIf(!gpu)('topk handles k at the device maximum and falls back to the CPU above it', () => {
    const Q = dyadicMatrix(70, 20, 1);
    const B = dyadicMatrix(3000, 20, 2);
    for (const k of [DEVICE_MAX_K, DEVICE_MAX_K + 1]) {
      const cpu = topkSync(Q, B, k, { metric: 'ip', backend: 'cpu' });
      expect(topkSync(Q, B, k, { metric: 'ip', backend: 'cuda' })).toEqual(cpu);
    }
  });

  it.skipIf(!gpu)('topk for cosine matches within tolerance; zero queries give an empty result', () => {
    const Q = uniformMatrix(300, 64, 3);
    const B = uniformMatrix(3000, 64, 4);
    const dev = topkSync(Q, B, 20, { backend: 'cuda' });
    expectTopkClose(dev, Q, B, refTopk(Q, B, 20, 'cosine'), 'cosine', COSINE_TOL);
    expectTopkClose(dev, Q, B, asRef(topkSync(Q, B, 20, { backend: 'cpu' })), 'cosine', COSINE_TOL);
    const empty = topkSync({ data: new Float32Array(0), rows: 0, cols: 64 }, B, 5, { backend: 'cuda' });
    expect(empty).toEqual({ indices: new Int32Array(0), scores: new Float32Array(0), k: 5, nq: 0 });
  });

  it.skipIf(!gpu)('similarity equals the CPU (exact for ip/l2, within tolerance for cosine)', async () => {
    const Q = dyadicMatrix(130, 33, 8);
    const B = dyadicMatrix(67, 33, 9);
    for (const metric of ['ip', 'l2'] as Metric[])
      expect(await similarity(Q, B, { metric, backend: 'cuda' })).toEqual(similaritySync(Q, B, { metric, backend: 'cpu' }));
    const U = uniformMatrix(90, 17, 1);
    const cpu = similaritySync(U, U, { backend: 'cpu' });
    const dev = similaritySync(U, U, { backend: 'cuda' });
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(dev[i] - cpu[i])).toBeLessThanOrEqual(COSINE_TOL);
  });

  it.skipIf(!gpu)('knnGraph equals the CPU graph on exact-arithmetic data', async () => {
    const X = dyadicMatrix(500, 31, 12);
    for (const symmetrize of ['none', 'max', 'sum'] as const)
      for (const metric of ['ip', 'l2'] as Metric[])
        expect(await knnGraph(X, 12, { metric, symmetrize, backend: 'cuda' })).toEqual(knnGraphSync(X, 12, { metric, symmetrize, backend: 'cpu' }));
  });
});
