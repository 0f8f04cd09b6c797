// The cluster router (Avengers style): spherical k-means on the training embeddings;
// a prompt's estimate is its nearest cluster's mean quality and cost per model, shrunk
// towards the global means for small clusters. K is chosen on the validation rows.

import type { Estimate, LabelledSet, Router, RouterFactory, RouterState, TrainSet } from './types.js';
import { assertFitted, checkEstimateInput, columnMeans, mulberry32 } from './util.js';

export interface KMeansRouterOptions {
  /** Candidate cluster counts, chosen by validation mean-squared error (default [8, 16, 32, 64]). */
  ks?: number[];
  /** Lloyd iterations at most (default 40). */
  maxIterations?: number;
  /** Pseudo-count of the shrinkage towards global means (default 5). */
  shrinkage?: number;
}

/** Index of the centroid with the largest dot product for each row. */
export function nearestCentroid(X: Float32Array, n: number, d: number, C: Float32Array, K: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    let best = -Infinity;
    let arg = 0;
    for (let c = 0; c < K; c++) {
      const co = c * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += X[xo + j] * C[co + j];
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    out[i] = arg;
  }
  return out;
}

/** Spherical k-means (k-means++ seeding, unit-norm centroids), seeded. */
export function sphericalKMeans(X: Float32Array, n: number, d: number, K: number, seed: number, maxIterations = 40): Float32Array {
  const rand = mulberry32(seed);
  K = Math.max(1, Math.min(K, n));
  const C = new Float32Array(K * d);
  const first = Math.floor(rand() * n);
  C.set(X.subarray(first * d, first * d + d), 0);
  const dist = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < K; c++) {
    let total = 0;
    const po = (c - 1) * d;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[i * d + j] * C[po + j];
      const dd = Math.max(0, 2 - 2 * s);
      if (dd < dist[i]) dist[i] = dd;
      total += dist[i];
    }
    let r = rand() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= dist[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    C.set(X.subarray(pick * d, pick * d + d), c * d);
  }
  let assign = nearestCentroid(X, n, d, C, K);
  for (let it = 0; it < maxIterations; it++) {
    const sum = new Float64Array(K * d);
    const cnt = new Int32Array(K);
    for (let i = 0; i < n; i++) {
      const c = assign[i];
      cnt[c]++;
      for (let j = 0; j < d; j++) sum[c * d + j] += X[i * d + j];
    }
    for (let c = 0; c < K; c++) {
      if (cnt[c] === 0) continue; // keep the old centroid
      let norm = 0;
      for (let j = 0; j < d; j++) norm += sum[c * d + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < d; j++) C[c * d + j] = sum[c * d + j] / norm;
    }
    const next = nearestCentroid(X, n, d, C, K);
    let changed = 0;
    for (let i = 0; i < n; i++) if (next[i] !== assign[i]) changed++;
    assign = next;
    if (changed === 0) break;
  }
  return C;
}

export class KMeansRouter implements Router {
  readonly name = 'kmeans';
  models: string[] = [];
  private K = 0;
  private d = 0;
  private centroids: Float32Array = new Float32Array(0);
  private quality: Float32Array = new Float32Array(0);
  private cost: Float32Array = new Float32Array(0);
  private readonly opts: Required<KMeansRouterOptions>;

  constructor(options: KMeansRouterOptions = {}) {
    this.opts = { ks: options.ks ?? [8, 16, 32, 64], maxIterations: options.maxIterations ?? 40, shrinkage: options.shrinkage ?? 5 };
    for (const k of this.opts.ks) if (!Number.isInteger(k) || k < 1) throw new RangeError(`Expected "ks" to hold integers >= 1, received ${k}`);
  }

  private profile(set: LabelledSet, M: number, C: Float32Array, K: number): { q: Float32Array; c: Float32Array } {
    const assign = nearestCentroid(set.X, set.n, set.dim, C, K);
    const gq = columnMeans(set.scores, set.n, M);
    const gc = columnMeans(set.costs, set.n, M);
    const q = new Float64Array(K * M);
    const c = new Float64Array(K * M);
    const cnt = new Float64Array(K);
    for (let i = 0; i < set.n; i++) {
      const k = assign[i];
      cnt[k]++;
      for (let m = 0; m < M; m++) {
        q[k * M + m] += set.scores[i * M + m];
        c[k * M + m] += set.costs[i * M + m];
      }
    }
    const a = this.opts.shrinkage;
    const Q = new Float32Array(K * M);
    const Cc = new Float32Array(K * M);
    for (let k = 0; k < K; k++)
      for (let m = 0; m < M; m++) {
        Q[k * M + m] = (q[k * M + m] + a * gq[m]) / (cnt[k] + a);
        Cc[k * M + m] = (c[k * M + m] + a * gc[m]) / (cnt[k] + a);
      }
    return { q: Q, c: Cc };
  }

  async fit(train: TrainSet): Promise<void> {
    const M = train.models.length;
    this.models = [...train.models];
    this.d = train.dim;
    let best: { K: number; C: Float32Array; err: number } | undefined;
    const ks = train.val && train.val.n > 0 ? this.opts.ks : [this.opts.ks[Math.floor(this.opts.ks.length / 2)]];
    for (const k of ks) {
      const K = Math.min(k, train.n);
      const C = sphericalKMeans(train.X, train.n, train.dim, K, train.seed, this.opts.maxIterations);
      let err = 0;
      if (train.val && train.val.n > 0) {
        const { q } = this.profile(train, M, C, K);
        const a = nearestCentroid(train.val.X, train.val.n, train.dim, C, K);
        for (let i = 0; i < train.val.n; i++)
          for (let m = 0; m < M; m++) err += (q[a[i] * M + m] - train.val.scores[i * M + m]) ** 2;
      }
      if (!best || err < best.err) best = { K, C, err };
    }
    if (!best) throw new Error('kmeans: no cluster count to try');
    this.K = best.K;
    this.centroids = best.C;
    const all = train.val && train.val.n > 0 ? concatSets(train, train.val) : train;
    const { q, c } = this.profile(all, M, this.centroids, this.K);
    this.quality = q;
    this.cost = c;
  }

  async estimate(X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    checkEstimateInput(X, n, this.d, this.name);
    const M = this.models.length;
    const a = nearestCentroid(X, n, this.d, this.centroids, this.K);
    const quality = new Float32Array(n * M);
    const cost = new Float32Array(n * M);
    for (let i = 0; i < n; i++) {
      quality.set(this.quality.subarray(a[i] * M, a[i] * M + M), i * M);
      cost.set(this.cost.subarray(a[i] * M, a[i] * M + M), i * M);
    }
    return { quality, cost, n, models: M };
  }

  state(): RouterState {
    return {
      method: this.name,
      models: this.models,
      config: { K: this.K, d: this.d, ...this.opts },
      tensors: { centroids: this.centroids, quality: this.quality, cost: this.cost },
    };
  }

  static fromState(s: RouterState): KMeansRouter {
    const r = new KMeansRouter(s.config as KMeansRouterOptions);
    r.models = [...s.models];
    r.K = Number(s.config.K);
    r.d = Number(s.config.d);
    r.centroids = s.tensors.centroids as Float32Array;
    r.quality = s.tensors.quality as Float32Array;
    r.cost = s.tensors.cost as Float32Array;
    return r;
  }
}

/** Rows of a then b as one labelled set. */
export function concatSets(a: LabelledSet, b: LabelledSet): LabelledSet {
  const cat = (x: Float32Array, y: Float32Array) => {
    const o = new Float32Array(x.length + y.length);
    o.set(x, 0);
    o.set(y, x.length);
    return o;
  };
  return {
    X: cat(a.X, b.X),
    n: a.n + b.n,
    dim: a.dim,
    scores: cat(a.scores, b.scores),
    costs: cat(a.costs, b.costs),
    tasks: [...a.tasks, ...b.tasks],
    leaves: a.leaves && b.leaves ? [...a.leaves, ...b.leaves] : undefined,
    prompts: a.prompts && b.prompts ? [...a.prompts, ...b.prompts] : undefined,
  };
}

export const kmeansFactory: RouterFactory = {
  name: 'kmeans',
  description: 'cluster router (Avengers style): nearest k-means cluster’s mean quality and cost; K by validation',
  create: (o) => new KMeansRouter(o as KMeansRouterOptions),
  fromState: (s) => KMeansRouter.fromState(s),
};
