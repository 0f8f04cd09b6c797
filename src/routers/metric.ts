// MetricRouter, TRouter's cold-start baseline: one MLP regresses every model's quality
// AND cost straight from the prompt embedding (2M sigmoid outputs, masked MSE; costs
// scaled per model into [0, 1] as TRouter scales them), trained natively with Adam and
// early stopping on the validation rows. Estimates costs back in USD.

import { mlpForward, trainMlp, type Activation, type MlpModel } from '../nn/index.js';
import { assertMaskedUnit } from '../nn/common.js';
import { assertInteger, assertNumber, assertObject, assertOneOf, invalidParameter, outOfRange } from '../validate.js';
import { costScales, scaleCosts } from './trouter/scale.js';
import type { Estimate, Router, RouterFactory, RouterState, TrainSet } from './types.js';
import { assertFitted, checkEstimateInput } from './util.js';

export interface MetricRouterOptions {
  /** Hidden widths, 0–2 layers (default [256, 256], the width and depth of the authors' metric decoders). */
  hidden?: number[];
  /** Hidden activation (default 'relu'). */
  activation?: Activation;
  /** Dropout on the hidden layers while training (default 0.1, the authors'). */
  dropout?: number;
  /** Adam learning rate (default 1e-3). */
  lr?: number;
  /** Decoupled weight decay (default 0.01). */
  weightDecay?: number;
  /** Minibatch rows (default 32). */
  batchSize?: number;
  /** Epochs at most (default 100). */
  epochs?: number;
  /** Early-stopping patience in epochs (default 8). */
  patience?: number;
}

const DEFAULTS: Required<MetricRouterOptions> = {
  hidden: [256, 256],
  activation: 'relu',
  dropout: 0.1,
  lr: 1e-3,
  weightDecay: 0.01,
  batchSize: 32,
  epochs: 100,
  patience: 8,
};

function checkOptions(options: unknown): Required<MetricRouterOptions> {
  const o = assertObject('options', options ?? {});
  for (const k of Object.keys(o))
    if (!(k in DEFAULTS)) throw invalidParameter(`options.${k}`, `one of the metric options (${Object.keys(DEFAULTS).join(', ')})`, k);
  const v = <K extends keyof MetricRouterOptions>(k: K) => (o[k] === undefined ? DEFAULTS[k] : o[k]);
  const hidden = v('hidden');
  if (!Array.isArray(hidden) || hidden.length > 2) throw invalidParameter('hidden', 'an array of at most 2 integers >= 1', hidden);
  hidden.forEach((w, i) => assertInteger(`hidden[${i}]`, w, 1, 1 << 20));
  const r: Required<MetricRouterOptions> = {
    hidden: [...(hidden as number[])],
    activation: assertOneOf('activation', v('activation'), ['relu', 'gelu', 'tanh'] as const),
    dropout: assertNumber('dropout', v('dropout'), 0, 0.95),
    lr: assertNumber('lr', v('lr'), 0),
    weightDecay: assertNumber('weightDecay', v('weightDecay'), 0),
    batchSize: assertInteger('batchSize', v('batchSize'), 1, 1 << 30),
    epochs: assertInteger('epochs', v('epochs'), 1, 1 << 30),
    patience: assertInteger('patience', v('patience'), 1, 1 << 30),
  };
  if (!(r.lr > 0)) throw outOfRange('lr', 'a number > 0', r.lr);
  return r;
}

/** [n × 2M] targets: quality in the first M columns, scaled cost in the last M (NaN = unobserved). */
function targets(scores: Float32Array, scaledCost: Float32Array, n: number, M: number): Float32Array {
  const Y = new Float32Array(n * 2 * M);
  for (let i = 0; i < n; i++) {
    Y.set(scores.subarray(i * M, i * M + M), i * 2 * M);
    Y.set(scaledCost.subarray(i * M, i * M + M), i * 2 * M + M);
  }
  return Y;
}

export class MetricRouter implements Router {
  readonly name = 'metric';
  models: string[] = [];
  private model?: MlpModel;
  private diag: Record<string, number | string> = {};
  private costScale: Float32Array = new Float32Array(0);
  private readonly o: Required<MetricRouterOptions>;

  constructor(options: MetricRouterOptions = {}) {
    this.o = checkOptions(options);
  }

  async fit(train: TrainSet): Promise<void> {
    const M = train.models.length;
    assertMaskedUnit('train.scores', train.scores, M);
    const costScale = Float32Array.from(costScales(train.costs, train.n, M, 'train.costs'));
    const cost = scaleCosts(train.costs, train.n, M, costScale, 'train.costs');
    const val = train.val && train.val.n > 0 ? train.val : undefined;
    if (val) assertMaskedUnit('train.val.scores', val.scores, M);
    train.progress?.start('metric: training');
    const model = await trainMlp({
      X: train.X,
      n: train.n,
      d: train.dim,
      Y: targets(train.scores, cost, train.n, M),
      outputs: 2 * M,
      loss: 'sigmoid-mse',
      hidden: this.o.hidden,
      activation: this.o.activation,
      dropout: this.o.dropout,
      lr: this.o.lr,
      weightDecay: this.o.weightDecay,
      batchSize: this.o.batchSize,
      epochs: this.o.epochs,
      patience: this.o.patience,
      val: val && {
        X: val.X,
        n: val.n,
        Y: targets(val.scores, scaleCosts(val.costs, val.n, M, costScale, 'train.val.costs'), val.n, M),
      },
      seed: train.seed,
      threads: train.threads,
    });
    train.progress?.done(`best epoch ${model.history?.bestEpoch}`);
    this.models = [...train.models];
    this.model = model;
    this.costScale = costScale;
    const h = model.history!;
    this.diag = { bestEpoch: h.bestEpoch, epochs: h.epochs, bestLoss: h.bestLoss, costScale: 'per model: its largest training cost' };
  }

  async estimate(X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    checkEstimateInput(X, n, this.model!.config.d, this.name);
    const M = this.models.length;
    const quality = new Float32Array(n * M);
    const cost = new Float32Array(n * M);
    if (n === 0) return { quality, cost, n, models: M };
    const out = await mlpForward(this.model!, X, n);
    for (let i = 0; i < n; i++)
      for (let m = 0; m < M; m++) {
        quality[i * M + m] = out[i * 2 * M + m];
        cost[i * M + m] = out[i * 2 * M + M + m] * this.costScale[m];
      }
    return { quality, cost, n, models: M };
  }

  diagnostics(): Record<string, number | string> {
    return { ...this.diag };
  }

  state(): RouterState {
    assertFitted(this.models, this.name);
    const c = this.model!.config;
    const sizes = [c.d, ...c.hidden, c.outputs];
    const shapes: Record<string, number[]> = { costScale: [this.models.length] };
    for (let l = 0; l + 1 < sizes.length; l++) {
      shapes[`W${l}`] = [sizes[l + 1], sizes[l]];
      shapes[`b${l}`] = [sizes[l + 1]];
    }
    return {
      method: this.name,
      models: [...this.models],
      config: { options: this.o, mlp: c, diagnostics: this.diag },
      tensors: { ...this.model!.weights, costScale: this.costScale },
      shapes,
    };
  }

  static fromState(s: RouterState): MetricRouter {
    const c = assertObject('state.config', s.config);
    const r = new MetricRouter(c.options as MetricRouterOptions);
    const { costScale, ...weights } = s.tensors as Record<string, Float32Array>;
    if (!(costScale instanceof Float32Array) || costScale.length !== s.models.length)
      throw invalidParameter('state.tensors.costScale', `a Float32Array of ${s.models.length} values`, costScale);
    r.models = [...s.models];
    r.costScale = costScale;
    r.diag = { ...((c.diagnostics ?? {}) as Record<string, number | string>) };
    r.model = { config: c.mlp as MlpModel['config'], weights };
    return r;
  }
}

export const metricFactory: RouterFactory = {
  name: 'metric',
  description: 'MetricRouter: one MLP regresses every model’s quality and (scaled) cost from the embedding (TRouter’s cold-start baseline)',
  create: (o) => new MetricRouter(o as MetricRouterOptions),
  fromState: (s) => MetricRouter.fromState(s),
};
