// runCompare on the synthetic benchmark with the registered routers (the oracle
// recovers the whole gap, best-single is exactly the best single model, kmeans beats
// random), what each router is handed (splits, val, labels only for label readers,
// precomputed embeddings), determinism, and refusals of bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoutingData } from '../src/data/types.js';
import type { Embedder, EmbedContext } from '../src/embed/types.js';
import { TaskrouteError } from '../src/errors.js';
import { runCompare } from '../src/eval/compare.js';
import { syntheticRoutingData } from '../src/eval/synthetic.js';
import type { CompareResult } from '../src/eval/types.js';
import { silentProgress } from '../src/progress.js';
import '../src/routers/index.js';
import { hasRouter, registerRouter } from '../src/routers/registry.js';
import type { Estimate, EstimateContext, Router, TrainSet } from '../src/routers/types.js';
import { hashEmbedder } from './helpers-eval.js';

/** Records what compare hands a router; estimates all zero. */
const probeLog: { train?: TrainSet; X?: Float32Array; n?: number; ctx?: EstimateContext | undefined; calls: string[] } = { calls: [] };
function probe(name: string): Router {
  const r = {
    name,
    models: [] as string[],
    async fit(t: TrainSet) {
      r.models = [...t.models];
      probeLog.train = t;
      probeLog.calls.push(`${name}:fit`);
    },
    async estimate(X: Float32Array, n: number, ctx?: EstimateContext): Promise<Estimate> {
      probeLog.X = X;
      probeLog.n = n;
      probeLog.ctx = ctx;
      probeLog.calls.push(`${name}:estimate`);
      const M = r.models.length;
      return { quality: new Float32Array(n * M), cost: new Float32Array(n * M), n, models: M };
    },
    state: () => ({ method: name, models: r.models, config: {}, tensors: {} }),
  };
  return r;
}
for (const [name, readsLabels] of [
  ['test-probe', false],
  ['test-probe-labels', true],
] as const)
  if (!hasRouter(name)) registerRouter({ name, description: 'test probe', readsLabels, create: () => probe(name), fromState: () => probe(name) });

const withoutTimings = (r: CompareResult) => JSON.stringify({ ...r, routers: r.routers.map((x) => ({ ...x, trainSeconds: 0, estimateSeconds: 0 })) });

describe('runCompare on the synthetic benchmark', () => {
  const data = syntheticRoutingData({ nTrain: 1500, nTest: 400, seed: 3 });
  let res: CompareResult;
  beforeAll(async () => {
    res = await runCompare({
      data,
      methods: ['random', 'cheapest', 'best-single', 'oracle', 'adaptive', 'kmeans', 'mf'],
      embedder: hashEmbedder(64),
      seed: 1,
      progress: silentProgress,
      routerOptions: { kmeans: { ks: [16] }, mf: { epochs: 15 } },
    });
  });
  const byName = (n: string) => res.routers.find((r) => r.name === n)!;

  it('reports the data, splits, references and one result per method', () => {
    expect(res.data).toBe('synthetic (generated)');
    expect(res.synthetic).toBe(true);
    expect(res.nTrain).toBe(1500);
    expect(res.nTest).toBe(400);
    expect(res.nVal).toBe(0);
    expect(res.models).toEqual(data.models);
    expect(res.singles!.map((s) => s.model)).toEqual(data.models);
    expect(res.routers.map((r) => r.name)).toEqual(['random', 'cheapest', 'best-single', 'oracle', 'adaptive', 'kmeans', 'mf']);
    for (const r of res.routers) {
      expect(r.points.length).toBe(61);
      expect(r.trainSeconds).toBeGreaterThanOrEqual(0);
      expect(r.estimateSeconds).toBeGreaterThanOrEqual(0);
      expect(r.perTask!.reduce((a, t) => a + t.n, 0)).toBe(400);
    }
    expect(res.embedder).toBe('test-hash:dim=64');
    expect(res.notes!.some((n) => n.includes('not real LLM results'))).toBe(true);
    expect(res.costNote).toBe(data.costNote);
  });

  it('the best single model is the one with the highest mean train score', () => {
    const M = data.models.length;
    const train = new Float64Array(M);
    let nTrain = 0;
    for (let i = 0; i < data.n; i++)
      if (data.splits[i] === 0) {
        nTrain++;
        for (let m = 0; m < M; m++) train[m] += data.scores[i * M + m];
      }
    const best = train.indexOf(Math.max(...train));
    expect(res.bestSingle.model).toBe(data.models[best]);
    expect(res.bestSingle).toEqual(res.singles![best]);
    expect(nTrain).toBe(1500);
  });

  it("the oracle recovers the whole gap and reaches the oracle's quality", () => {
    const o = byName('oracle');
    expect(o.readsLabels).toBe(true);
    expect(o.gapRecovered).toBe(1);
    expect(o.maxQuality).toBe(res.oracle.quality);
    expect(res.oracle.quality).toBeGreaterThan(res.bestSingle.quality);
  });

  it('best-single sits exactly on the best single model at every λ', () => {
    const b = byName('best-single');
    expect(b.maxQuality).toBe(res.bestSingle.quality);
    for (const p of b.points) expect([p.cost, p.quality]).toEqual([res.bestSingle.cost, res.bestSingle.quality]);
    expect(b.gapRecovered).toBe(0);
    expect(b.costToMatchBest).toBe(1);
    expect(b.shares!.atMaxQuality[res.bestSingle.model]).toBe(1);
  });

  it('cheapest sits on the cheapest model', () => {
    const cheapest = res.singles!.reduce((a, s) => (s.cost < a.cost ? s : a));
    for (const p of byName('cheapest').points) expect(p.quality).toBe(cheapest.quality);
  });

  it('kmeans beats random, and the learned routers pay off against the best single model', () => {
    const k = byName('kmeans');
    const r = byName('random');
    expect(k.maxQuality).toBeGreaterThan(r.maxQuality);
    expect(k.nAUC).toBeGreaterThan(r.nAUC);
    expect(k.utilities.sum).toBeGreaterThan(r.utilities.sum);
    // kmeans reaches the best single model's quality at a fraction of its cost
    expect(k.costToMatchBest).not.toBeNull();
    expect(k.costToMatchBest!).toBeLessThan(1);
    expect(byName('mf').nAUC).toBeGreaterThan(r.nAUC);
  });

  it('is deterministic for a seed', async () => {
    const again = await runCompare({
      data,
      methods: ['random', 'cheapest', 'best-single', 'oracle', 'adaptive', 'kmeans', 'mf'],
      embedder: hashEmbedder(64),
      seed: 1,
      progress: silentProgress,
      routerOptions: { kmeans: { ks: [16] }, mf: { epochs: 15 } },
    });
    expect(withoutTimings(again)).toBe(withoutTimings(res));
  });
});

describe('what runCompare hands the routers', () => {
  // a small data set with a validation split and precomputed embeddings
  const base = syntheticRoutingData({ nTrain: 120, nTest: 40, seed: 9 });
  const dim = 8;
  const embeddings = new Float32Array(base.n * dim);
  for (let i = 0; i < base.n; i++) embeddings[i * dim + (i % dim)] = 1; // row i: e_(i mod 8)
  const splits = Uint8Array.from(base.splits, (s, i) => (s === 0 && i % 4 === 0 ? 1 : s));
  const data: RoutingData = { ...base, splits, embeddings, embeddingDim: dim };

  /** A stand-in for the precomputed embedder: returns ctx.embeddings. */
  const contexts: (EmbedContext | undefined)[] = [];
  const precomputed: Embedder = {
    kind: 'test-precomputed',
    dim,
    async fit() {},
    async embed(texts, ctx) {
      contexts.push(ctx);
      if (!ctx?.embeddings || ctx.embeddings.length !== texts.length * dim) throw new Error('no precomputed rows');
      return ctx.embeddings;
    },
    state: () => ({ kind: 'test-precomputed', config: {}, tensors: {} }),
  };

  it('train and val rows for fit, the test rows for estimate, labels only for label readers', async () => {
    probeLog.calls = [];
    const res = await runCompare({ data, methods: ['test-probe', 'test-probe-labels'], embedder: precomputed, progress: silentProgress, seed: 4, threads: 2 });
    const trainIdx = [...splits.keys()].filter((i) => splits[i] === 0);
    const valIdx = [...splits.keys()].filter((i) => splits[i] === 1);
    const testIdx = [...splits.keys()].filter((i) => splits[i] === 2);
    expect(res.nTrain).toBe(trainIdx.length);
    expect(res.nVal).toBe(valIdx.length);
    expect(res.nTest).toBe(40);
    expect(probeLog.calls).toEqual(['test-probe:fit', 'test-probe:estimate', 'test-probe-labels:fit', 'test-probe-labels:estimate']);
    const t = probeLog.train!;
    expect(t.n).toBe(trainIdx.length);
    expect(t.dim).toBe(dim);
    expect(t.seed).toBe(4);
    expect(t.threads).toBe(2);
    expect(t.val!.n).toBe(valIdx.length);
    expect(t.prompts).toEqual(trainIdx.map((i) => data.prompts[i]));
    expect(t.tasks).toEqual(trainIdx.map((i) => data.tasks[i]));
    expect(t.leaves).toEqual(trainIdx.map((i) => data.leaves![i]));
    const M = data.models.length;
    expect(Array.from(t.scores.subarray(0, M))).toEqual(Array.from(data.scores.subarray(trainIdx[0] * M, trainIdx[0] * M + M)));
    expect(Array.from(t.val!.X.subarray(0, dim))).toEqual(Array.from(embeddings.subarray(valIdx[0] * dim, valIdx[0] * dim + dim)));
    // each split's precomputed rows, in order: train, val, test
    expect(contexts.map((c) => c!.embeddings!.length / dim)).toEqual([trainIdx.length, valIdx.length, testIdx.length]);
    expect(Array.from(probeLog.X!.subarray(dim, 2 * dim))).toEqual(Array.from(embeddings.subarray(testIdx[1] * dim, testIdx[1] * dim + dim)));
    expect(probeLog.n).toBe(40);
    // the last probe reads labels: it got the test scores and costs
    expect(Array.from(probeLog.ctx!.scores!)).toEqual(testIdx.flatMap((i) => Array.from(data.scores.subarray(i * M, i * M + M))));
    expect(probeLog.ctx!.costs!.length).toBe(40 * M);
    expect(res.routers[1].readsLabels).toBe(true);
    expect(res.routers[0].readsLabels).toBeUndefined();
  });

  it('a router that does not read labels gets no context', async () => {
    await runCompare({ data, methods: ['test-probe'], embedder: precomputed, progress: silentProgress });
    expect(probeLog.ctx).toBeUndefined();
  });
});

describe('runCompare refuses bad input', () => {
  const data = syntheticRoutingData({ nTrain: 50, nTest: 20, seed: 1 });

  it('unknown or missing methods fail before any work', async () => {
    const e = hashEmbedder(16);
    await expect(runCompare({ data, methods: ['kmeans', 'nope'], embedder: e, progress: silentProgress })).rejects.toThrow(/Expected "method" to be one of .*received "nope"/);
    expect(e.fitted).toBe(0);
    await expect(runCompare({ data, methods: [], embedder: e })).rejects.toThrow('Expected "methods" to be a non-empty array of router names, received an array of length 0');
    await expect(runCompare({ data, methods: ['random', 'random'], embedder: e })).rejects.toThrow('Expected "methods" to be distinct router names');
    await expect(runCompare({ data, methods: ['random'], embedder: e, seed: -1 })).rejects.toThrow('Expected "seed" to be an integer in [0, 4294967295], received -1');
  });

  it('no test rows, or a test row without a score, is a data error naming the record', async () => {
    const noTest = { ...data, splits: new Uint8Array(data.n) };
    await expect(runCompare({ data: noTest, methods: ['random'], embedder: hashEmbedder(16), progress: silentProgress })).rejects.toMatchObject({
      code: 'ERR_TASKROUTE_DATA',
      message: 'synthetic (generated): no test rows to evaluate on',
    });
    const scores = Float32Array.from(data.scores);
    const firstTest = data.splits.indexOf(2);
    scores[firstTest * data.models.length + 2] = NaN;
    const err = await runCompare({ data: { ...data, scores }, methods: ['random'], embedder: hashEmbedder(16), progress: silentProgress }).catch((x) => x);
    expect(err).toBeInstanceOf(TaskrouteError);
    expect(err.code).toBe('ERR_TASKROUTE_DATA');
    expect(err.message).toContain(`test record "${data.ids[firstTest]}" has no finite score and cost >= 0 for model "${data.models[2]}"`);
  });

  it('an embedder that returns the wrong shape is reported', async () => {
    const bad: Embedder = { ...hashEmbedder(16), embed: async (t: string[]) => new Float32Array(t.length * 15) };
    await expect(runCompare({ data, methods: ['random'], embedder: bad, progress: silentProgress })).rejects.toThrow(
      'embedder "test-hash" returned 750 values for the train split, expected 50 × 16 = 800',
    );
  });

  it('mismatched data arrays are refused', async () => {
    await expect(runCompare({ data: { ...data, costs: new Float32Array(3) }, methods: ['random'], embedder: hashEmbedder(16) })).rejects.toThrow(
      'Expected "data.costs" to be a Float32Array of length n × M = 70 × 6, received a Float32Array of length 3',
    );
  });
});
