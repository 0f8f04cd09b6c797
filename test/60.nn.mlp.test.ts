// MLP kernel: gradients against finite differences of a float64 reference, the tiled
// forward against the reference, learning on planted problems, early stopping, masks,
// determinism across thread counts, and exact errors on bad input.
import { describe, expect, it } from 'vitest';
import { mlpForward, mlpForwardSync, mlpLossGrad, mlpWeightShapes, trainMlp, type MlpConfig, type MlpModel } from '../src/nn/index.js';
import { checkGradients, clusters, maxAbsDiff, mlpForwardRef, mlpLossRef, randomWeights, sameWeights, uniform } from './helpers-nn.js';
import { rng } from './helpers.js';

const FWD_TOL = 1e-5;

function targets(n: number, O: number, seed: number, nanEvery = 0): Float32Array {
  const r = rng(seed);
  const Y = new Float32Array(n * O);
  for (let i = 0; i < Y.length; i++) Y[i] = nanEvery && i % nanEvery === 3 ? NaN : r();
  return Y;
}

describe('mlp gradients', () => {
  const cases: Array<[string, MlpConfig]> = [
    ['sigmoid-mse, 2 hidden (tanh)', { d: 6, outputs: 3, hidden: [5, 4], activation: 'tanh', loss: 'sigmoid-mse' }],
    ['sigmoid-bce, 1 hidden (gelu)', { d: 5, outputs: 4, hidden: [7], activation: 'gelu', loss: 'sigmoid-bce' }],
    ['softmax-xent, linear', { d: 7, outputs: 5, hidden: [], activation: 'relu', loss: 'softmax-xent' }],
    ['softmax-xent, 1 hidden (gelu)', { d: 4, outputs: 3, hidden: [6], activation: 'gelu', loss: 'softmax-xent' }],
  ];
  for (const [name, config] of cases) {
    it(`analytic gradient = finite differences: ${name}`, () => {
      const n = 37; // two chunks of 32 and a tail
      const X = uniform(n * config.d, 1);
      let Y = targets(n, config.outputs, 2, 5);
      if (config.loss === 'softmax-xent') {
        // soft labels, a NaN row (skipped) and an all-zero row (skipped)
        Y = targets(n, config.outputs, 3);
        Y.fill(NaN, 0, config.outputs);
        Y.fill(0, config.outputs, 2 * config.outputs);
      }
      const model: MlpModel = { config, weights: randomWeights(mlpWeightShapes(config), 4) };
      const { loss, grads } = mlpLossGrad(model, { X, n, Y });
      const ref = mlpLossRef(config, model.weights, X, n, Y);
      expect(Math.abs(loss - ref)).toBeLessThan(1e-5 * Math.max(1, ref));
      const { checked } = checkGradients((w) => mlpLossRef(config, w, X, n, Y), model.weights, grads, Object.keys(mlpWeightShapes(config)));
      expect(checked).toBeGreaterThan(10);
    });
  }

  it('does not depend on chunkRows or threads beyond rounding', () => {
    const config: MlpConfig = { d: 6, outputs: 3, hidden: [8], activation: 'tanh', loss: 'sigmoid-mse' };
    const model: MlpModel = { config, weights: randomWeights(mlpWeightShapes(config), 5) };
    const X = uniform(100 * 6, 6);
    const Y = targets(100, 3, 7);
    const a = mlpLossGrad(model, { X, n: 100, Y }, { chunkRows: 7, threads: 1 });
    const b = mlpLossGrad(model, { X, n: 100, Y }, { chunkRows: 64, threads: 2 });
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.grads.W0, b.grads.W0)).toBeLessThan(1e-6);
  });
});

describe('mlp forward', () => {
  it('equals the float64 reference (sigmoid and softmax), async = sync, n not a multiple of the tile', async () => {
    for (const loss of ['sigmoid-mse', 'softmax-xent'] as const) {
      const config: MlpConfig = { d: 9, outputs: 4, hidden: [11, 5], activation: 'gelu', loss };
      const model: MlpModel = { config, weights: randomWeights(mlpWeightShapes(config), 8) };
      const n = 131;
      const X = uniform(n * 9, 9);
      const ref = mlpForwardRef(config, model.weights, X, n);
      const a = await mlpForward(model, X, n);
      const s = mlpForwardSync(model, X, n, { threads: 1 });
      expect(maxAbsDiff(a, ref)).toBeLessThan(FWD_TOL);
      expect(Array.from(s)).toEqual(Array.from(a));
      if (loss === 'softmax-xent') for (let i = 0; i < n; i++) expect(a.subarray(i * 4, i * 4 + 4).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    }
  });

  it('returns an empty array for n = 0', () => {
    const config: MlpConfig = { d: 3, outputs: 2, hidden: [], activation: 'relu', loss: 'sigmoid-mse' };
    const model: MlpModel = { config, weights: randomWeights(mlpWeightShapes(config), 1) };
    expect(mlpForwardSync(model, new Float32Array(0), 0).length).toBe(0);
  });
});

describe('mlp training', () => {
  it('softmax regression with labels recovers planted clusters', async () => {
    const C = 5;
    const all = clusters(700, 16, C, 0.3, 11);
    const train = { X: all.X.subarray(0, 500 * 16), label: all.label.subarray(0, 500) };
    const Xt = all.X.subarray(500 * 16);
    const lt = all.label.subarray(500);
    const model = await trainMlp({ X: train.X, n: 500, d: 16, outputs: C, labels: train.label, loss: 'softmax-xent', lr: 0.05, epochs: 60, seed: 1 });
    const p = mlpForwardSync(model, Xt, 200);
    let ok = 0;
    for (let i = 0; i < 200; i++) {
      const row = Array.from(p.subarray(i * C, i * C + C));
      if (row.indexOf(Math.max(...row)) === lt[i]) ok++;
    }
    expect(ok / 200).toBeGreaterThan(0.95);
    expect(model.config).toEqual({ d: 16, outputs: C, hidden: [], activation: 'relu', loss: 'softmax-xent' });
    expect(Object.keys(model.weights)).toEqual(['W0', 'b0']);
  });

  it('a one-hidden-layer regressor learns a nonlinear score and beats the column means', async () => {
    const n = 600;
    const d = 4;
    const X = uniform(n * d, 21);
    const Y = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      Y[i * 2] = X[i * d] * X[i * d + 1] > 0 ? 0.9 : 0.1; // XOR-like: not linearly separable
      Y[i * 2 + 1] = i % 3 === 0 ? NaN : 0.5 + 0.4 * Math.sin(3 * X[i * d + 2]);
    }
    const tr = { X: X.subarray(0, 500 * d), n: 500, Y: Y.subarray(0, 1000) };
    const te = { X: X.subarray(500 * d), n: 100, Y: Y.subarray(1000) };
    const model = await trainMlp({ ...tr, d, outputs: 2, hidden: [32], activation: 'tanh', lr: 0.01, epochs: 300, patience: 30, batchSize: 64, val: te, seed: 3 });
    const p = mlpForwardSync(model, te.X, 100);
    let mse = 0;
    let base = 0;
    for (let i = 0; i < 100; i++) {
      mse += (p[i * 2] - te.Y[i * 2]) ** 2;
      base += (0.5 - te.Y[i * 2]) ** 2;
    }
    expect(mse / 100).toBeLessThan(0.25 * (base / 100));
  });

  it('keeps the best epoch: the returned weights have the reported best validation loss', async () => {
    const n = 200;
    const X = uniform(n * 5, 31);
    const Y = targets(n, 2, 32); // pure noise: validation loss soon stops improving
    const val = { X: uniform(80 * 5, 33), n: 80, Y: targets(80, 2, 34) };
    const model = await trainMlp({ X, n, Y, d: 5, outputs: 2, hidden: [64], lr: 0.02, epochs: 200, patience: 3, batchSize: 16, val, seed: 2 });
    const h = model.history!;
    expect(h.epochs).toBeLessThan(200);
    expect(h.epochs).toBe(h.bestEpoch + 1 + 3);
    expect(h.val[h.bestEpoch]).toBe(Math.min(...h.val));
    const { loss } = mlpLossGrad(model, val);
    expect(loss).toBeCloseTo(h.bestLoss, 6);
  });

  it('falls back to the training loss when the validation targets are all unobserved', async () => {
    const X = uniform(60 * 3, 35);
    const Y = targets(60, 2, 36);
    const val = { X: uniform(10 * 3, 37), n: 10, Y: new Float32Array(20).fill(NaN) };
    const model = await trainMlp({ X, n: 60, Y, d: 3, outputs: 2, epochs: 5, patience: 100, val });
    expect(model.history!.val.every(Number.isNaN)).toBe(true);
    expect(model.history!.bestLoss).toBe(Math.min(...model.history!.train));
  });

  it('is bit-identical across thread counts and differs across seeds; dropout is seeded', async () => {
    const n = 300;
    const X = uniform(n * 8, 41);
    const Y = targets(n, 3, 42, 7);
    const base = { X, n, Y, d: 8, outputs: 3, hidden: [16, 8], activation: 'gelu' as const, epochs: 5, batchSize: 128, chunkRows: 16, dropout: 0.2 };
    const a = await trainMlp({ ...base, threads: 1, seed: 5 });
    const b = await trainMlp({ ...base, threads: 2, seed: 5 });
    const c = await trainMlp({ ...base, threads: 3, seed: 5 });
    const e = await trainMlp({ ...base, threads: 2, seed: 6 });
    const f = await trainMlp({ ...base, threads: 2, seed: 5, dropout: 0 });
    expect(sameWeights(a.weights, b.weights)).toBe(true);
    expect(sameWeights(a.weights, c.weights)).toBe(true);
    expect(a.history).toEqual(b.history);
    expect(sameWeights(a.weights, e.weights)).toBe(false);
    expect(sameWeights(a.weights, f.weights)).toBe(false);
  });

  it('ignores unobserved (NaN) targets', async () => {
    const n = 120;
    const X = uniform(n * 3, 51);
    const Y = targets(n, 2, 52);
    const Ynan = Y.slice();
    for (let i = 0; i < n; i += 2) Ynan[i * 2 + 1] = NaN;
    // Column 1 is observed on odd rows only; the loss is the mean over observed entries.
    const config: MlpConfig = { d: 3, outputs: 2, hidden: [], activation: 'relu', loss: 'sigmoid-mse' };
    const model: MlpModel = { config, weights: randomWeights(mlpWeightShapes(config), 53) };
    const full = mlpLossGrad(model, { X, n, Y: Ynan });
    expect(full.loss).toBeCloseTo(mlpLossRef(config, model.weights, X, n, Ynan), 6);
    const poisoned = Ynan.slice();
    // an observed value in place of each NaN changes the loss: NaN is excluded, not read as a value
    for (let i = 0; i < n; i += 2) poisoned[i * 2 + 1] = 1;
    expect(mlpLossGrad(model, { X, n, Y: poisoned }).loss).not.toBeCloseTo(full.loss, 4);
  });
});

describe('mlp bad input', () => {
  const X = uniform(10 * 3, 1);
  const Y = targets(10, 2, 2);
  const ok = { X, n: 10, d: 3, outputs: 2, Y };
  it('rejects bad options with exact messages', async () => {
    await expect(trainMlp({ ...ok, n: 0 })).rejects.toThrow('Expected "n" to be an integer in [1, 2147483647], received 0');
    await expect(trainMlp({ ...ok, X: X.subarray(0, 29) })).rejects.toThrow('Expected "X.length" to be n × d = 10 × 3 = 30, received 29');
    await expect(trainMlp({ ...ok, X: Array.from(X) as unknown as Float32Array })).rejects.toThrow('Expected "X" to be a Float32Array, received an array of length 30');
    const bad = X.slice();
    bad[7] = Infinity;
    await expect(trainMlp({ ...ok, X: bad })).rejects.toThrow('Expected "X" to be finite values only, received Infinity at row 2, column 1');
    const yb = Y.slice();
    yb[3] = 1.5;
    await expect(trainMlp({ ...ok, Y: yb })).rejects.toThrow('Expected "Y" to be values in [0, 1] or NaN (unobserved), received 1.5 at row 1, column 1');
    await expect(trainMlp({ ...ok, hidden: [4, 4, 4] })).rejects.toThrow('Expected "hidden.length" to be at most 2, received 3');
    await expect(trainMlp({ ...ok, hidden: [0] })).rejects.toThrow('Expected "hidden[0]" to be an integer in [1, 1073741824], received 0');
    await expect(trainMlp({ ...ok, lr: 0 })).rejects.toThrow('Expected "lr" to be a number > 0, received 0');
    await expect(trainMlp({ ...ok, lr: NaN })).rejects.toThrow('Expected "lr" to be a finite number, received NaN');
    await expect(trainMlp({ ...ok, dropout: 1 })).rejects.toThrow('Expected "dropout" to be a number in [0, 1), received 1');
    await expect(trainMlp({ ...ok, batchSize: 0 })).rejects.toThrow('Expected "batchSize" to be an integer in [1, 1073741824], received 0');
    await expect(trainMlp({ ...ok, loss: 'mse' as never })).rejects.toThrow(`Expected "loss" to be one of 'sigmoid-mse', 'sigmoid-bce', 'softmax-xent', received "mse"`);
    await expect(trainMlp({ ...ok, activation: 'sigmoid' as never })).rejects.toThrow(`Expected "activation" to be one of 'relu', 'gelu', 'tanh', received "sigmoid"`);
    await expect(trainMlp({ ...ok, labels: new Int32Array(10) })).rejects.toThrow('Pass either "Y" or "labels", not both');
    await expect(trainMlp({ X, n: 10, d: 3, outputs: 2, labels: Int32Array.from([0, 1, 2, 0, 0, 0, 0, 0, 0, 0]) })).rejects.toThrow(
      'Expected "labels" to be class indices in [-1, 1], received "2 at index 2"',
    );
    await expect(trainMlp({ ...ok, val: { X, n: 10, Y: Y.subarray(1) } })).rejects.toThrow('Expected "val.Y.length" to be n × outputs = 10 × 2 = 20, received 19');
  });

  it('rejects detached buffers and bad models in the forward pass', () => {
    const config: MlpConfig = { d: 3, outputs: 2, hidden: [4], activation: 'relu', loss: 'sigmoid-mse' };
    const model: MlpModel = { config, weights: randomWeights(mlpWeightShapes(config), 1) };
    const x = new Float32Array(6);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    expect(() => mlpForwardSync(model, x, 2)).toThrow('Expected "X" to be an attached Float32Array, received "a detached buffer"');
    const broken: MlpModel = { config, weights: { ...model.weights, W1: new Float32Array(7) } };
    expect(() => mlpForwardSync(broken, new Float32Array(6), 2)).toThrow('Expected "model.weights.W1.length" to be its shape = 8, received 7');
    const nanW: MlpModel = { config, weights: { ...model.weights, b0: Float32Array.from([0, NaN, 0, 0]) } };
    expect(() => mlpForwardSync(nanW, new Float32Array(6), 2)).toThrow('Expected "model.weights.b0" to be finite values only, received NaN at index 1');
  });

  it('the native layer refuses wrong lengths without crashing', async () => {
    const { native } = await import('../src/native.js');
    const b = native<{ mlpForwardSync(o: unknown): Float32Array }>();
    expect(() => b.mlpForwardSync({ d: 3, outputs: 2, weights: { W0: new Float32Array(5), b0: new Float32Array(2) }, X: new Float32Array(3), n: 1 })).toThrow(
      'weights.W0 has length 5, expected 6',
    );
    expect(() => b.mlpForwardSync({ d: 3, outputs: 2, weights: { W0: new Float32Array(6), b0: new Float32Array(2) }, X: new Float32Array(3), n: 2 })).toThrow(
      'X has length 3, expected 6',
    );
  });
});
