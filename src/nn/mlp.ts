// The MLP regressor / classifier over the native kernel (kernels/nn_mlp.h): sigmoid
// outputs trained on masked scores (MSE or BCE) or a softmax output trained on target
// distributions. Used by the `mlp` baseline router, FineRouter's task classifier p(t|x)
// and TRouter's MetricRouter baseline.

import { assertInteger, assertObject, assertOneOf, assertNumber, outOfRange, invalidParameter } from '../validate.js';
import {
  ACTIVATIONS,
  assertF32,
  assertFinite,
  assertI32,
  assertMaskedUnit,
  assertThreads,
  assertWeights,
  assertWidths,
  checkedModels,
  runAsync,
  runSync,
  toHistory,
  trainArgs,
  type Activation,
  type LossGrad,
  type NnTrainOptions,
  type TrainHistory,
  type Weights,
} from './common.js';

export type MlpLoss = 'sigmoid-mse' | 'sigmoid-bce' | 'softmax-xent';
const LOSSES: readonly MlpLoss[] = ['sigmoid-mse', 'sigmoid-bce', 'softmax-xent'];

/** Rows with targets: either `Y` or `labels`. */
export interface MlpRows {
  /** [n × d] inputs, row-major. */
  X: Float32Array;
  n: number;
  /**
   * [n × outputs] targets. Sigmoid losses: each in [0, 1], NaN = unobserved (excluded
   * from the loss). softmax-xent: a target distribution per row (≥ 0; one-hot or soft
   * labels; normalised by its sum); a row with NaN or all zeros is skipped.
   */
  Y?: Float32Array;
  /** [n] class indices in [0, outputs) (−1 = unlabelled): one-hot targets, instead of Y. */
  labels?: Int32Array;
}

export interface MlpTrainOptions extends NnTrainOptions, MlpRows {
  /** Input width. */
  d: number;
  /** Output width (models for a regressor, classes for a classifier). */
  outputs: number;
  /** Output and loss (default 'sigmoid-mse'). */
  loss?: MlpLoss;
  /** Hidden widths, 0–2 layers (default []: linear / softmax regression). */
  hidden?: number[];
  /** Activation of the hidden layers (default 'relu'; 'gelu' is the tanh approximation). */
  activation?: Activation;
  /** Dropout on hidden activations while training, in [0, 1) (default 0). */
  dropout?: number;
  /** Validation rows for early stopping (default none: stop on the training loss). */
  val?: MlpRows;
}

/** What a trained MLP is: enough to run it and to save it. */
export interface MlpConfig {
  d: number;
  outputs: number;
  hidden: number[];
  activation: Activation;
  loss: MlpLoss;
}

/**
 * Weights: layer l maps sizes[l] → sizes[l+1], sizes = [d, ...hidden, outputs]:
 * `W{l}` [sizes[l+1] × sizes[l]], `b{l}` [sizes[l+1]].
 */
export interface MlpModel {
  config: MlpConfig;
  weights: Weights;
  history?: TrainHistory;
}

export interface MlpForwardOptions {
  /** Worker threads (default 0: every core). */
  threads?: number;
}

function checkConfig(c: unknown): MlpConfig {
  const o = assertObject('model.config', c);
  return {
    d: assertInteger('model.config.d', o.d, 1),
    outputs: assertInteger('model.config.outputs', o.outputs, 1),
    hidden: assertWidths('model.config.hidden', o.hidden ?? []),
    activation: assertOneOf('model.config.activation', o.activation ?? 'relu', ACTIVATIONS),
    loss: assertOneOf('model.config.loss', o.loss ?? 'sigmoid-mse', LOSSES),
  };
}

/** Names and lengths of the weights of an MLP. */
export function mlpWeightShapes(c: MlpConfig): Record<string, number> {
  const sizes = [c.d, ...c.hidden, c.outputs];
  const out: Record<string, number> = {};
  for (let l = 0; l + 1 < sizes.length; l++) {
    out[`W${l}`] = sizes[l + 1] * sizes[l];
    out[`b${l}`] = sizes[l + 1];
  }
  return out;
}

function checkModel(model: unknown): MlpConfig {
  const m = assertObject('model', model);
  const config = checkConfig(m.config);
  if (!checkedModels.has(m)) {
    assertWeights('model.weights', m.weights, mlpWeightShapes(config));
    checkedModels.add(m);
  }
  return config;
}

/** Checks X [n × d] and the targets (Y or labels) of one set; returns the targets as Y. */
function checkRows(prefix: string, r: MlpRows, d: number, outputs: number, loss: MlpLoss, minRows: number): { X: Float32Array; n: number; Y: Float32Array } {
  const o = assertObject(prefix || 'options', r);
  const p = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const n = assertInteger(p('n'), o.n, minRows, 2 ** 31 - 1);
  const X = assertF32(p('X'), o.X, n * d, `n × d = ${n} × ${d}`);
  assertFinite(p('X'), X, d);
  if (o.Y !== undefined && o.labels !== undefined) throw new TypeError(`Pass either "${p('Y')}" or "${p('labels')}", not both`);
  let Y: Float32Array;
  if (o.labels !== undefined) {
    const labels = assertI32(p('labels'), o.labels, n, `n = ${n}`);
    Y = new Float32Array(n * outputs);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      if (c < -1 || c >= outputs) throw outOfRange(p('labels'), `class indices in [-1, ${outputs - 1}]`, `${c} at index ${i}`);
      if (c === -1) Y.fill(NaN, i * outputs, (i + 1) * outputs);
      else Y[i * outputs + c] = 1;
    }
  } else {
    if (o.Y === undefined) throw invalidParameter(p('Y'), 'a Float32Array (or pass "labels")', undefined);
    Y = assertF32(p('Y'), o.Y, n * outputs, `n × outputs = ${n} × ${outputs}`);
    if (loss === 'softmax-xent') {
      for (let i = 0; i < Y.length; i++) {
        const v = Y[i];
        if (!Number.isNaN(v) && !(v >= 0 && Number.isFinite(v)))
          throw new RangeError(`Expected "${p('Y')}" to be finite values >= 0 or NaN (row skipped), received ${v} at row ${Math.floor(i / outputs)}, column ${i % outputs}`);
      }
    } else {
      assertMaskedUnit(p('Y'), Y, outputs);
    }
  }
  return { X, n, Y };
}

/** Trains an MLP (minibatch Adam, early stopping on `val`). Deterministic for a seed, whatever `threads`. */
export async function trainMlp(options: MlpTrainOptions): Promise<MlpModel> {
  const o = assertObject('options', options) as unknown as MlpTrainOptions;
  const d = assertInteger('d', o.d, 1, 2 ** 30);
  const outputs = assertInteger('outputs', o.outputs, 1, 2 ** 30);
  const loss = o.loss === undefined ? 'sigmoid-mse' : assertOneOf('loss', o.loss, LOSSES);
  const hidden = o.hidden === undefined ? [] : assertWidths('hidden', o.hidden);
  const activation = o.activation === undefined ? 'relu' : assertOneOf('activation', o.activation, ACTIVATIONS);
  const dropout = o.dropout === undefined ? 0 : assertNumber('dropout', o.dropout, 0, 1);
  if (dropout >= 1) throw outOfRange('dropout', 'a number in [0, 1)', dropout);
  const train = trainArgs(o);
  const rows = checkRows('', o, d, outputs, loss, 1);
  const val = o.val === undefined ? undefined : checkRows('val', o.val, d, outputs, loss, 0);
  const config: MlpConfig = { d, outputs, hidden, activation, loss };
  const res = await runAsync<{ weights: Weights; history: Parameters<typeof toHistory>[0] }>('mlpTrain', {
    ...config,
    ...train,
    dropout,
    X: rows.X,
    n: rows.n,
    Y: rows.Y,
    val: val && { X: val.X, n: val.n, Y: val.Y },
  });
  return { config, weights: res.weights, history: toHistory(res.history) };
}

function forwardArgs(model: MlpModel, X: Float32Array, n: number, o: MlpForwardOptions | undefined): Record<string, unknown> {
  const c = checkModel(model);
  const rows = assertInteger('n', n, 0, 2 ** 31 - 1);
  assertF32('X', X, rows * c.d, `n × d = ${rows} × ${c.d}`);
  assertFinite('X', X, c.d);
  const threads = assertThreads(o?.threads);
  return { ...c, weights: model.weights, X, n: rows, threads };
}

/** Probabilities [n × outputs]: sigmoid per output, or softmax rows for 'softmax-xent'. */
export async function mlpForward(model: MlpModel, X: Float32Array, n: number, options?: MlpForwardOptions): Promise<Float32Array> {
  return runAsync<Float32Array>('mlpForward', forwardArgs(model, X, n, options));
}

/** Synchronous twin of mlpForward (small batches, one-row latency). */
export function mlpForwardSync(model: MlpModel, X: Float32Array, n: number, options?: MlpForwardOptions): Float32Array {
  return runSync<Float32Array>('mlpForwardSync', forwardArgs(model, X, n, options));
}

/** Debug: the training loss over rows at the model's weights and its gradient per weight (no dropout). */
export function mlpLossGrad(model: MlpModel, rows: MlpRows, options: { chunkRows?: number; threads?: number } = {}): LossGrad {
  const c = checkModel(model);
  const r = checkRows('rows', rows, c.d, c.outputs, c.loss, 0);
  const t = trainArgs({ chunkRows: options.chunkRows, threads: options.threads });
  return runSync<LossGrad>('mlpLossGrad', { ...c, weights: model.weights, X: r.X, n: r.n, Y: r.Y, chunkRows: t.chunkRows, threads: t.threads });
}
