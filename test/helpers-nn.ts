// Test helpers of the nn area: pure-TS float64 reference forwards and losses of the MLP,
// the FineRouter MoE and the TRouter model (written from DESIGN.md / nn_*.h, not from the
// kernels), random weights, finite-difference gradient checks and planted problems.
import { expect } from 'vitest';
import type { MlpConfig, MoeConfig, TrouterConfig, Weights } from '../src/nn/index.js';
import { rng } from './helpers.js';

export type Act = 'relu' | 'gelu' | 'tanh';
type Arr = ArrayLike<number>;
type W64 = Record<string, Arr>;

export function act(a: Act, z: number): number {
  if (a === 'relu') return z > 0 ? z : 0;
  if (a === 'tanh') return Math.tanh(z);
  const c = Math.sqrt(2 / Math.PI);
  return 0.5 * z * (1 + Math.tanh(c * (z + 0.044715 * z * z * z)));
}
export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

export function softmax(z: number[]): number[] {
  const mx = Math.max(...z);
  const e = z.map((v) => Math.exp(v - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** y[out] = W[out × in]·x + b */
export function dense(W: Arr, b: Arr, x: number[], out: number): number[] {
  const inp = x.length;
  const y = new Array<number>(out);
  for (let j = 0; j < out; j++) {
    let s = b[j];
    for (let k = 0; k < inp; k++) s += W[j * inp + k] * x[k];
    y[j] = s;
  }
  return y;
}

export function row(X: Arr, i: number, d: number): number[] {
  return Array.from({ length: d }, (_, k) => X[i * d + k]);
}

/** Gaussian random tensors with the given lengths (std `scale`). */
export function randomWeights(shapes: Record<string, number>, seed: number, scale = 0.5): Weights {
  const r = rng(seed);
  const out: Weights = {};
  for (const [k, n] of Object.entries(shapes)) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = Math.max(r(), 1e-12);
      a[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()) * scale;
    }
    out[k] = a;
  }
  return out;
}

export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

// ------------------------------------------------------------------------- MLP

export function mlpLogitsRef(c: MlpConfig, w: W64, x: number[]): number[] {
  const sizes = [c.d, ...c.hidden, c.outputs];
  let a = x;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const z = dense(w[`W${l}`], w[`b${l}`], a, sizes[l + 1]);
    a = l + 2 < sizes.length ? z.map((v) => act(c.activation, v)) : z;
  }
  return a;
}

export function mlpForwardRef(c: MlpConfig, w: W64, X: Arr, n: number): Float64Array {
  const out = new Float64Array(n * c.outputs);
  for (let i = 0; i < n; i++) {
    const z = mlpLogitsRef(c, w, row(X, i, c.d));
    const p = c.loss === 'softmax-xent' ? softmax(z) : z.map(sigmoid);
    out.set(p, i * c.outputs);
  }
  return out;
}

export function mlpLossRef(c: MlpConfig, w: W64, X: Arr, n: number, Y: Arr): number {
  const O = c.outputs;
  let loss = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    const z = mlpLogitsRef(c, w, row(X, i, c.d));
    const y = row(Y, i, O);
    if (c.loss === 'softmax-xent') {
      if (y.some(Number.isNaN) || y.reduce((a, b) => a + b, 0) <= 0) continue;
      const p = softmax(z);
      cnt++;
      for (let j = 0; j < O; j++) if (y[j] !== 0) loss -= y[j] * Math.log(p[j]);
    } else {
      for (let j = 0; j < O; j++) {
        if (Number.isNaN(y[j])) continue;
        cnt++;
        if (c.loss === 'sigmoid-mse') loss += (sigmoid(z[j]) - y[j]) ** 2;
        else loss += softplus(z[j]) - y[j] * z[j];
      }
    }
  }
  return cnt ? loss / cnt : 0;
}

// ------------------------------------------------------------------------- MoE

/** Top-K of p: descending, ties to the lower index. */
export function topK(p: number[], K: number): number[] {
  return p
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, K)
    .map((x) => x[1]);
}

export interface MoeRowRef {
  h: number[];
  p: number[];
  g: number[];
  q2: number[];
  sel: number[];
}

export function moeRowRef(c: MoeConfig, w: W64, x: number[], K = c.K): MoeRowRef {
  const h = dense(w.W1, w.b1, x, c.H).map((v) => act(c.activation, v));
  const p = softmax(dense(w.Wg, w.bg, x, c.T));
  const g = dense(w.U, w.c, h, c.M).map(sigmoid);
  const sel = topK(p, K);
  const P = sel.reduce((a, t) => a + p[t], 0);
  const q2 = new Array<number>(c.M).fill(0);
  for (const t of sel) {
    const v = [...g];
    for (let j = c.headPtr[t]; j < c.headPtr[t + 1]; j++) {
      let s = w.e[j];
      for (let k = 0; k < c.H; k++) s += w.V[j * c.H + k] * h[k];
      v[c.headModel[j]] = sigmoid(s);
    }
    for (let m = 0; m < c.M; m++) q2[m] += (p[t] / P) * v[m];
  }
  return { h, p, g, q2, sel };
}

export function moeForwardRef(c: MoeConfig, w: W64, X: Arr, n: number, K = c.K) {
  const q2 = new Float64Array(n * c.M);
  const gate = new Float64Array(n * c.T);
  const general = new Float64Array(n * c.M);
  for (let i = 0; i < n; i++) {
    const r = moeRowRef(c, w, row(X, i, c.d), K);
    q2.set(r.q2, i * c.M);
    gate.set(r.p, i * c.T);
    general.set(r.g, i * c.M);
  }
  return { q2, gate, general };
}

export interface MoeLossOpts {
  phase: 1 | 2;
  gateWeight: number;
  tuneGate: boolean;
  phase1Loss: 'mse' | 'bce';
}

export function moeLossRef(c: MoeConfig, w: W64, X: Arr, n: number, Y: Arr, G: Arr | undefined, o: MoeLossOpts): number {
  const gateOn = o.phase === 1 ? G !== undefined && o.gateWeight > 0 : o.tuneGate && G !== undefined && o.gateWeight > 0;
  let ly = 0;
  let cy = 0;
  let lg = 0;
  let cg = 0;
  for (let i = 0; i < n; i++) {
    const x = row(X, i, c.d);
    const r = moeRowRef(c, w, x);
    const y = row(Y, i, c.M);
    for (let m = 0; m < c.M; m++) {
      if (Number.isNaN(y[m])) continue;
      cy++;
      if (o.phase === 2) ly += (r.q2[m] - y[m]) ** 2;
      else if (o.phase1Loss === 'mse') ly += (r.g[m] - y[m]) ** 2;
      else {
        const z = Math.log(r.g[m] / (1 - r.g[m]));
        ly += softplus(z) - y[m] * z;
      }
    }
    if (gateOn && G) {
      const t = row(G, i, c.T);
      if (t.some((v) => v > 0)) {
        cg++;
        for (let k = 0; k < c.T; k++) if (t[k] !== 0) lg -= t[k] * Math.log(r.p[k]);
      }
    }
  }
  return (cy ? ly / cy : 0) + (cg ? (o.gateWeight * lg) / cg : 0);
}

// ---------------------------------------------------------------------- TRouter

function stackRef(prefix: string, w: W64, x: number[], widths: number[], a: Act): number[] {
  let v = x;
  widths.forEach((out, l) => {
    const z = dense(w[`${prefix}.W${l}`], w[`${prefix}.b${l}`], v, out);
    v = l + 1 < widths.length ? z.map((q) => act(a, q)) : z;
  });
  return v;
}

const unit = (v: number[]) => {
  const n = Math.max(Math.sqrt(v.reduce((a, b) => a + b * b, 0)), 1e-12);
  return v.map((q) => q / n);
};

export function trouterForwardRef(c: TrouterConfig, w: W64, E: Arr | undefined, X: Arr, n: number) {
  const tw = [...c.towerHidden, c.D];
  const dw = c.decoderHidden > 0 ? [c.decoderHidden, c.M] : [c.M];
  const quality = new Float64Array(n * c.M);
  const cost = new Float64Array(n * c.M);
  const q = new Float64Array(n * c.L);
  let Z: number[][] = [];
  let Zn: number[][] = [];
  let decQ: number[][] = [];
  let decC: number[][] = [];
  if (!c.noTask && E) {
    Z = Array.from({ length: c.L }, (_, t) => stackRef('g', w, row(E, t, c.de), tw, c.activation));
    Zn = Z.map((z) => (c.normalize ? unit(z) : z));
    decQ = Z.map((z) => stackRef('quality', w, z, dw, c.activation).map(sigmoid));
    if (c.hasCost) decC = Z.map((z) => stackRef('cost', w, z, dw, c.activation).map(sigmoid));
  }
  for (let i = 0; i < n; i++) {
    const F = stackRef('f', w, row(X, i, c.d), tw, c.activation);
    if (c.noTask) {
      quality.set(stackRef('quality', w, F, dw, c.activation).map(sigmoid), i * c.M);
      if (c.hasCost) cost.set(stackRef('cost', w, F, dw, c.activation).map(sigmoid), i * c.M);
      continue;
    }
    const Fn = c.normalize ? unit(F) : F;
    const p = softmax(Zn.map((z) => z.reduce((a, v, k) => a + v * Fn[k], 0) / c.tau));
    q.set(p, i * c.L);
    for (let m = 0; m < c.M; m++) {
      quality[i * c.M + m] = p.reduce((a, pt, t) => a + pt * decQ[t][m], 0);
      if (c.hasCost) cost[i * c.M + m] = p.reduce((a, pt, t) => a + pt * decC[t][m], 0);
    }
  }
  return { q, quality, cost };
}

export function trouterLossRef(
  c: TrouterConfig,
  w: W64,
  E: Arr | undefined,
  r: { X: Arr; n: number; quality: Arr; cost?: Arr; prior?: Arr },
  o: { beta: number; qualityWeight: number; costWeight: number },
): number {
  const f = trouterForwardRef(c, w, E, r.X, r.n);
  const mse = (h: Float64Array, Y: Arr) => {
    let s = 0;
    let k = 0;
    for (let i = 0; i < h.length; i++)
      if (!Number.isNaN(Y[i])) {
        s += (h[i] - Y[i]) ** 2;
        k++;
      }
    return k ? s / k : 0;
  };
  let loss = o.qualityWeight * mse(f.quality, r.quality);
  if (c.hasCost && r.cost) loss += o.costWeight * mse(f.cost, r.cost);
  if (!c.noTask && r.prior && o.beta > 0) {
    const eps = 1e-8;
    let kl = 0;
    let any = false;
    for (let i = 0; i < r.n; i++) {
      const pr = row(r.prior, i, c.L);
      const s = pr.reduce((a, b) => a + b, 0);
      if (s <= 0) continue;
      any = true;
      for (let t = 0; t < c.L; t++) {
        const q = f.q[i * c.L + t];
        kl += q * Math.log(q / (pr[t] / (s + eps) + eps) + eps);
      }
    }
    if (any) loss += (o.beta / r.n) * kl;
  }
  return loss;
}

// ------------------------------------------------------------------ gradient checks

/**
 * Central finite differences of a float64 reference loss against the analytic gradients,
 * on every entry of each named tensor (or `per` sampled entries plus the largest one).
 * Tolerance: |g − fd| ≤ rel·max(|fd|, |g|) + abs.
 */
export function checkGradients(
  lossAt: (w: W64) => number,
  weights: Weights,
  grads: Weights,
  names: string[],
  o: { per?: number; h?: number; rel?: number; abs?: number; seed?: number } = {},
): { checked: number; maxErr: number } {
  const per = o.per ?? Infinity;
  const h = o.h ?? 1e-5;
  const rel = o.rel ?? 2e-3;
  const abs = o.abs ?? 2e-6;
  const r = rng(o.seed ?? 99);
  const w64: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(weights)) w64[k] = Float64Array.from(v);
  let checked = 0;
  let maxErr = 0;
  for (const name of names) {
    const a = w64[name];
    const g = grads[name];
    expect(g, `gradient of ${name}`).toBeDefined();
    expect(g.length).toBe(a.length);
    const idx = new Set<number>();
    let big = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[big])) big = i;
    if (a.length) idx.add(big);
    while (idx.size < Math.min(per, a.length)) idx.add(Math.floor(r() * a.length));
    for (const i of idx) {
      const v = a[i];
      a[i] = v + h;
      const lp = lossAt(w64);
      a[i] = v - h;
      const lm = lossAt(w64);
      a[i] = v;
      const fd = (lp - lm) / (2 * h);
      const err = Math.abs(g[i] - fd);
      maxErr = Math.max(maxErr, err);
      expect(err, `${name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(fd), Math.abs(g[i])) + abs);
      checked++;
    }
  }
  return { checked, maxErr };
}

/** Max |a − b| over two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** True when two weight sets are bit-identical. */
export function sameWeights(a: Weights, b: Weights): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return false;
  return ka.every((k) => Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength).equals(Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)));
}

/** Unit-norm Gaussian-ish cluster centres and rows around them. */
export function clusters(n: number, d: number, C: number, noise: number, seed: number) {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: C }, () => unit(Array.from({ length: d }, gauss)));
  const X = new Float32Array(n * d);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % C;
    label[i] = c;
    const v = unit(centres[c].map((x) => x + noise * gauss()));
    X.set(v, i * d);
  }
  return { X, label, centres };
}
