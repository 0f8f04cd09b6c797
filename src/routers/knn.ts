// The kNN router: a prompt's estimate is the similarity-weighted mean quality and cost
// of its k nearest training prompts (cosine on the embeddings, through the addon's fused
// top-k). k is chosen on the validation rows by mean-squared error of the quality estimate.

import { topk } from '../ops/index.js';
import type { Estimate, Router, RouterFactory, RouterState, TrainSet } from './types.js';
import { assertFitted, checkEstimateInput } from './util.js';

export interface KnnRouterOptions {
  /** Candidate neighbour counts, chosen by validation MSE (default [5, 10, 20, 40, 80]). */
  ks?: number[];
  /** Weight neighbours by exp(sim / temperature) (default 0.05); Infinity = uniform. */
  temperature?: number;
  /** Threads for the native top-k (default 0: all cores). */
  threads?: number;
}

/** Weighted neighbour means: out[i, m] = Σ_j w_ij v[nbr_ij, m] / Σ_j w_ij over the first k neighbours. */
function neighbourMeans(
  idx: Int32Array,
  sim: Float32Array,
  kAll: number,
  k: number,
  n: number,
  values: Float32Array,
  M: number,
  temperature: number,
): Float32Array {
  const out = new Float32Array(n * M);
  const acc = new Float64Array(M);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    let wsum = 0;
    const top = sim[i * kAll];
    for (let j = 0; j < k; j++) {
      const nb = idx[i * kAll + j];
      if (nb < 0) break;
      const w = Number.isFinite(temperature) ? Math.exp((sim[i * kAll + j] - top) / temperature) : 1;
      wsum += w;
      const o = nb * M;
      for (let m = 0; m < M; m++) acc[m] += w * values[o + m];
    }
    for (let m = 0; m < M; m++) out[i * M + m] = wsum > 0 ? acc[m] / wsum : 0;
  }
  return out;
}

export class KnnRouter implements Router {
  readonly name = 'knn';
  models: string[] = [];
  private X: Float32Array = new Float32Array(0);
  private n = 0;
  private d = 0;
  private k = 10;
  private scores: Float32Array = new Float32Array(0);
  private costs: Float32Array = new Float32Array(0);
  private readonly o: Required<KnnRouterOptions>;

  constructor(options: KnnRouterOptions = {}) {
    this.o = { ks: options.ks ?? [5, 10, 20, 40, 80], temperature: options.temperature ?? 0.05, threads: options.threads ?? 0 };
    for (const k of this.o.ks) if (!Number.isInteger(k) || k < 1) throw new RangeError(`Expected "ks" to hold integers >= 1, received ${k}`);
    if (!(this.o.temperature > 0)) throw new RangeError(`Expected "temperature" to be > 0, received ${this.o.temperature}`);
  }

  async fit(train: TrainSet): Promise<void> {
    const M = train.models.length;
    this.models = [...train.models];
    this.d = train.dim;
    this.X = train.X;
    this.n = train.n;
    this.scores = train.scores;
    this.costs = train.costs;
    const ks = this.o.ks.map((k) => Math.min(k, train.n));
    if (train.val && train.val.n > 0 && ks.length > 1) {
      const kMax = Math.max(...ks);
      const r = await topk({ data: train.val.X, rows: train.val.n, cols: this.d }, { data: this.X, rows: this.n, cols: this.d }, kMax, {
        metric: 'cosine',
        threads: this.o.threads || train.threads,
      });
      let best = Infinity;
      for (const k of ks) {
        const q = neighbourMeans(r.indices, r.scores, r.k, Math.min(k, r.k), train.val.n, this.scores, M, this.o.temperature);
        let e = 0;
        for (let i = 0; i < q.length; i++) e += (q[i] - train.val.scores[i]) ** 2;
        if (e < best - 1e-12) {
          best = e;
          this.k = k;
        }
      }
    } else this.k = ks[Math.floor(ks.length / 2)];
  }

  async estimate(X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    checkEstimateInput(X, n, this.d, this.name);
    const M = this.models.length;
    if (n === 0) return { quality: new Float32Array(0), cost: new Float32Array(0), n, models: M };
    const r = await topk({ data: X, rows: n, cols: this.d }, { data: this.X, rows: this.n, cols: this.d }, this.k, {
      metric: 'cosine',
      threads: this.o.threads,
    });
    return {
      quality: neighbourMeans(r.indices, r.scores, r.k, r.k, n, this.scores, M, this.o.temperature),
      cost: neighbourMeans(r.indices, r.scores, r.k, r.k, n, this.costs, M, this.o.temperature),
      n,
      models: M,
    };
  }

  state(): RouterState {
    const M = this.models.length;
    return {
      method: this.name,
      models: this.models,
      config: { k: this.k, d: this.d, n: this.n, ks: this.o.ks, temperature: this.o.temperature },
      tensors: { X: this.X, scores: this.scores, costs: this.costs },
      shapes: { X: [this.n, this.d], scores: [this.n, M], costs: [this.n, M] },
    };
  }

  static fromState(s: RouterState): KnnRouter {
    const r = new KnnRouter({ ks: s.config.ks as number[], temperature: Number(s.config.temperature) });
    r.models = [...s.models];
    r.k = Number(s.config.k);
    r.d = Number(s.config.d);
    r.n = Number(s.config.n);
    r.X = s.tensors.X as Float32Array;
    r.scores = s.tensors.scores as Float32Array;
    r.costs = s.tensors.costs as Float32Array;
    return r;
  }
}

export const knnFactory: RouterFactory = {
  name: 'knn',
  description: 'k nearest training prompts (cosine, native top-k): similarity-weighted mean quality and cost; k by validation',
  create: (o) => new KnnRouter(o as KnnRouterOptions),
  fromState: (s) => KnnRouter.fromState(s),
};
