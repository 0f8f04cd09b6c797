// The TRouter model over the native kernel (kernels/nn_trouter.h): a task recogniser
// q(t|x) = softmax(f̂(x)·ĝ(e_t)/τ) over the taxonomy leaves, per-metric decoders of the
// leaf representations, estimates ĥ(x, μ, m) = Σ_t q(t|x)·dec_μ(t)_m, trained on masked MSE
// plus β·KL(q ‖ prior). The loss, the KL's direction and smoothing and τ follow the
// authors' code (less-and-less-bugs/ColdStartLLMRouter); see nn_trouter.h for the details.

import { assertBoolean, assertInteger, assertNumber, assertObject, assertOneOf, invalidParameter } from '../validate.js';
import {
  ACTIVATIONS,
  assertF32,
  assertFinite,
  assertMaskedUnit,
  assertNonNegative,
  assertPositive,
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

export interface TrouterRows {
  /** [n × d] prompt embeddings. */
  X: Float32Array;
  n: number;
  /** [n × M] quality in [0, 1]; NaN = unobserved. */
  quality: Float32Array;
  /** [n × M] cost scaled to [0, 1] by the caller; NaN = unobserved. Required in val when given in training. */
  cost?: Float32Array;
  /**
   * [n × L] prior over the leaves, ≥ 0 (one-hot on the producing leaf, or spread over a
   * subtree; normalised by its sum); an all-zero row has no KL term. Task mode only.
   */
  prior?: Float32Array;
}

export interface TrouterTrainOptions extends NnTrainOptions, TrouterRows {
  /** Prompt embedding width. */
  d: number;
  /** Models. */
  M: number;
  /** [L × de] embedded leaf descriptions (task mode; required unless noTask). */
  E?: Float32Array;
  /** Leaves (rows of E). */
  L?: number;
  /** Width of the leaf description embeddings (columns of E; default d). */
  de?: number;
  /** Task representation width D, the towers' output (default 128). */
  dim?: number;
  /** Hidden widths of both towers f and g, 0–2 layers (default [256], as the authors' towers). */
  towerHidden?: number[];
  /** Hidden width of each metric's decoder (default 128; 0 = linear decoder). */
  decoderHidden?: number;
  /** Activation of the hidden layers (default 'relu'). */
  activation?: Activation;
  /** Temperature τ of the recogniser's softmax, > 0 (default 0.07, the authors'). */
  tau?: number;
  /** L2-normalise f(x) and g(e_t) before the dot product (cosine similarity; default true). */
  normalize?: boolean;
  /** Weight β of KL(q ‖ prior), ≥ 0 (default 1, the authors' kl_weight); 0 = the ablation without it. */
  beta?: number;
  /** Weight of the quality MSE (default 1). */
  qualityWeight?: number;
  /** Weight of the cost MSE (default 1). */
  costWeight?: number;
  /** Ablation without the latent task: ĥ = dec(f(x)) (default false). */
  noTask?: boolean;
  /** Validation rows for early stopping. */
  val?: TrouterRows;
}

export interface TrouterConfig {
  d: number;
  M: number;
  /** Leaves (0 with noTask). */
  L: number;
  /** Leaf description width (0 with noTask). */
  de: number;
  D: number;
  towerHidden: number[];
  decoderHidden: number;
  activation: Activation;
  tau: number;
  normalize: boolean;
  noTask: boolean;
  /** A cost decoder exists (cost targets were given in training). */
  hasCost: boolean;
}

/**
 * Weights: towers `f.W{l}`, `f.b{l}` (d → … → D) and `g.W{l}`, `g.b{l}` (de → … → D; task
 * mode), decoders `quality.W0`, `quality.b0` [, `quality.W1`, `quality.b1`] (D → [hidden →] M)
 * and `cost.…` likewise, and `E` [L × de], the leaf description embeddings (task mode).
 */
export interface TrouterModel {
  config: TrouterConfig;
  weights: Weights;
  history?: TrainHistory;
}

export interface TrouterForwardResult {
  /** [n × L] the task recogniser q(t|x) (task mode). */
  q?: Float32Array;
  /** [n × M] estimated quality. */
  quality: Float32Array;
  /** [n × M] estimated cost, on the caller's [0, 1] scale (when the model has a cost decoder). */
  cost?: Float32Array;
}

/** Names and lengths of the TRouter model's weights (E included in task mode). */
export function trouterWeightShapes(c: TrouterConfig): Record<string, number> {
  const out: Record<string, number> = {};
  const stack = (prefix: string, input: number, widths: number[]) => {
    widths.forEach((w, l) => {
      out[`${prefix}.W${l}`] = w * (l === 0 ? input : widths[l - 1]);
      out[`${prefix}.b${l}`] = w;
    });
  };
  const tw = [...c.towerHidden, c.D];
  stack('f', c.d, tw);
  if (!c.noTask) stack('g', c.de, tw);
  const dw = c.decoderHidden > 0 ? [c.decoderHidden, c.M] : [c.M];
  stack('quality', c.D, dw);
  if (c.hasCost) stack('cost', c.D, dw);
  if (!c.noTask) out.E = c.L * c.de;
  return out;
}

function checkConfig(v: unknown): TrouterConfig {
  const o = assertObject('model.config', v);
  const noTask = assertBoolean('model.config.noTask', o.noTask ?? false);
  return {
    d: assertInteger('model.config.d', o.d, 1),
    M: assertInteger('model.config.M', o.M, 1),
    L: noTask ? 0 : assertInteger('model.config.L', o.L, 1),
    de: noTask ? 0 : assertInteger('model.config.de', o.de, 1),
    D: assertInteger('model.config.D', o.D, 1),
    towerHidden: assertWidths('model.config.towerHidden', o.towerHidden ?? []),
    decoderHidden: assertInteger('model.config.decoderHidden', o.decoderHidden ?? 0, 0),
    activation: assertOneOf('model.config.activation', o.activation ?? 'relu', ACTIVATIONS),
    tau: assertPositive('model.config.tau', o.tau ?? 0.07),
    normalize: assertBoolean('model.config.normalize', o.normalize ?? true),
    noTask,
    hasCost: assertBoolean('model.config.hasCost', o.hasCost ?? false),
  };
}

function checkModel(model: unknown): TrouterConfig {
  const m = assertObject('model', model);
  const c = checkConfig(m.config);
  if (!checkedModels.has(m)) {
    assertWeights('model.weights', m.weights, trouterWeightShapes(c));
    checkedModels.add(m);
  }
  return c;
}

function checkRows(prefix: string, r: unknown, c: { d: number; M: number; L: number; noTask: boolean }, minRows: number): TrouterRows {
  const o = assertObject(prefix || 'options', r);
  const p = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const n = assertInteger(p('n'), o.n, minRows, 2 ** 31 - 1);
  const X = assertF32(p('X'), o.X, n * c.d, `n × d = ${n} × ${c.d}`);
  assertFinite(p('X'), X, c.d);
  const quality = assertF32(p('quality'), o.quality, n * c.M, `n × M = ${n} × ${c.M}`);
  assertMaskedUnit(p('quality'), quality, c.M);
  let cost: Float32Array | undefined;
  if (o.cost !== undefined) {
    cost = assertF32(p('cost'), o.cost, n * c.M, `n × M = ${n} × ${c.M}`);
    assertMaskedUnit(p('cost'), cost, c.M);
  }
  let prior: Float32Array | undefined;
  if (o.prior !== undefined) {
    if (c.noTask) throw invalidParameter(p('prior'), 'undefined with noTask (there is no task variable)', o.prior);
    prior = assertF32(p('prior'), o.prior, n * c.L, `n × L = ${n} × ${c.L}`);
    assertNonNegative(p('prior'), prior, c.L);
  }
  return { X, n, quality, cost, prior };
}

function nativeShape(c: TrouterConfig): Record<string, unknown> {
  return {
    d: c.d,
    M: c.M,
    L: c.L,
    de: c.de,
    D: c.D,
    towerHidden: c.towerHidden,
    decoderHidden: c.decoderHidden,
    activation: c.activation,
    tau: c.tau,
    normalize: c.normalize,
    noTask: c.noTask,
    hasCost: c.hasCost,
  };
}

/** Trains the TRouter model (minibatch Adam, early stopping on `val`); deterministic for a seed. */
export async function trainTrouter(options: TrouterTrainOptions): Promise<TrouterModel> {
  const o = assertObject('options', options) as unknown as TrouterTrainOptions;
  const d = assertInteger('d', o.d, 1, 2 ** 30);
  const M = assertInteger('M', o.M, 1, 2 ** 30);
  const noTask = o.noTask === undefined ? false : assertBoolean('noTask', o.noTask);
  let L = 0;
  let de = 0;
  let E: Float32Array | undefined;
  if (!noTask) {
    L = assertInteger('L', o.L, 1, 2 ** 30);
    de = o.de === undefined ? d : assertInteger('de', o.de, 1, 2 ** 30);
    E = assertF32('E', o.E, L * de, `L × de = ${L} × ${de}`);
    assertFinite('E', E, de);
  }
  const config: TrouterConfig = {
    d,
    M,
    L,
    de,
    D: o.dim === undefined ? 128 : assertInteger('dim', o.dim, 1, 2 ** 30),
    towerHidden: o.towerHidden === undefined ? [256] : assertWidths('towerHidden', o.towerHidden),
    decoderHidden: o.decoderHidden === undefined ? 128 : assertInteger('decoderHidden', o.decoderHidden, 0, 2 ** 30),
    activation: o.activation === undefined ? 'relu' : assertOneOf('activation', o.activation, ACTIVATIONS),
    tau: o.tau === undefined ? 0.07 : assertPositive('tau', o.tau),
    normalize: o.normalize === undefined ? true : assertBoolean('normalize', o.normalize),
    noTask,
    hasCost: o.cost !== undefined,
  };
  const beta = o.beta === undefined ? 1 : assertNumber('beta', o.beta, 0);
  const qualityWeight = o.qualityWeight === undefined ? 1 : assertNumber('qualityWeight', o.qualityWeight, 0);
  const costWeight = o.costWeight === undefined ? 1 : assertNumber('costWeight', o.costWeight, 0);
  const train = trainArgs(o);
  const rows = checkRows('', o, config, 1);
  const val = o.val === undefined ? undefined : checkRows('val', o.val, config, 0);
  if (val && val.n > 0 && config.hasCost && !val.cost)
    throw invalidParameter('val.cost', 'a Float32Array [n × M] (the training rows have cost)', undefined);
  const res = await runAsync<{ weights: Weights; history: Parameters<typeof toHistory>[0] }>('trouterTrain', {
    ...nativeShape(config),
    ...train,
    E,
    beta,
    qualityWeight,
    costWeight,
    X: rows.X,
    n: rows.n,
    quality: rows.quality,
    cost: rows.cost,
    prior: rows.prior,
    val: val && { X: val.X, n: val.n, quality: val.quality, cost: val.cost, prior: val.prior },
  });
  const weights: Weights = { ...res.weights };
  if (E) weights.E = Float32Array.from(E);
  return { config, weights, history: toHistory(res.history) };
}

function forwardArgs(model: TrouterModel, X: Float32Array, n: number, o: { threads?: number } = {}): Record<string, unknown> {
  const c = checkModel(model);
  const rows = assertInteger('n', n, 0, 2 ** 31 - 1);
  assertF32('X', X, rows * c.d, `n × d = ${rows} × ${c.d}`);
  assertFinite('X', X, c.d);
  const { E, ...weights } = model.weights;
  return { ...nativeShape(c), weights, E, X, n: rows, threads: assertThreads(assertObject('options', o).threads) };
}

/** The recogniser q [n × L] (task mode) and the estimates [n × M] per metric. */
export async function trouterForward(model: TrouterModel, X: Float32Array, n: number, options?: { threads?: number }): Promise<TrouterForwardResult> {
  return runAsync<TrouterForwardResult>('trouterForward', forwardArgs(model, X, n, options));
}

/** Synchronous twin of trouterForward. */
export function trouterForwardSync(model: TrouterModel, X: Float32Array, n: number, options?: { threads?: number }): TrouterForwardResult {
  return runSync<TrouterForwardResult>('trouterForwardSync', forwardArgs(model, X, n, options));
}

export interface TrouterLossGradOptions {
  /** As in training (default 1). */
  beta?: number;
  qualityWeight?: number;
  costWeight?: number;
  chunkRows?: number;
  threads?: number;
}

/** Debug: the training loss over `rows` at the model's weights and its gradient per weight (E excluded). */
export function trouterLossGrad(model: TrouterModel, rows: TrouterRows, options: TrouterLossGradOptions = {}): LossGrad {
  const c = checkModel(model);
  const o = assertObject('options', options);
  const r = checkRows('rows', rows, c, 0);
  const t = trainArgs({ chunkRows: o.chunkRows as number | undefined, threads: o.threads as number | undefined });
  const { E, ...weights } = model.weights;
  return runSync<LossGrad>('trouterLossGrad', {
    ...nativeShape(c),
    weights,
    E,
    beta: o.beta === undefined ? 1 : assertNumber('beta', o.beta, 0),
    qualityWeight: o.qualityWeight === undefined ? 1 : assertNumber('qualityWeight', o.qualityWeight, 0),
    costWeight: o.costWeight === undefined ? 1 : assertNumber('costWeight', o.costWeight, 0),
    X: r.X,
    n: r.n,
    quality: r.quality,
    cost: r.cost,
    prior: r.prior,
    chunkRows: t.chunkRows,
    threads: t.threads,
  });
}
