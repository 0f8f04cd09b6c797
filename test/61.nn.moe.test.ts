// FineRouter MoE on CPU: the fused forward against a float64 reference on awkward shapes,
// gradients of both phases against finite differences, the two-phase training on a planted
// problem (task heads beat the general heads), freezing, determinism, and bad input.
import { describe, expect, it } from 'vitest';
import { moeForward, moeForwardSync, moeLossGrad, moeWeightShapes, trainMoe, type MoeConfig, type MoeModel } from '../src/nn/index.js';
import { checkGradients, clusters, maxAbsDiff, moeForwardRef, moeLossRef, randomWeights, sameWeights, uniform, type MoeLossOpts } from './helpers-nn.js';
import { rng } from './helpers.js';

const FWD_TOL = 1e-5;

/** Random CSR heads: each task gets a random subset of the models (some tasks none). */
function randomHeads(T: number, M: number, seed: number, emptyEvery = 3) {
  const r = rng(seed);
  const ptr = [0];
  const model: number[] = [];
  for (let t = 0; t < T; t++) {
    if (emptyEvery && t % emptyEvery === 1) {
      ptr.push(model.length);
      continue;
    }
    for (let m = 0; m < M; m++) if (r() < 0.5) model.push(m);
    ptr.push(model.length);
  }
  return { headPtr: Int32Array.from(ptr), headModel: Int32Array.from(model) };
}

function moeModel(d: number, H: number, T: number, M: number, K: number, seed: number, activation: MoeConfig['activation'] = 'gelu', scale = 0.5): MoeModel {
  const config: MoeConfig = { d, H, T, M, K, activation, ...randomHeads(T, M, seed) };
  return { config, weights: randomWeights(moeWeightShapes(config), seed + 1, scale) };
}

describe('moe fused forward (CPU)', () => {
  const shapes: Array<[string, number, number, number, number, number, number]> = [
    // name, d, H, T, M, K, n
    ['K = 1', 12, 16, 6, 4, 1, 40],
    ['K = T', 8, 20, 5, 3, 5, 33],
    ['M = 1', 10, 8, 4, 1, 2, 32],
    ['T = 1', 6, 9, 1, 5, 1, 17],
    ['H not a multiple of anything, n not a multiple of the tile', 13, 37, 7, 6, 3, 97],
    ['K = 5 > 4 (partial sort path)', 11, 24, 9, 4, 5, 65],
  ];
  for (const [name, d, H, T, M, K, n] of shapes) {
    it(`equals the float64 reference: ${name}`, async () => {
      const model = moeModel(d, H, T, M, K, d * 31 + T);
      const X = uniform(n * d, n);
      const ref = moeForwardRef(model.config, model.weights, X, n);
      const out = await moeForward(model, X, n, { outputs: ['q2', 'gate', 'general'], backend: 'cpu' });
      expect(maxAbsDiff(out.q2!, ref.q2)).toBeLessThan(FWD_TOL);
      expect(maxAbsDiff(out.gate!, ref.gate)).toBeLessThan(FWD_TOL);
      expect(maxAbsDiff(out.general!, ref.general)).toBeLessThan(FWD_TOL);
      const s1 = moeForwardSync(model, X, n, { backend: 'cpu', threads: 1 });
      expect(Object.keys(s1)).toEqual(['q2']);
      expect(Array.from(s1.q2!)).toEqual(Array.from(out.q2!));
    });
  }

  it('tasks without candidate heads fall back to the general heads; K override', () => {
    const config: MoeConfig = { d: 5, H: 6, T: 3, M: 3, K: 2, activation: 'relu', headPtr: Int32Array.from([0, 0, 0, 0]), headModel: new Int32Array(0) };
    const model: MoeModel = { config, weights: randomWeights(moeWeightShapes(config), 3) };
    const X = uniform(10 * 5, 4);
    const out = moeForwardSync(model, X, 10, { outputs: ['q2', 'general'], backend: 'cpu' });
    expect(maxAbsDiff(out.q2!, out.general!)).toBeLessThan(1e-6);
    const m2 = moeModel(7, 10, 6, 4, 3, 77);
    const k1 = moeForwardSync(m2, uniform(20 * 7, 5), 20, { K: 1, backend: 'cpu' });
    expect(maxAbsDiff(k1.q2!, moeForwardRef(m2.config, m2.weights, uniform(20 * 7, 5), 20, 1).q2)).toBeLessThan(FWD_TOL);
  });

  it('is bit-identical across thread counts and handles n = 0', () => {
    const model = moeModel(32, 48, 12, 6, 2, 5);
    const X = uniform(300 * 32, 6);
    const a = moeForwardSync(model, X, 300, { backend: 'cpu', threads: 1, outputs: ['q2', 'gate'] });
    const b = moeForwardSync(model, X, 300, { backend: 'cpu', threads: 2, outputs: ['q2', 'gate'] });
    expect(Array.from(a.q2!)).toEqual(Array.from(b.q2!));
    expect(Array.from(a.gate!)).toEqual(Array.from(b.gate!));
    expect(moeForwardSync(model, new Float32Array(0), 0, { backend: 'cpu' }).q2!.length).toBe(0);
  });
});

describe('moe gradients', () => {
  const d = 6;
  const n = 45;
  const model = moeModel(d, 7, 5, 4, 2, 11, 'tanh', 0.6);
  const X = uniform(n * d, 12);
  const r = rng(13);
  const Y = Float32Array.from({ length: n * 4 }, (_, i) => (i % 7 === 2 ? NaN : r()));
  const G = new Float32Array(n * 5);
  for (let i = 0; i < n; i++) if (i % 4 !== 0) G[i * 5 + (i % 5)] = i % 3 === 0 ? 0.5 : 1; // some rows without target
  for (let i = 0; i < n; i += 3) G[i * 5 + ((i + 2) % 5)] += 0.5; // soft targets
  const all = Object.keys(moeWeightShapes(model.config));
  const cases: Array<[string, MoeLossOpts, boolean, string[]]> = [
    ['phase 1, MSE, gate CE', { phase: 1, gateWeight: 0.7, tuneGate: true, phase1Loss: 'mse' }, true, ['W1', 'b1', 'U', 'c', 'Wg', 'bg']],
    ['phase 1, BCE, no gate targets', { phase: 1, gateWeight: 1, tuneGate: true, phase1Loss: 'bce' }, false, ['W1', 'b1', 'U', 'c']],
    ['phase 2, gate tuned, gate CE', { phase: 2, gateWeight: 0.5, tuneGate: true, phase1Loss: 'mse' }, true, ['V', 'e', 'Wg', 'bg']],
    ['phase 2, gate tuned, mix only', { phase: 2, gateWeight: 1, tuneGate: true, phase1Loss: 'mse' }, false, ['V', 'e', 'Wg', 'bg']],
    ['phase 2, gate frozen', { phase: 2, gateWeight: 1, tuneGate: false, phase1Loss: 'mse' }, true, ['V', 'e']],
  ];
  for (const [name, o, withG, trainable] of cases) {
    it(`analytic gradient = finite differences: ${name}`, () => {
      const rows = { X, n, Y, gateTargets: withG ? G : undefined };
      const { loss, grads } = moeLossGrad(model, rows, o);
      const ref = moeLossRef(model.config, model.weights, X, n, Y, rows.gateTargets, o);
      expect(Math.abs(loss - ref)).toBeLessThan(1e-5 * Math.max(1, ref));
      checkGradients((w) => moeLossRef(model.config, w, X, n, Y, rows.gateTargets, o), model.weights, grads, trainable);
      for (const k of all.filter((k) => !trainable.includes(k))) expect(grads[k].every((v) => v === 0), `${k} is frozen`).toBe(true);
      for (const k of trainable) expect(grads[k].some((v) => v !== 0), `${k} gets a gradient`).toBe(true);
    });
  }
});

/**
 * Planted routing problem: T clusters of prompts; on cluster t, models t % M and
 * (t + 1) % M are good (0.85 / 0.7), the others poor (0.15), so the best model depends
 * on the task. With a narrow trunk (H = 3) the general heads cannot fit every task at
 * once; each task's heads only have to fit their own task. Gate targets: the one-hot cluster.
 */
function planted(n: number, d: number, T: number, M: number, seed: number) {
  const c = clusters(n, d, T, 0.1, seed);
  const r = rng(seed + 1);
  const Y = new Float32Array(n * M);
  const G = new Float32Array(n * T);
  for (let i = 0; i < n; i++) {
    const t = c.label[i];
    G[i * T + t] = 1;
    for (let m = 0; m < M; m++) {
      const base = m === t % M ? 0.85 : m === (t + 1) % M ? 0.7 : 0.15;
      Y[i * M + m] = Math.min(1, Math.max(0, base + (r() - 0.5) * 0.1));
    }
  }
  return { X: c.X, Y, G, label: c.label };
}

function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

describe('moe training', () => {
  const T = 8;
  const M = 5;
  const d = 24;
  const data = planted(1400, d, T, M, 21);
  const nTr = 1000;
  const nVa = 200;
  const split = (a: Float32Array, w: number, b: number, e: number) => a.subarray(b * w, e * w);
  const train = { X: split(data.X, d, 0, nTr), n: nTr, Y: split(data.Y, M, 0, nTr), gateTargets: split(data.G, T, 0, nTr) };
  const val = { X: split(data.X, d, nTr, nTr + nVa), n: nVa, Y: split(data.Y, M, nTr, nTr + nVa), gateTargets: split(data.G, T, nTr, nTr + nVa) };
  const test = { X: split(data.X, d, nTr + nVa, 1400), n: 200, Y: split(data.Y, M, nTr + nVa, 1400) };
  // every task has heads for its two good models
  const headPtr = Int32Array.from({ length: T + 1 }, (_, t) => 2 * t);
  const headModel = Int32Array.from({ length: 2 * T }, (_, j) => {
    const t = j >> 1;
    const a = t % M;
    const b = (t + 1) % M;
    return j % 2 === 0 ? Math.min(a, b) : Math.max(a, b);
  });
  const base = { ...train, d, M, T, headPtr, headModel, hidden: 3, K: 2, val, lr: 0.01, epochs: 60, patience: 6, batchSize: 64, seed: 4, chunkRows: 16 };

  it('reaches a low error, and the task heads beat the general heads alone', async () => {
    const model = await trainMoe(base);
    const out = await moeForward(model, test.X, test.n, { outputs: ['q2', 'general', 'gate'], backend: 'cpu' });
    const eq2 = mse(out.q2!, test.Y);
    const eg = mse(out.general!, test.Y);
    expect(eq2).toBeLessThan(0.005);
    expect(eq2).toBeLessThan(0.8 * eg);
    // on the entries the task heads own (each task's candidate models) the gain is large
    let cq = 0;
    let cg = 0;
    for (let i = 0; i < test.n; i++) {
      const t = data.label[nTr + nVa + i];
      for (const m of [t % M, (t + 1) % M]) {
        cq += (out.q2![i * M + m] - test.Y[i * M + m]) ** 2;
        cg += (out.general![i * M + m] - test.Y[i * M + m]) ** 2;
      }
    }
    expect(cq).toBeLessThan(0.4 * cg);
    expect(cq / (2 * test.n)).toBeLessThan(0.003);
    // the gate learnt the tasks
    let ok = 0;
    for (let i = 0; i < test.n; i++) {
      const p = Array.from(out.gate!.subarray(i * T, i * T + T));
      if (p.indexOf(Math.max(...p)) === data.label[nTr + nVa + i]) ok++;
    }
    expect(ok / test.n).toBeGreaterThan(0.95);
    const h = model.history!;
    expect(h.phase1.epochs).toBeGreaterThan(0);
    expect(h.phase2.epochs).toBeGreaterThan(0);
    expect(h.phase2.bestLoss).toBeLessThanOrEqual(h.phase2.initial);
    expect(Object.keys(model.weights).sort()).toEqual(['U', 'V', 'W1', 'Wg', 'b1', 'bg', 'c', 'e']);
  });

  it('phase 2 freezes the trunk and the general heads; phases = 1 copies them into the task heads', async () => {
    const small = { ...base, epochs: 4 };
    const one = await trainMoe({ ...small, phases: 1 });
    const two = await trainMoe(small);
    for (const k of ['W1', 'b1', 'U', 'c']) expect(Array.from(two.weights[k])).toEqual(Array.from(one.weights[k]));
    for (let j = 0; j < headModel.length; j++) {
      expect(Array.from(one.weights.V.subarray(j * 3, j * 3 + 3))).toEqual(Array.from(one.weights.U.subarray(headModel[j] * 3, headModel[j] * 3 + 3)));
      expect(one.weights.e[j]).toBe(one.weights.c[headModel[j]]);
    }
    expect(sameWeights({ V: one.weights.V }, { V: two.weights.V })).toBe(false);
    expect(one.history!.phase2.epochs).toBe(0);
  });

  it('gateInit sets the gate; without gate training it is returned unchanged', async () => {
    const Wg = uniform(T * d, 61);
    const bg = uniform(T, 62);
    const m = await trainMoe({ ...base, epochs: 3, gateInit: { Wg, bg }, gateTargets: undefined, val: { ...val, gateTargets: undefined }, tuneGate: false });
    expect(Array.from(m.weights.Wg)).toEqual(Array.from(Wg));
    expect(Array.from(m.weights.bg)).toEqual(Array.from(bg));
    const m2 = await trainMoe({ ...base, epochs: 3, gateInit: { Wg, bg } });
    expect(Array.from(m2.weights.Wg)).not.toEqual(Array.from(Wg));
  });

  it('is bit-identical across thread counts', async () => {
    const small = { ...base, epochs: 3, batchSize: 128 };
    const a = await trainMoe({ ...small, threads: 1 });
    const b = await trainMoe({ ...small, threads: 2 });
    const c = await trainMoe({ ...small, threads: 3 });
    expect(sameWeights(a.weights, b.weights)).toBe(true);
    expect(sameWeights(a.weights, c.weights)).toBe(true);
    expect(a.history).toEqual(b.history);
    const e = await trainMoe({ ...small, seed: 5 });
    expect(sameWeights(a.weights, e.weights)).toBe(false);
  });

  it('is bit-identical across thread counts with the built-in GEMM as well', async () => {
    const { native } = await import('../src/native.js');
    const before = native().info().gemm;
    native().setGemmBackend('builtin');
    try {
      const small = { ...base, epochs: 2, batchSize: 128 };
      const a = await trainMoe({ ...small, threads: 1 });
      const b = await trainMoe({ ...small, threads: 2 });
      expect(sameWeights(a.weights, b.weights)).toBe(true);
      const X = test.X;
      const f1 = moeForwardSync(a, X, test.n, { backend: 'cpu', threads: 1 });
      const f2 = moeForwardSync(a, X, test.n, { backend: 'cpu', threads: 2 });
      expect(Array.from(f1.q2!)).toEqual(Array.from(f2.q2!));
    } finally {
      native().setGemmBackend(before);
    }
  });
});

describe('moe bad input', () => {
  const d = 4;
  const T = 3;
  const M = 2;
  const X = uniform(6 * d, 1);
  const Y = uniform(6 * M, 2, 0, 1);
  const ok = { X, n: 6, Y, d, M, T, headPtr: Int32Array.from([0, 1, 1, 2]), headModel: Int32Array.from([1, 0]), hidden: 4 };
  it('rejects bad heads and options with exact messages', async () => {
    await expect(trainMoe({ ...ok, headPtr: Int32Array.from([1, 1, 1, 2]) })).rejects.toThrow('Expected "headPtr[0]" to be 0, received 1');
    await expect(trainMoe({ ...ok, headPtr: Int32Array.from([0, 2, 1, 2]), headModel: Int32Array.from([0, 1]) })).rejects.toThrow('Expected "headPtr[2]" to be >= headPtr[1] = 2 (non-decreasing), received 1');
    await expect(trainMoe({ ...ok, headPtr: Int32Array.from([0, 1, 1]) })).rejects.toThrow('Expected "headPtr.length" to be T + 1 = 3 + 1 = 4, received 3');
    await expect(trainMoe({ ...ok, headPtr: Int32Array.from([0, 1, 1, 3]) })).rejects.toThrow('Expected "headPtr[3]" to be headModel.length = 2, received 3');
    await expect(trainMoe({ ...ok, headModel: Int32Array.from([2, 0]) })).rejects.toThrow('Expected "headModel[0]" to be a model index in [0, 1], received 2');
    await expect(trainMoe({ ...ok, headPtr: Int32Array.from([0, 2, 2, 2]), headModel: Int32Array.from([1, 1]) })).rejects.toThrow(
      'Expected "headModel[1]" to be > headModel[0] = 1 (strictly increasing within task 0), received 1',
    );
    await expect(trainMoe({ ...ok, headModel: Float32Array.from([1, 0]) as unknown as Int32Array })).rejects.toThrow('Expected "headModel" to be an Int32Array, received a Float32Array of length 2');
    await expect(trainMoe({ ...ok, K: 4 })).rejects.toThrow('Expected "K" to be an integer in [1, 3], received 4');
    const yb = Y.slice();
    yb[5] = -0.1;
    await expect(trainMoe({ ...ok, Y: yb })).rejects.toThrow('Expected "Y" to be values in [0, 1] or NaN (unobserved), received -0.10000000149011612 at row 2, column 1');
    const g = new Float32Array(6 * T);
    g[4] = -1;
    await expect(trainMoe({ ...ok, gateTargets: g })).rejects.toThrow('Expected "gateTargets" to be finite values >= 0, received -1 at row 1, column 1');
    await expect(trainMoe({ ...ok, gateTargets: new Float32Array(6 * T), val: { X, n: 6, Y } })).rejects.toThrow(
      'Expected "val.gateTargets" to be a Float32Array [n × T] (the training rows have gateTargets), received undefined',
    );
    await expect(trainMoe({ ...ok, gateInit: { Wg: new Float32Array(5), bg: new Float32Array(T) } })).rejects.toThrow('Expected "gateInit.Wg.length" to be T × d = 3 × 4 = 12, received 5');
    await expect(trainMoe({ ...ok, phases: 3 as never })).rejects.toThrow('Expected "phases" to be an integer in [1, 2], received 3');
    await expect(trainMoe({ ...ok, gateWeight: -1 })).rejects.toThrow('Expected "gateWeight" to be a number in [0, Infinity], received -1');
  });

  it('rejects bad forward options; the native layer checks the CSR itself', async () => {
    const config: MoeConfig = { d, H: 4, T, M, K: 2, activation: 'relu', headPtr: ok.headPtr, headModel: ok.headModel };
    const model: MoeModel = { config, weights: randomWeights(moeWeightShapes(config), 1) };
    expect(() => moeForwardSync(model, X, 6, { outputs: ['q3' as never] })).toThrow(`Expected "outputs[0]" to be one of 'q2', 'gate', 'general', received "q3"`);
    expect(() => moeForwardSync(model, X, 6, { outputs: [] })).toThrow(`Expected "outputs" to be a non-empty array of 'q2', 'gate', 'general', received an array of length 0`);
    expect(() => moeForwardSync(model, X, 6, { backend: 'gpu' as never })).toThrow(`Expected "backend" to be one of 'auto', 'cpu', 'cuda', received "gpu"`);
    expect(() => moeForwardSync(model, X, 6, { K: 0 })).toThrow('Expected "K" to be an integer in [1, 3], received 0');
    await expect(moeForward(model, X.subarray(1), 6)).rejects.toThrow('Expected "X.length" to be n × d = 6 × 4 = 24, received 23');
    const { native } = await import('../src/native.js');
    const b = native<{ moeForwardSync(o: unknown): unknown }>();
    const raw = { ...config, weights: model.weights, X, n: 6 };
    expect(() => b.moeForwardSync({ ...raw, headModel: Int32Array.from([5, 0]) })).toThrow('headModel[0] is not a model index in [0, M)');
    expect(() => b.moeForwardSync({ ...raw, headPtr: Int32Array.from([0, 2, 1, 2]), headModel: Int32Array.from([0, 1]) })).toThrow('headPtr must be non-decreasing (task 1)');
    expect(() => b.moeForwardSync({ ...raw, headPtr: Int32Array.from([0, 1, 9, 9]) })).toThrow('headPtr exceeds the number of heads');
    expect(() => b.moeForwardSync({ ...raw, weights: { ...model.weights, V: new Float32Array(3) } })).toThrow('weights.V has length 3, expected 8');
  });
});
