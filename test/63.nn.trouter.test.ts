// The TRouter model: gradients against finite differences of a float64 reference (task
// mode with/without normalisation, priors one-hot / spread / absent, noTask ablation), the
// forward against the reference, a planted taxonomy (the recogniser recovers the leaves,
// β > 0 helps when labels are few), determinism and bad input.
import { describe, expect, it } from 'vitest';
import { trainTrouter, trouterForward, trouterForwardSync, trouterLossGrad, trouterWeightShapes, type TrouterConfig, type TrouterModel } from '../src/nn/index.js';
import { checkGradients, clusters, maxAbsDiff, randomWeights, sameWeights, trouterForwardRef, trouterLossRef, uniform } from './helpers-nn.js';
import { rng } from './helpers.js';

function priors(n: number, L: number, seed: number): Float32Array {
  const r = rng(seed);
  const P = new Float32Array(n * L);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    if (k === 0) continue; // no prior
    if (k === 1 || k === 3) P[i * L + Math.floor(r() * L)] = 1; // one-hot leaf
    else for (let t = 0; t < L; t += 2) P[i * L + t] = 2; // spread over a "subtree", unnormalised
  }
  return P;
}

function masked(n: number, M: number, seed: number, nanEvery: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * M }, (_, i) => (i % nanEvery === 1 ? NaN : r()));
}

const base: Omit<TrouterConfig, 'towerHidden' | 'decoderHidden'> = { d: 6, M: 3, L: 5, de: 4, D: 4, activation: 'tanh', tau: 0.5, normalize: true, noTask: false, hasCost: true };

const cases: Array<[string, TrouterConfig, { beta: number; qualityWeight: number; costWeight: number }]> = [
  ['task mode, normalised, hidden tower and decoder, cost, priors', { ...base, towerHidden: [5], decoderHidden: 4 }, { beta: 0.7, qualityWeight: 1, costWeight: 0.6 }],
  ['task mode, raw dot product, linear towers and decoder, no cost, τ = 0.07', { ...base, activation: 'gelu', tau: 0.07, normalize: false, hasCost: false, towerHidden: [], decoderHidden: 0 }, { beta: 1.3, qualityWeight: 0.8, costWeight: 1 }],
  ['task mode, two tower layers, β = 0', { ...base, towerHidden: [5, 3], decoderHidden: 2 }, { beta: 0, qualityWeight: 1, costWeight: 1 }],
  ['noTask ablation', { ...base, L: 0, de: 0, noTask: true, towerHidden: [6, 4], decoderHidden: 3 }, { beta: 1, qualityWeight: 1, costWeight: 1 }],
];

describe('trouter gradients and forward', () => {
  const n = 41;
  for (const [name, config, o] of cases) {
    const model: TrouterModel = { config, weights: randomWeights(trouterWeightShapes(config), 7, 0.6) };
    const X = uniform(n * config.d, 8);
    const rows = {
      X,
      n,
      quality: masked(n, config.M, 9, 5),
      cost: config.hasCost ? masked(n, config.M, 10, 7) : undefined,
      prior: config.noTask ? undefined : priors(n, config.L, 11),
    };
    it(`analytic gradient = finite differences: ${name}`, () => {
      const { loss, grads } = trouterLossGrad(model, rows, o);
      const ref = trouterLossRef(config, model.weights, model.weights.E, rows, o);
      expect(Math.abs(loss - ref)).toBeLessThan(1e-5 * Math.max(1, ref));
      const names = Object.keys(trouterWeightShapes(config)).filter((k) => k !== 'E');
      expect(Object.keys(grads).sort()).toEqual([...names].sort());
      checkGradients((w) => trouterLossRef(config, w, model.weights.E, rows, o), model.weights, grads, names);
    });
    it(`forward equals the float64 reference: ${name}`, async () => {
      const m = 70; // a full tile of 64 and a tail
      const Xf = uniform(m * config.d, 12);
      const ref = trouterForwardRef(config, model.weights, model.weights.E, Xf, m);
      const out = await trouterForward(model, Xf, m);
      expect(maxAbsDiff(out.quality, ref.quality)).toBeLessThan(1e-5);
      if (config.hasCost) expect(maxAbsDiff(out.cost!, ref.cost)).toBeLessThan(1e-5);
      else expect(out.cost).toBeUndefined();
      if (config.noTask) expect(out.q).toBeUndefined();
      else {
        expect(maxAbsDiff(out.q!, ref.q)).toBeLessThan(1e-5);
        for (let i = 0; i < m; i++) expect(out.q!.subarray(i * config.L, (i + 1) * config.L).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
      const s = trouterForwardSync(model, Xf, m, { threads: 1 });
      expect(Array.from(s.quality)).toEqual(Array.from(out.quality));
    });
  }
});

/**
 * A planted taxonomy: L leaves with unit-norm centres; a leaf's description embedding is
 * its centre plus noise, its prompts are the centre plus noise. Leaves come in pairs that
 * share one quality/cost profile, so the scores alone cannot tell the two leaves of a
 * pair apart — only the prior can.
 */
function taxonomy(n: number, d: number, L: number, M: number, seed: number) {
  const c = clusters(n, d, L, 0.15, seed);
  const r = rng(seed + 1);
  const E = new Float32Array(L * d);
  for (let t = 0; t < L; t++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const v = c.centres[t][k] + (r() - 0.5) * 0.1;
      E[t * d + k] = v;
      s += v * v;
    }
    for (let k = 0; k < d; k++) E[t * d + k] /= Math.sqrt(s);
  }
  const profiles = Array.from({ length: L / 2 }, (_, p) => Array.from({ length: M }, (_, m) => (m === p % M ? 0.9 : 0.2 + 0.1 * ((m + p) % 3))));
  const costs = Array.from({ length: M }, (_, m) => 0.1 + 0.25 * m);
  const quality = new Float32Array(n * M);
  const cost = new Float32Array(n * M);
  const prior = new Float32Array(n * L);
  for (let i = 0; i < n; i++) {
    const t = c.label[i];
    prior[i * L + t] = 1;
    for (let m = 0; m < M; m++) {
      quality[i * M + m] = Math.min(1, Math.max(0, profiles[t >> 1][m] + (r() - 0.5) * 0.1));
      cost[i * M + m] = Math.min(1, Math.max(0, costs[m] * (1 + 0.2 * ((t >> 1) % 2)) + (r() - 0.5) * 0.02));
    }
  }
  return { X: c.X, label: c.label, E, quality, cost, prior };
}

function accuracy(q: Float32Array, L: number, label: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < label.length; i++) {
    const row = Array.from(q.subarray(i * L, (i + 1) * L));
    if (row.indexOf(Math.max(...row)) === label[i]) ok++;
  }
  return ok / label.length;
}

describe('trouter training', () => {
  const L = 8;
  const M = 4;
  const d = 16;
  const all = taxonomy(1200, d, L, M, 5);
  const cut = (a: Float32Array, w: number, b: number, e: number) => a.subarray(b * w, e * w);
  const part = (b: number, e: number) => ({ X: cut(all.X, d, b, e), n: e - b, quality: cut(all.quality, M, b, e), cost: cut(all.cost, M, b, e), prior: cut(all.prior, L, b, e) });
  const train = part(0, 800);
  const val = part(800, 1000);
  const test = part(1000, 1200);
  const testLabel = all.label.subarray(1000);
  const common = { d, M, L, E: all.E, dim: 16, towerHidden: [32], decoderHidden: 16, lr: 0.002, epochs: 100, patience: 8, batchSize: 64, seed: 3 };

  it('recovers the leaves and estimates quality and cost with full priors', async () => {
    const model = await trainTrouter({ ...common, ...train, val });
    const out = await trouterForward(model, test.X, test.n);
    expect(accuracy(out.q!, L, testLabel)).toBeGreaterThan(0.95);
    let eq = 0;
    let ec = 0;
    let base = 0;
    const mean = Array.from({ length: M }, (_, m) => train.quality.filter((_, i) => i % M === m).reduce((a, b) => a + b, 0) / train.n);
    for (let i = 0; i < test.n * M; i++) {
      eq += (out.quality[i] - test.quality[i]) ** 2;
      ec += (out.cost![i] - test.cost[i]) ** 2;
      base += (mean[i % M] - test.quality[i]) ** 2;
    }
    expect(eq / (test.n * M)).toBeLessThan(0.005);
    expect(eq).toBeLessThan(0.1 * base);
    expect(ec / (test.n * M)).toBeLessThan(0.002);
    expect(model.config.hasCost).toBe(true);
    expect(Array.from(model.weights.E)).toEqual(Array.from(all.E));
  });

  it('β > 0 helps the recogniser when few prompts carry a prior', async () => {
    // priors on 4 % of the training rows only
    const few = train.prior.slice();
    for (let i = 0; i < train.n; i++) if (i % 25 !== 0) few.fill(0, i * L, (i + 1) * L);
    const withKl = await trainTrouter({ ...common, ...train, prior: few, val: { ...val, prior: undefined }, beta: 1 });
    const without = await trainTrouter({ ...common, ...train, prior: few, val: { ...val, prior: undefined }, beta: 0 });
    const a1 = accuracy((await trouterForward(withKl, test.X, test.n)).q!, L, testLabel);
    const a0 = accuracy((await trouterForward(without, test.X, test.n)).q!, L, testLabel);
    expect(a1).toBeGreaterThan(0.85);
    expect(a1).toBeGreaterThan(a0 + 0.25);
  });

  it('the noTask ablation trains and estimates without a recogniser', async () => {
    const { prior: _p, ...rows } = train;
    const { prior: _v, ...vrows } = val;
    const model = await trainTrouter({ ...common, ...rows, E: undefined, L: undefined, noTask: true, val: vrows });
    const out = trouterForwardSync(model, test.X, test.n);
    expect(out.q).toBeUndefined();
    let eq = 0;
    for (let i = 0; i < test.n * M; i++) eq += (out.quality[i] - test.quality[i]) ** 2;
    expect(eq / (test.n * M)).toBeLessThan(0.005);
    expect(Object.keys(model.weights).some((k) => k.startsWith('g.') || k === 'E')).toBe(false);
  });

  it('is bit-identical across thread counts', async () => {
    const o = { ...common, ...train, epochs: 3, batchSize: 128, chunkRows: 16 };
    const a = await trainTrouter({ ...o, threads: 1 });
    const b = await trainTrouter({ ...o, threads: 2 });
    const c = await trainTrouter({ ...o, threads: 3 });
    expect(sameWeights(a.weights, b.weights)).toBe(true);
    expect(sameWeights(a.weights, c.weights)).toBe(true);
    expect(a.history).toEqual(b.history);
    expect(sameWeights(a.weights, (await trainTrouter({ ...o, seed: 4 })).weights)).toBe(false);
  });
});

describe('trouter bad input', () => {
  const X = uniform(5 * 3, 1);
  const quality = uniform(5 * 2, 2, 0, 1);
  const E = uniform(4 * 3, 3);
  const ok = { X, n: 5, d: 3, M: 2, L: 4, E, quality };
  it('rejects bad options with exact messages', async () => {
    await expect(trainTrouter({ ...ok, E: E.subarray(1) })).rejects.toThrow('Expected "E.length" to be L × de = 4 × 3 = 12, received 11');
    await expect(trainTrouter({ ...ok, L: undefined })).rejects.toThrow('Expected "L" to be an integer, received undefined');
    await expect(trainTrouter({ ...ok, tau: 0 })).rejects.toThrow('Expected "tau" to be a number > 0, received 0');
    await expect(trainTrouter({ ...ok, beta: -1 })).rejects.toThrow('Expected "beta" to be a number in [0, Infinity], received -1');
    const c = uniform(10, 4, 0, 1);
    c[9] = 2;
    await expect(trainTrouter({ ...ok, cost: c })).rejects.toThrow('Expected "cost" to be values in [0, 1] or NaN (unobserved), received 2 at row 4, column 1');
    const p = new Float32Array(20);
    p[6] = NaN;
    await expect(trainTrouter({ ...ok, prior: p })).rejects.toThrow('Expected "prior" to be finite values >= 0, received NaN at row 1, column 2');
    await expect(trainTrouter({ ...ok, prior: new Float32Array(19) })).rejects.toThrow('Expected "prior.length" to be n × L = 5 × 4 = 20, received 19');
    await expect(trainTrouter({ ...ok, noTask: true, prior: new Float32Array(20) })).rejects.toThrow('Expected "prior" to be undefined with noTask (there is no task variable), received a Float32Array of length 20');
    await expect(trainTrouter({ ...ok, cost: uniform(10, 5, 0, 1), val: { X, n: 5, quality } })).rejects.toThrow(
      'Expected "val.cost" to be a Float32Array [n × M] (the training rows have cost), received undefined',
    );
    await expect(trainTrouter({ ...ok, towerHidden: [3, 3, 3] })).rejects.toThrow('Expected "towerHidden.length" to be at most 2, received 3');
  });

  it('rejects a model whose weights do not match its config', () => {
    const config: TrouterConfig = { d: 3, M: 2, L: 4, de: 3, D: 2, towerHidden: [], decoderHidden: 0, activation: 'relu', tau: 0.07, normalize: true, noTask: false, hasCost: false };
    const w = randomWeights(trouterWeightShapes(config), 1);
    expect(() => trouterForwardSync({ config, weights: { ...w, E: new Float32Array(5) } }, X, 5)).toThrow('Expected "model.weights.E.length" to be its shape = 12, received 5');
    const { 'g.W0': _gone, ...missing } = w;
    expect(() => trouterForwardSync({ config, weights: missing }, X, 5)).toThrow('Expected "model.weights.g.W0" to be a Float32Array, received undefined');
  });
});
