// Baseline routers: each does what its name says on a small planted problem.
import { describe, expect, it } from 'vitest';
import '../src/routers/index.js';
import { getRouterFactory } from '../src/routers/registry.js';
import type { TrainSet } from '../src/routers/types.js';
import { planted } from './helpers-planted.js';

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
