// The MLP router: a regressor from the prompt embedding to every model's quality
// (sigmoid outputs, masked MSE), trained natively with Adam and early stopping on the
// validation rows. Costs are each model's mean train cost.

import { mlpForward, trainMlp, type MlpModel } from '../nn/index.js';
import type { Activation } from '../nn/index.js';
import type { Estimate, Router, RouterFactory, RouterState, TrainSet } from './types.js';
import { assertFitted, checkEstimateInput, columnMeans, repeatRow } from './util.js';

export interface MlpRouterOptions {
  /** Hidden widths (default [256]). */
  hidden?: number[];
  /** Hidden activation (default 'relu'). */
  activation?: Activation;
  /** Dropout on the hidden layer while training (default 0.1). */
  dropout?: number;
  /** Adam learning rate (default 1e-3). */
  lr?: number;
  /** Weight decay (default 1e-4). */
  weightDecay?: number;
  /** Minibatch rows (default 128). */
  batchSize?: number;
  /** Epochs at most (default 100). */
  epochs?: number;
  /** Early-stopping patience in epochs (default 8). */
  patience?: number;
}

export class MlpRouter implements Router {
  readonly name = 'mlp';
  models: string[] = [];
  private model?: MlpModel;
  private meanCost: Float64Array = new Float64Array(0);
  private readonly o: Required<MlpRouterOptions>;

  constructor(options: MlpRouterOptions = {}) {
    this.o = {
      hidden: options.hidden ?? [256],
      activation: options.activation ?? 'relu',
      dropout: options.dropout ?? 0.1,
      lr: options.lr ?? 1e-3,
      weightDecay: options.weightDecay ?? 1e-4,
      batchSize: options.batchSize ?? 128,
      epochs: options.epochs ?? 100,
      patience: options.patience ?? 8,
    };
  }

  async fit(train: TrainSet): Promise<void> {
    const M = train.models.length;
    this.models = [...train.models];
    this.meanCost = columnMeans(train.costs, train.n, M);
    train.progress?.start('mlp: training');
    this.model = await trainMlp({
      X: train.X,
      n: train.n,
      d: train.dim,
      Y: train.scores,
      outputs: M,
      loss: 'sigmoid-mse',
      ...this.o,
      val: train.val && train.val.n > 0 ? { X: train.val.X, n: train.val.n, Y: train.val.scores } : undefined,
      seed: train.seed,
      threads: train.threads,
    });
    train.progress?.done(`best epoch ${this.model.history?.bestEpoch}`);
  }

  async estimate(X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    checkEstimateInput(X, n, this.model!.config.d, this.name);
    const M = this.models.length;
    const quality = n ? await mlpForward(this.model!, X, n) : new Float32Array(0);
    return { quality, cost: repeatRow(this.meanCost, n), n, models: M };
  }

  state(): RouterState {
    return {
      method: this.name,
      models: this.models,
      config: { options: this.o, mlp: this.model!.config },
      tensors: { ...this.model!.weights, meanCost: Float32Array.from(this.meanCost) },
    };
  }

  static fromState(s: RouterState): MlpRouter {
    const r = new MlpRouter(s.config.options as MlpRouterOptions);
    r.models = [...s.models];
    const { meanCost, ...weights } = s.tensors as Record<string, Float32Array>;
    r.meanCost = Float64Array.from(meanCost);
    r.model = { config: s.config.mlp as MlpModel['config'], weights };
    return r;
  }
}

export const mlpFactory: RouterFactory = {
  name: 'mlp',
  description: 'MLP regressor from the embedding to every model’s quality (native Adam, early stopping); mean costs',
  create: (o) => new MlpRouter(o as MlpRouterOptions),
  fromState: (s) => MlpRouter.fromState(s),
};
