// The reference routers every method is judged against: random, cheapest, best-single
// and the oracle (an upper bound that reads the labels of the rows it routes).

import type { Estimate, EstimateContext, Router, RouterFactory, RouterState, TrainSet } from './types.js';
import { assertFitted, columnMeans, mulberry32, repeatRow } from './util.js';

abstract class MeanCostRouter implements Router {
  abstract readonly name: string;
  models: string[] = [];
  protected meanCost: Float64Array = new Float64Array(0);
  protected meanQuality: Float64Array = new Float64Array(0);
  protected seed = 0;

  async fit(train: TrainSet): Promise<void> {
    this.models = [...train.models];
    this.meanCost = columnMeans(train.costs, train.n, train.models.length);
    this.meanQuality = columnMeans(train.scores, train.n, train.models.length);
    this.seed = train.seed;
  }

  abstract estimate(X: Float32Array, n: number, ctx?: EstimateContext): Promise<Estimate>;

  state(): RouterState {
    return {
      method: this.name,
      models: this.models,
      config: { seed: this.seed },
      tensors: { meanCost: Float32Array.from(this.meanCost), meanQuality: Float32Array.from(this.meanQuality) },
    };
  }

  restore(s: RouterState): this {
    this.models = [...s.models];
    this.seed = Number(s.config.seed ?? 0);
    this.meanCost = Float64Array.from(s.tensors.meanCost as Float32Array);
    this.meanQuality = Float64Array.from(s.tensors.meanQuality as Float32Array);
    return this;
  }
}

/** Uniformly random quality estimates (seeded per row), mean costs: the floor to beat. */
export class RandomRouter extends MeanCostRouter {
  readonly name = 'random';
  async estimate(_X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    const M = this.models.length;
    const rand = mulberry32(this.seed ^ 0x9e3779b9);
    const quality = new Float32Array(n * M);
    for (let i = 0; i < quality.length; i++) quality[i] = rand();
    return { quality, cost: repeatRow(this.meanCost, n), n, models: M };
  }
}

/** Equal quality estimates: every λ picks the model with the lowest mean cost. */
export class CheapestRouter extends MeanCostRouter {
  readonly name = 'cheapest';
  async estimate(_X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    const M = this.models.length;
    return { quality: new Float32Array(n * M), cost: repeatRow(this.meanCost, n), n, models: M };
  }
}

/**
 * Always the best single model (highest mean train score): its estimate is 1 and the
 * others 0, with one shared cost, so no λ moves it.
 */
export class BestSingleRouter extends MeanCostRouter {
  readonly name = 'best-single';
  best(): number {
    let b = 0;
    for (let m = 1; m < this.meanQuality.length; m++) if (this.meanQuality[m] > this.meanQuality[b]) b = m;
    return b;
  }
  async estimate(_X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    const M = this.models.length;
    const b = this.best();
    const q = new Float32Array(M);
    q[b] = 1;
    const c = new Float32Array(M).fill(this.meanCost[b]);
    return { quality: repeatRow(q, n), cost: repeatRow(c, n), n, models: M };
  }
}

/** The per-prompt oracle: reads the true scores and costs of the rows it routes (upper bound). */
export class OracleRouter extends MeanCostRouter {
  readonly name = 'oracle';
  async estimate(_X: Float32Array, n: number, ctx?: EstimateContext): Promise<Estimate> {
    assertFitted(this.models, this.name);
    const M = this.models.length;
    if (!ctx?.scores || ctx.scores.length !== n * M)
      throw new RangeError(`the oracle router reads the true scores of the rows it routes: pass ctx.scores of length ${n * M}`);
    const cost = ctx.costs && ctx.costs.length === n * M ? Float32Array.from(ctx.costs) : repeatRow(this.meanCost, n);
    return { quality: Float32Array.from(ctx.scores), cost, n, models: M };
  }
}

function factory(name: string, description: string, make: () => MeanCostRouter, readsLabels = false): RouterFactory {
  return {
    name,
    description,
    readsLabels,
    create: () => make(),
    fromState: (s) => make().restore(s),
  };
}

export const baselineFactories: RouterFactory[] = [
  factory('random', 'random quality estimates, mean costs (the floor)', () => new RandomRouter()),
  factory('cheapest', 'always the cheapest model by mean train cost', () => new CheapestRouter()),
  factory('best-single', 'always the model with the highest mean train score', () => new BestSingleRouter()),
  factory('oracle', "upper bound: each prompt's best model, read from the test labels", () => new OracleRouter(), true),
];

/**
 * Adaptive (the cold-start baseline of TRouter's evaluation): no prompt features, only
 * the user's cost tolerance — estimates are every model's mean train quality and cost,
 * so each λ picks the model with the best static trade-off.
 */
export class AdaptiveRouter extends MeanCostRouter {
  readonly name = 'adaptive';
  async estimate(_X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    return { quality: repeatRow(this.meanQuality, n), cost: repeatRow(this.meanCost, n), n, models: this.models.length };
  }
}

baselineFactories.push(factory('adaptive', "picks by the user's cost tolerance from mean train quality and cost", () => new AdaptiveRouter()));
