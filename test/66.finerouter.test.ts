// FineRouter end to end on a planted problem and on the real LLMRouter data.
import { describe, expect, it } from 'vitest';
import { decodeArtifact, encodeArtifact } from '../src/artifact/index.js';
import { loadRoutingData, withValidation } from '../src/data/index.js';
import { BuiltinEmbedder } from '../src/embed/index.js';
import { runCompare } from '../src/eval/compare.js';
import '../src/routers/index.js';
import { getRouterFactory } from '../src/routers/registry.js';
import type { TrainSet } from '../src/routers/types.js';
import { sharedData } from './helpers.js';
import { planted } from './helpers-planted.js';

/** Model m wins cluster m % K (0/1 scores, p = 0.9), the others solve a quarter of the rows. */
const plantedBinary = (n: number, d: number, K: number, M: number, seed: number) =>
  planted(n, d, K, M, seed, { noise: 0.4, score: (m, c, r) => (r() < (m % K === c ? 0.9 : 0.25) ? 1 : 0) });

function set(p: ReturnType<typeof plantedBinary>, seed = 0): TrainSet {
  return {
    X: p.X, n: p.n, dim: p.d, scores: p.scores, costs: p.costs,
    tasks: Array.from(p.cluster, (c) => `task${c}`),
    models: Array.from({ length: p.M }, (_, m) => `m${m}`), seed,
  };
}

describe('FineRouter', () => {
  const train = plantedBinary(1200, 24, 6, 6, 1);
  const val = plantedBinary(300, 24, 6, 6, 1); // same centres (same seed), fresh noise rows
  const test = plantedBinary(600, 24, 6, 6, 1);

  it('discovers the planted tasks, routes each to its winning model, and reports its choices', async () => {
    const r = getRouterFactory('finerouter').create({ moeFolds: 2, epochs: 30 });
    await r.fit({ ...set(train), val: set(val) });
    const diag = r.diagnostics!();
    expect(diag.tasks).toBeGreaterThanOrEqual(6);
    expect(Number(diag.classifierTop1)).toBeGreaterThan(0.9);
    expect(Number(diag.alpha)).toBeGreaterThanOrEqual(0);
    expect(String(diag.alphaSelection)).toMatch(/out-of-fold/);
    const e = await r.estimate(test.X, test.n);
    let right = 0;
    for (let i = 0; i < test.n; i++) {
      const row = Array.from(e.quality.subarray(i * 6, i * 6 + 6));
      if (row.indexOf(Math.max(...row)) === test.cluster[i] % 6) right++;
    }
    expect(right / test.n).toBeGreaterThan(0.95);
    // costs are the task profiles' mean costs: model m costs 0.001·(m+1) everywhere
    for (let m = 0; m < 6; m++) expect(e.cost[m]).toBeCloseTo(0.001 * (m + 1), 6);
    const ex = await r.explain!(test.X.subarray(0, 3 * 24), 3, 2);
    expect(ex).toHaveLength(3);
    expect(ex[0]).toHaveLength(2);
    expect(ex[0][0].probability).toBeGreaterThanOrEqual(ex[0][1].probability);
    expect(ex[0][0].label).toMatch(/^t\d+ \(\d+% task\d, \d+ prompts\)$/);
  });

  it('survives the artifact round trip bit-exactly; the ablations use one stage each', async () => {
    for (const name of ['finerouter', 'finerouter-stage1', 'finerouter-stage2']) {
      const f = getRouterFactory(name);
      const r = f.create({ moeFolds: 2, epochs: 20 });
      await r.fit({ ...set(train), val: set(val) });
      const alpha = Number(r.diagnostics!().alpha);
      if (name === 'finerouter-stage1') expect(alpha).toBe(0);
      if (name === 'finerouter-stage2') expect(alpha).toBe(1);
      const st = r.state();
      const bytes = Buffer.concat(
        encodeArtifact({
          method: name, models: r.models, router: st, embedder: { kind: 'none', config: {}, tensors: {} }, hyperparameters: {},
          training: { sha256: '0', n: train.n, source: 'planted' }, costRef: 0.006, trainMeans: { quality: [], cost: [] },
          taskrouteVersion: 'test', createdAt: '',
        }),
      );
      const back = f.fromState(decodeArtifact(bytes).router);
      const a = await r.estimate(test.X, test.n);
      const b = await back.estimate(test.X, test.n);
      expect(Array.from(b.quality)).toEqual(Array.from(a.quality));
      expect(Array.from(b.cost)).toEqual(Array.from(a.cost));
    }
  });

  it('rejects bad options and bad input with clear messages', async () => {
    const f = getRouterFactory('finerouter');
    expect(() => f.create({ k: 0 })).toThrow(/"k" to be an integer >= 1/);
    expect(() => f.create({ resolutions: [] })).toThrow(/"resolutions"/);
    expect(() => f.create({ agreements: ['cosine'] })).toThrow(/"agreements"/);
    expect(() => f.create({ alphas: [2] })).toThrow(/"alphas"/);
    const r = f.create({ moeFolds: 1, epochs: 5 });
    await expect(r.estimate(test.X, 1)).rejects.toThrow(/before fit/);
    await r.fit({ ...set(train), val: set(val) });
    await expect(r.estimate(new Float32Array(5), 1)).rejects.toThrow(/X.length/);
  });

  const data = sharedData();
  it.skipIf(!data)('on the LLMRouter data: beats the best single model at less than half its cost', async () => {
    const d = withValidation(await loadRoutingData(`${data}/llmrouter`), 0.1, 0);
    const r = await runCompare({ data: d, methods: ['finerouter'], embedder: new BuiltinEmbedder(), seed: 0 });
    const fr = r.routers[0];
    expect(fr.maxQuality).toBeGreaterThan(r.bestSingle.quality);
    expect(fr.costToMatchBest).not.toBeNull();
    expect(fr.costToMatchBest!).toBeLessThanOrEqual(0.5);
    expect(Number(fr.diagnostics?.classifierTop1)).toBeGreaterThan(0.6);
  }, 180_000);
});
