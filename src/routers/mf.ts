// RouteLLM's matrix-factorisation router generalised to N models: the prompt is
// projected to a latent vector h = W·x, each model has a latent vector u_m and bias b_m,
// and the estimated quality is σ(u_m · h + b_m). RouteLLM scores a pair of models with
// w₂ᵀ(v_m ⊙ W₁x); folding w₂ into v_m gives the same bilinear form for any number of
// models. Trained by Adam on masked MSE with early stopping on the validation rows.

import type { Estimate, LabelledSet, Router, RouterFactory, RouterState, TrainSet } from './types.js';
import { assertFitted, checkEstimateInput, columnMeans, gaussian, mulberry32, repeatRow } from './util.js';

export interface MfRouterOptions {
  /** Latent dimension r (default 32). */
  rank?: number;
  /** Adam learning rate (default 0.005). */
  learningRate?: number;
  /** L2 penalty on W and U (default 1e-4). */
  weightDecay?: number;
  /** Rows per minibatch (default 128). */
  batchSize?: number;
  /** Epochs at most (default 60). */
  epochs?: number;
  /** Epochs without validation improvement before stopping (default 6). */
  patience?: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export class MfRouter implements Router {
  readonly name = 'mf';
  models: string[] = [];
  private d = 0;
  private W: Float32Array = new Float32Array(0); // [r × d]
  private U: Float32Array = new Float32Array(0); // [M × r]
  private b: Float32Array = new Float32Array(0); // [M]
  private meanCost: Float64Array = new Float64Array(0);
  private readonly o: Required<MfRouterOptions>;

  constructor(options: MfRouterOptions = {}) {
    this.o = {
      rank: options.rank ?? 32,
      learningRate: options.learningRate ?? 0.005,
      weightDecay: options.weightDecay ?? 1e-4,
      batchSize: options.batchSize ?? 128,
      epochs: options.epochs ?? 60,
      patience: options.patience ?? 6,
    };
  }

  private predictRows(X: Float32Array, n: number, out: Float32Array, h: Float64Array): void {
    const { rank: r } = this.o;
    const d = this.d;
    const M = this.models.length;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < r; k++) {
        let s = 0;
        const wo = k * d;
        const xo = i * d;
        for (let j = 0; j < d; j++) s += this.W[wo + j] * X[xo + j];
        h[k] = s;
      }
      for (let m = 0; m < M; m++) {
        let z = this.b[m];
        for (let k = 0; k < r; k++) z += this.U[m * r + k] * h[k];
        out[i * M + m] = sigmoid(z);
      }
    }
  }

  private mse(set: LabelledSet): number {
    const M = this.models.length;
    const p = new Float32Array(set.n * M);
    this.predictRows(set.X, set.n, p, new Float64Array(this.o.rank));
    let e = 0;
    let c = 0;
    for (let i = 0; i < p.length; i++) {
      const y = set.scores[i];
      if (!Number.isNaN(y)) {
        e += (p[i] - y) ** 2;
        c++;
      }
    }
    return c ? e / c : 0;
  }

  async fit(train: TrainSet): Promise<void> {
    const M = train.models.length;
    const d = train.dim;
    const { rank: r, learningRate: lr, weightDecay: wd, batchSize, epochs, patience } = this.o;
    this.models = [...train.models];
    this.d = d;
    this.meanCost = columnMeans(train.costs, train.n, M);
    const rand = mulberry32(train.seed);
    const g = gaussian(rand);
    this.W = new Float32Array(r * d).map(() => g() / Math.sqrt(d));
    this.U = new Float32Array(M * r).map(() => g() / Math.sqrt(r));
    const mq = columnMeans(train.scores, train.n, M);
    this.b = Float32Array.from(mq, (q) => Math.log(Math.min(Math.max(q, 1e-3), 1 - 1e-3) / (1 - Math.min(Math.max(q, 1e-3), 1 - 1e-3))));
    const params = [this.W, this.U, this.b];
    const m1 = params.map((p) => new Float64Array(p.length));
    const m2 = params.map((p) => new Float64Array(p.length));
    const grads = params.map((p) => new Float64Array(p.length));
    const h = new Float64Array(r);
    const dh = new Float64Array(r);
    const order = Int32Array.from({ length: train.n }, (_, i) => i);
    let step = 0;
    let best = Infinity;
    let bestParams = params.map((p) => Float32Array.from(p));
    let bad = 0;
    train.progress?.start('mf: training', epochs);
    for (let ep = 0; ep < epochs; ep++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let s = 0; s < train.n; s += batchSize) {
        const e = Math.min(train.n, s + batchSize);
        for (const gr of grads) gr.fill(0);
        let count = 0;
        for (let bi = s; bi < e; bi++) {
          const i = order[bi];
          const xo = i * d;
          for (let k = 0; k < r; k++) {
            let acc = 0;
            for (let j = 0; j < d; j++) acc += this.W[k * d + j] * train.X[xo + j];
            h[k] = acc;
          }
          dh.fill(0);
          for (let m = 0; m < M; m++) {
            const y = train.scores[i * M + m];
            if (Number.isNaN(y)) continue;
            count++;
            let z = this.b[m];
            for (let k = 0; k < r; k++) z += this.U[m * r + k] * h[k];
            const p = sigmoid(z);
            const dz = 2 * (p - y) * p * (1 - p);
            grads[2][m] += dz;
            for (let k = 0; k < r; k++) {
              grads[1][m * r + k] += dz * h[k];
              dh[k] += dz * this.U[m * r + k];
            }
          }
          for (let k = 0; k < r; k++) {
            const v = dh[k];
            if (v === 0) continue;
            for (let j = 0; j < d; j++) grads[0][k * d + j] += v * train.X[xo + j];
          }
        }
        if (!count) continue;
        step++;
        const c1 = 1 - 0.9 ** step;
        const c2 = 1 - 0.999 ** step;
        for (let pi = 0; pi < params.length; pi++) {
          const p = params[pi];
          const gr = grads[pi];
          for (let q = 0; q < p.length; q++) {
            const gv = gr[q] / count + (pi < 2 ? wd * p[q] : 0);
            m1[pi][q] = 0.9 * m1[pi][q] + 0.1 * gv;
            m2[pi][q] = 0.999 * m2[pi][q] + 0.001 * gv * gv;
            p[q] -= (lr * (m1[pi][q] / c1)) / (Math.sqrt(m2[pi][q] / c2) + 1e-8);
          }
        }
      }
      train.progress?.tick();
      const vl = train.val && train.val.n > 0 ? this.mse(train.val) : this.mse(train);
      if (vl < best - 1e-6) {
        best = vl;
        bestParams = params.map((p) => Float32Array.from(p));
        bad = 0;
      } else if (++bad >= patience) break;
    }
    [this.W, this.U, this.b] = bestParams;
    train.progress?.done(`val mse ${best.toFixed(4)}`);
  }

  async estimate(X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    checkEstimateInput(X, n, this.d, this.name);
    const M = this.models.length;
    const quality = new Float32Array(n * M);
    this.predictRows(X, n, quality, new Float64Array(this.o.rank));
    return { quality, cost: repeatRow(this.meanCost, n), n, models: M };
  }

  state(): RouterState {
    return {
      method: this.name,
      models: this.models,
      config: { d: this.d, ...this.o },
      tensors: { W: this.W, U: this.U, b: this.b, meanCost: Float32Array.from(this.meanCost) },
    };
  }

  static fromState(s: RouterState): MfRouter {
    const r = new MfRouter(s.config as MfRouterOptions);
    r.models = [...s.models];
    r.d = Number(s.config.d);
    r.W = s.tensors.W as Float32Array;
    r.U = s.tensors.U as Float32Array;
    r.b = s.tensors.b as Float32Array;
    r.meanCost = Float64Array.from(s.tensors.meanCost as Float32Array);
    return r;
  }
}

export const mfFactory: RouterFactory = {
  name: 'mf',
  description: "RouteLLM's matrix factorisation generalised to N models",
  create: (o) => new MfRouter(o as MfRouterOptions),
  fromState: (s) => MfRouter.fromState(s),
};
