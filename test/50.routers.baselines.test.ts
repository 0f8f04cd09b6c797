// Baseline routers: each does what its name says on a small planted problem.
import { describe, expect, it } from 'vitest';
import '../src/routers/index.js';
import { getRouterFactory } from '../src/routers/registry.js';
import type { TrainSet } from '../src/routers/types.js';
import { rng } from './helpers.js';

/** K well-separated clusters on the unit sphere; model m is good on cluster m % K. */
function planted(n: number, d: number, K: number, M: number, seed: number) {
  const r = rng(seed);
  const centres = Array.from({ length: K }, () => Array.from({ length: d }, () => r() * 2 - 1));
  const X = new Float32Array(n * d);
  const scores = new Float32Array(n * M);
  const costs = new Float32Array(n * M);
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % K;
    cluster[i] = c;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = centres[c][j] + (r() - 0.5) * 0.3;
      X[i * d + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < d; j++) X[i * d + j] /= Math.sqrt(norm);
    for (let m = 0; m < M; m++) {
      scores[i * M + m] = m % K === c ? 0.9 : 0.2 + 0.05 * m;
      costs[i * M + m] = 0.001 * (m + 1);
    }
  }
  return { X, scores, costs, cluster, n, d, M };
}

function trainSet(p: ReturnType<typeof planted>, seed = 1): TrainSet {
  return { X: p.X, n: p.n, dim: p.d, scores: p.scores, costs: p.costs, tasks: Array(p.n).fill(''), models: Array.from({ length: p.M }, (_, m) => `m${m}`), seed };
}

describe('baseline routers', () => {
  const p = planted(400, 16, 4, 4, 7);

  it('oracle returns the true labels and refuses to run without them', async () => {
    const r = getRouterFactory('oracle').create();
    await r.fit(trainSet(p));
    const e = await r.estimate(p.X, p.n, { scores: p.scores, costs: p.costs });
    expect(Array.from(e.quality)).toEqual(Array.from(p.scores));
    await expect(r.estimate(p.X, p.n)).rejects.toThrow(/true scores/);
  });

  it('best-single puts its whole estimate on the highest mean train score', async () => {
    const r = getRouterFactory('best-single').create();
    await r.fit(trainSet(p));
    const e = await r.estimate(p.X, 2);
    // every model wins one cluster (0.9 vs ≤ 0.35); model 3 has the highest base, so the best mean.
    expect(Array.from(e.quality.subarray(0, 4))).toEqual([0, 0, 0, 1]);
    expect(e.cost[0]).toBeCloseTo(e.cost[3]);
  });

  it('cheapest gives equal quality and the mean train costs', async () => {
    const r = getRouterFactory('cheapest').create();
    await r.fit(trainSet(p));
    const e = await r.estimate(p.X, 1);
    expect(Array.from(e.quality)).toEqual([0, 0, 0, 0]);
    expect(e.cost[0]).toBeCloseTo(0.001, 6);
    expect(e.cost[3]).toBeCloseTo(0.004, 6);
  });

  it('random is seeded: same seed, same estimates; another seed, others', async () => {
    const a = getRouterFactory('random').create();
    const b = getRouterFactory('random').create();
    const c = getRouterFactory('random').create();
    await a.fit(trainSet(p, 3));
    await b.fit(trainSet(p, 3));
    await c.fit(trainSet(p, 4));
    const [ea, eb, ec] = await Promise.all([a.estimate(p.X, 10), b.estimate(p.X, 10), c.estimate(p.X, 10)]);
    expect(Array.from(ea.quality)).toEqual(Array.from(eb.quality));
    expect(Array.from(ea.quality)).not.toEqual(Array.from(ec.quality));
  });

  for (const name of ['kmeans', 'mf', 'mlp', 'knn']) {
    it(`${name} learns which model wins each planted cluster and survives a state round trip`, async () => {
      const f = getRouterFactory(name);
      const r = f.create();
      const val = planted(80, 16, 4, 4, 7);
      await r.fit({ ...trainSet(p), val: { ...trainSet(val) } });
      const e = await r.estimate(p.X, p.n);
      let right = 0;
      for (let i = 0; i < p.n; i++) {
        const row = Array.from(e.quality.subarray(i * 4, i * 4 + 4));
        if (row.indexOf(Math.max(...row)) === p.cluster[i] % 4) right++;
      }
      expect(right / p.n).toBeGreaterThan(0.95);
      const back = f.fromState(r.state());
      const e2 = await back.estimate(p.X, p.n);
      expect(Array.from(e2.quality)).toEqual(Array.from(e.quality));
      await expect(r.estimate(new Float32Array(5), 1)).rejects.toThrow(/X.length/);
    });
  }
});
