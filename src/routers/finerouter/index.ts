// FineRouter (arXiv 2603.19415) as DESIGN.md describes it:
//   stage 1 — a kNN graph of the training embeddings (native fused top-k), edges
//     reweighted by model-preference agreement, Leiden communities (native) = latent task
//     types, tiny ones merged; task profiles (mean quality/cost per model, candidate
//     sets); a task classifier p(t|x) (native softmax regression); q1 = Σ_t p(t|x)·Q[t];
//   stage 2 — the mixture-of-experts quality estimator (native, one fused forward): a
//     shared trunk, a gate over the tasks initialised from and anchored to p(t|x), task
//     heads for each task's candidate models and general heads for all, two phases;
//   aggregate — q = α·q2 + (1−α)·q1; costs per task.
// Every choice the paper leaves open is made inside the training data, never by constants
// tuned to a data set: the graph agreement and Leiden resolution by the validation MSE of
// q1; α by the routing curve (nAUC + maxQuality) on the validation rows together with the
// cross-fitted out-of-fold rows of the training split (thousands of rows, not hundreds,
// so the choice is not noise). The MoE is cross-fitted: K folds, each stopped early on its
// held-out fold, their estimates averaged.

import { evaluate } from '../../eval/metrics.js';
import { leiden } from '../../graph/index.js';
import { referenceCost } from '../../policy/index.js';
import { moeForward, moeForwardSync, mlpForward, mlpForwardSync, trainMlp, trainMoe, type MlpModel, type MoeModel } from '../../nn/index.js';
import { knnGraph, similarity, similaritySync } from '../../ops/index.js';
import type { Estimate, LabelledSet, Router, RouterFactory, RouterState, TaskExplanation, TrainSet } from '../types.js';
import { assertFitted, checkEstimateInput, columnMeans } from '../util.js';
import { globalModelOrder, mergeTinyCommunities, taskGraph, type Agreement } from './graph.js';
import { mixByTask, taskProfiles, type TaskProfiles } from './profiles.js';

export type FineRouterStage = 'both' | 'stage1' | 'stage2';

export interface FineRouterOptions {
  /** Which estimate to use: both stages aggregated (default), stage 1 only, stage 2 only (ablations). */
  stage?: FineRouterStage;
  /** Neighbours per prompt in the task graph (default 16). */
  k?: number;
  /** Edge-weight agreement kinds tried on validation (default ['rbo', 'none']). */
  agreements?: Agreement[];
  /** Weight β of the agreement term (default 0.5). */
  beta?: number;
  /** Leiden resolutions tried on validation (default [0.5, 1, 2]). */
  resolutions?: number[];
  /** Leiden quality function (default 'modularity'). */
  objective?: 'modularity' | 'cpm';
  /** Communities smaller than this are merged into a neighbour (default max(8, ⌈n/400⌉)). */
  minTaskSize?: number;
  /** Candidate-set coverage δ of the preferred-model mass (default 0.8). */
  delta?: number;
  /** Shrinkage pseudo-count of the task profiles (default 2). */
  shrinkage?: number;
  /** Share of the training rows held out to fit/score the task classifier (default 0.1). */
  classifierHoldout?: number;
  /** MoE trunk width (default 256). */
  hidden?: number;
  /** Tasks mixed per row (default 2). */
  topK?: number;
  /** Weight of the gate's cross-entropy to p(t|x) (default 0.5). */
  gateWeight?: number;
  /** Adam learning rate of the MoE (default 1e-3). */
  lr?: number;
  /** Weight decay of the MoE (default 1e-4). */
  weightDecay?: number;
  /**
   * Task heads at the start of phase 2: 'profile' (default) — zero weights and the logit of
   * the task's mean quality, so phase 2 starts from the stage-1 estimate and learns prompt-
   * level corrections; 'general' — copies of the model's general head.
   */
  headInit?: 'profile' | 'general';
  /** Loss of the MoE's general heads in phase 1 (default 'mse'). */
  phase1Loss?: 'mse' | 'bce';
  /** Epochs at most per MoE phase (default 60). */
  epochs?: number;
  /** Early-stopping patience (default 6). */
  patience?: number;
  /** Cross-fitted MoEs averaged into q2 (default 3; 1: one MoE stopped on the classifier's holdout). */
  moeFolds?: number;
  /** Aggregation weights α tried on validation (default 0, 0.1, …, 1). */
  alphas?: number[];
  /**
   * How α is chosen: 'routing' (default) — the realised routing curve (nAUC + maxQuality,
   * the metrics the router is judged by) on the validation and out-of-fold rows; 'mse' —
   * the mean squared error of q on the same rows.
   */
  select?: 'routing' | 'mse';
}

interface Fitted {
  d: number;
  T: number;
  profiles: TaskProfiles;
  classifier: MlpModel;
  /** The cross-fitted MoEs (empty for stage 1 alone); their outputs are averaged. */
  moes: MoeModel[];
  alpha: number;
  /** Per task: label (dominant dataset task and its share). */
  labels: string[];
  /** The profiles transposed ([M × T]) for the native mixing GEMM; derived lazily. */
  qT?: Float32Array;
  cT?: Float32Array;
  diagnostics: Record<string, number | string>;
}

const DEFAULTS = {
  stage: 'both' as FineRouterStage,
  k: 16,
  agreements: ['rbo', 'none'] as Agreement[],
  beta: 0.5,
  resolutions: [0.5, 1, 2],
  objective: 'modularity' as const,
  delta: 0.8,
  shrinkage: 2,
  classifierHoldout: 0.1,
  hidden: 256,
  topK: 2,
  gateWeight: 0.5,
  lr: 1e-3,
  weightDecay: 1e-4,
  phase1Loss: 'mse' as 'mse' | 'bce',
  headInit: 'profile' as 'profile' | 'general',
  epochs: 60,
  patience: 6,
  moeFolds: 3,
  alphas: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  select: 'routing' as 'routing' | 'mse',
};

/** Masked mean squared error of estimates vs scores (NaN scores skipped). */
function mse(est: Float32Array, y: Float32Array): number {
  let e = 0;
  let c = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (Number.isNaN(v)) continue;
    e += (est[i] - v) ** 2;
    c++;
  }
  return c ? e / c : 0;
}

/** Rows of a matrix [n × w] picked by index. */
function pick(a: Float32Array, w: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * w);
  for (let r = 0; r < idx.length; r++) out.set(a.subarray(idx[r] * w, idx[r] * w + w), r * w);
  return out;
}

/** Deterministic holdout: every row i with a hash of (seed, i) below the fraction. */
function holdoutMask(n: number, fraction: number, seed: number): Uint8Array {
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(seed + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
    if ((h ^ (h >>> 16)) / 4294967296 < fraction) m[i] = 1;
  }
  return m;
}

/** Top-1 and top-5 accuracy of class probabilities P [n × T] against labels. */
function topAccuracy(P: Float32Array, labels: Int32Array, T: number): { top1: number; top5: number } {
  const n = labels.length;
  let t1 = 0;
  let t5 = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    const py = P[i * T + y];
    let above = 0;
    for (let t = 0; t < T; t++) {
      const p = P[i * T + t];
      if (p > py || (p === py && t < y)) above++;
    }
    if (above === 0) t1++;
    if (above < 5) t5++;
  }
  return { top1: n ? t1 / n : NaN, top5: n ? t5 / n : NaN };
}

/** Batches of at most this many rows run the native kernels synchronously. */
const SYNC_ROWS = 64;

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** Fold of each row in [0, folds), balanced and seeded. */
function foldOf(n: number, folds: number, seed: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  let a = (seed ^ 0x5bd1e995) >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const f = new Int32Array(n);
  order.forEach((row, r) => (f[row] = r % folds));
  return f;
}

/** The mean q2 (and gate p) of the cross-fitted MoEs, each one fused native pass. */
async function forwardMoes(moes: MoeModel[], X: Float32Array, n: number, withQ2: boolean, threads?: number): Promise<{ q2?: Float32Array; gate: Float32Array }> {
  let q2: Float32Array | undefined;
  let gate: Float32Array | undefined;
  for (const m of moes) {
    const o = { outputs: withQ2 ? (['q2', 'gate'] as const) : (['gate'] as const), threads };
    // Small batches (one prompt being served) run inline: a thread-pool hop costs more than the rows.
    const out = n <= SYNC_ROWS ? moeForwardSync(m, X, n, { ...o, outputs: [...o.outputs] }) : await moeForward(m, X, n, { ...o, outputs: [...o.outputs] });
    if (!gate) {
      gate = out.gate!;
      q2 = out.q2;
    } else {
      for (let i = 0; i < gate.length; i++) gate[i] += out.gate![i];
      if (q2) for (let i = 0; i < q2.length; i++) q2[i] += out.q2![i];
    }
  }
  const k = moes.length;
  if (k > 1) {
    for (let i = 0; i < gate!.length; i++) gate![i] /= k;
    if (q2) for (let i = 0; i < q2.length; i++) q2[i] /= k;
  }
  return { q2, gate: gate! };
}

/** Task heads that reproduce the task profiles: V = 0, e = logit(Q[t, m]). */
function profileHeads(p: TaskProfiles, headPtr: Int32Array, headModel: Int32Array, H: number): { V: Float32Array; e: Float32Array } {
  const e = new Float32Array(headModel.length);
  for (let t = 0; t + 1 < headPtr.length; t++)
    for (let j = headPtr[t]; j < headPtr[t + 1]; j++) {
      const q = Math.min(Math.max(p.quality[t * p.M + headModel[j]], 1e-3), 1 - 1e-3);
      e[j] = Math.log(q / (1 - q));
    }
  return { V: new Float32Array(headModel.length * H), e };
}

function oneHot(labels: Int32Array, T: number): Float32Array {
  const out = new Float32Array(labels.length * T);
  labels.forEach((t, i) => (out[i * T + t] = 1));
  return out;
}

/** A readable label per task: its most common dataset task and that task's share. */
function taskLabels(labels: Int32Array, T: number, tasks: string[]): string[] {
  const counts: Map<string, number>[] = Array.from({ length: T }, () => new Map());
  labels.forEach((t, i) => {
    const k = tasks[i] || '?';
    counts[t].set(k, (counts[t].get(k) ?? 0) + 1);
  });
  return counts.map((c, t) => {
    let best = '';
    let bc = 0;
    let total = 0;
    for (const [k, v] of c) {
      total += v;
      if (v > bc || (v === bc && k < best)) {
        best = k;
        bc = v;
      }
    }
    return `t${t} (${best === '?' ? 'unlabelled' : `${Math.round((100 * bc) / Math.max(1, total))}% ${best}`}, ${total} prompts)`;
  });
}

export class FineRouter implements Router {
  readonly name: string;
  models: string[] = [];
  private f?: Fitted;
  private readonly o: typeof DEFAULTS & { minTaskSize?: number };

  constructor(options: FineRouterOptions = {}, name = 'finerouter') {
    this.name = name;
    this.o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof this.o;
    const o = this.o;
    if (!['both', 'stage1', 'stage2'].includes(o.stage)) throw new TypeError(`Expected "stage" to be one of 'both', 'stage1', 'stage2', received ${JSON.stringify(o.stage)}`);
    if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`Expected "k" to be an integer >= 1, received ${o.k}`);
    if (!Array.isArray(o.agreements) || !o.agreements.length || o.agreements.some((a) => !['rbo', 'l1', 'none'].includes(a)))
      throw new TypeError(`Expected "agreements" to be a non-empty list of 'rbo', 'l1', 'none', received ${JSON.stringify(o.agreements)}`);
    if (!Array.isArray(o.resolutions) || !o.resolutions.length || o.resolutions.some((r) => !(r > 0)))
      throw new RangeError(`Expected "resolutions" to be a non-empty list of numbers > 0, received ${JSON.stringify(o.resolutions)}`);
    if (!(o.beta >= 0 && o.beta <= 1)) throw new RangeError(`Expected "beta" to be in [0, 1], received ${o.beta}`);
    if (!Array.isArray(o.alphas) || !o.alphas.length || o.alphas.some((a) => !(a >= 0 && a <= 1)))
      throw new RangeError(`Expected "alphas" to be a non-empty list of numbers in [0, 1], received ${JSON.stringify(o.alphas)}`);
    if (!(o.classifierHoldout > 0 && o.classifierHoldout < 0.5))
      throw new RangeError(`Expected "classifierHoldout" to be in (0, 0.5), received ${o.classifierHoldout}`);
  }

  /** Stage 1 for one graph configuration: labels → profiles → classifier, scored by the MSE of q1 on `sel`. */
  private async stage1(
    train: TrainSet,
    labelsIn: Int32Array,
    T: number,
    hold: Uint8Array,
    sel: LabelledSet,
  ): Promise<{ profiles: TaskProfiles; classifier: MlpModel; valMse: number; acc: { top1: number; top5: number }; P: Float32Array }> {
    const M = train.models.length;
    const d = train.dim;
    const profiles = taskProfiles(labelsIn, T, train.scores, train.costs, M, { delta: this.o.delta, shrinkage: this.o.shrinkage });
    const fitIdx: number[] = [];
    const holdIdx: number[] = [];
    for (let i = 0; i < train.n; i++) (hold[i] ? holdIdx : fitIdx).push(i);
    const classifier = await trainMlp({
      X: pick(train.X, d, fitIdx),
      n: fitIdx.length,
      d,
      labels: Int32Array.from(fitIdx, (i) => labelsIn[i]),
      outputs: T,
      loss: 'softmax-xent',
      hidden: [],
      lr: 5e-3,
      epochs: 80,
      patience: 5,
      batchSize: 256,
      val: holdIdx.length ? { X: pick(train.X, d, holdIdx), n: holdIdx.length, labels: Int32Array.from(holdIdx, (i) => labelsIn[i]) } : undefined,
      seed: train.seed,
      threads: train.threads,
    });
    const Ph = holdIdx.length ? await mlpForward(classifier, pick(train.X, d, holdIdx), holdIdx.length, { threads: train.threads }) : new Float32Array(0);
    const acc = topAccuracy(Ph, Int32Array.from(holdIdx, (i) => labelsIn[i]), T);
    const Pv = await mlpForward(classifier, sel.X, sel.n, { threads: train.threads });
    const q1 = mixByTask(Pv, sel.n, T, profiles.quality, M);
    const P = await mlpForward(classifier, train.X, train.n, { threads: train.threads });
    return { profiles, classifier, valMse: mse(q1, sel.scores), acc, P };
  }

  async fit(train: TrainSet): Promise<void> {
    const M = train.models.length;
    const d = train.dim;
    const n = train.n;
    const o = this.o;
    if (n < 2) throw new RangeError(`finerouter needs at least 2 training rows, received ${n}`);
    this.models = [...train.models];
    const progress = train.progress;
    const t0 = performance.now();
    const hold = holdoutMask(n, o.classifierHoldout, train.seed);
    const means = columnMeans(train.scores, n, M);
    let bestSingle = 0;
    for (let m = 1; m < M; m++) if (means[m] > means[bestSingle]) bestSingle = m;
    const cRef = referenceCost(train.costs, n, M);
    const val = train.val && train.val.n > 0 ? train.val : undefined;
    // Stage-1 selection rows: the validation rows, else the classifier's holdout.
    const sel: LabelledSet =
      val ??
      (() => {
        const idx = [...hold.keys()].filter((i) => hold[i]);
        return { X: pick(train.X, d, idx), n: idx.length, dim: d, scores: pick(train.scores, M, idx), costs: pick(train.costs, M, idx), tasks: idx.map((i) => train.tasks[i]) };
      })();

    // Stage 1: the task graph once, then each (agreement, resolution), kept by validation MSE of q1.
    progress?.start(`${this.name}: kNN graph`);
    const knn = await knnGraph({ data: train.X, rows: n, cols: d }, Math.min(o.k, n - 1), { metric: 'cosine', symmetrize: 'max', threads: train.threads });
    progress?.done();
    const order = globalModelOrder(train.scores, n, M);
    const minSize = o.minTaskSize ?? Math.max(8, Math.ceil(n / 400));
    type Cand = Awaited<ReturnType<FineRouter['stage1']>> & { labels: Int32Array; T: number; agreement: Agreement; resolution: number; quality: number };
    let best: Cand | undefined;
    const tried: string[] = [];
    progress?.start(`${this.name}: task discovery`, o.agreements.length * o.resolutions.length);
    for (const agreement of o.agreements) {
      const g = taskGraph(knn, train.scores, M, order, { agreement, beta: o.beta });
      for (const resolution of o.resolutions) {
        const lr = await leiden(g, { objective: o.objective, resolution, seed: train.seed, threads: train.threads });
        const { labels, T } = mergeTinyCommunities(g, lr.membership, minSize);
        const s = await this.stage1(train, labels, T, hold, sel);
        tried.push(`${agreement}@${resolution}: T=${T} mse=${s.valMse.toFixed(5)}`);
        if (!best || s.valMse < best.valMse - 1e-9) best = { ...s, labels, T, agreement, resolution, quality: lr.quality };
        progress?.tick();
      }
    }
    progress?.done(`T = ${best!.T}`);
    const s1 = best!;
    const T = s1.T;
    const tStage1 = (performance.now() - t0) / 1000;

    // Stage 2: cross-fitted MoEs, gates initialised from the classifier and anchored to p(t|x).
    const moes: MoeModel[] = [];
    let alpha = 0;
    let alphaNote = '';
    if (o.stage !== 'stage1') {
      const cand: number[][] = Array.from({ length: T }, (_, t) =>
        Array.from(s1.profiles.candIdx.subarray(s1.profiles.candPtr[t], s1.profiles.candPtr[t + 1])).sort((a, b) => a - b),
      );
      const headPtr = new Int32Array(T + 1);
      cand.forEach((c, t) => (headPtr[t + 1] = headPtr[t] + c.length));
      const headModel = Int32Array.from(cand.flat());
      const folds = Math.max(1, Math.min(o.moeFolds, n));
      // Fold f fits the other folds and stops early on fold f; with one fold, the classifier's holdout.
      const fold = folds > 1 ? foldOf(n, folds, train.seed) : Int32Array.from(hold, (h) => (h ? 0 : -1));
      const heads = o.headInit === 'profile' ? { headInit: profileHeads(s1.profiles, headPtr, headModel, o.hidden) } : {};
      progress?.start(`${this.name}: MoE`, folds);
      for (let k = 0; k < folds; k++) {
        const fitIdx: number[] = [];
        const stopIdx: number[] = [];
        for (let i = 0; i < n; i++) (fold[i] === k ? stopIdx : fitIdx).push(i);
        moes.push(
          await trainMoe({
            X: pick(train.X, d, fitIdx),
            n: fitIdx.length,
            d,
            Y: pick(train.scores, M, fitIdx),
            M,
            T,
            headPtr,
            headModel,
            hidden: o.hidden,
            K: Math.min(o.topK, T),
            gateTargets: pick(s1.P, T, fitIdx),
            gateWeight: o.gateWeight,
            gateInit: { Wg: s1.classifier.weights.W0, bg: s1.classifier.weights.b0 },
            ...heads,
            phase1Loss: o.phase1Loss,
            lr: o.lr,
            weightDecay: o.weightDecay,
            epochs: o.epochs,
            patience: o.patience,
            val: stopIdx.length ? { X: pick(train.X, d, stopIdx), n: stopIdx.length, Y: pick(train.scores, M, stopIdx), gateTargets: pick(s1.P, T, stopIdx) } : undefined,
            seed: train.seed + k,
            threads: train.threads,
          }),
        );
        progress?.tick();
      }
      progress?.done();
      if (o.stage === 'stage2') alpha = 1;
      else {
        const rows = await this.aggregationRows(train, moes, fold, s1.labels, s1.profiles, val);
        let bestScore = -Infinity;
        const parts: string[] = [];
        for (const a of o.alphas) {
          const q = new Float32Array(rows.q1.length);
          for (let i = 0; i < q.length; i++) q[i] = a * rows.q2[i] + (1 - a) * rows.q1[i];
          const sc =
            o.select === 'mse'
              ? -mse(q, rows.scores)
              : (() => {
                  const m = evaluate({ quality: q, cost: rows.cost, n: rows.n, models: M }, { scores: rows.scores, costs: rows.costs, tasks: rows.tasks }, { cRef, bestSingle });
                  return m.nAUC + m.maxQuality;
                })();
          parts.push(`${a}:${sc.toFixed(4)}`);
          if (sc > bestScore + 1e-9) {
            bestScore = sc;
            alpha = a;
          }
        }
        alphaNote = `${rows.n} rows (${rows.n - (val?.n ?? 0)} out-of-fold + ${val?.n ?? 0} validation); ${parts.join(' ')}`;
      }
    }
    this.f = {
      d,
      T,
      profiles: s1.profiles,
      classifier: s1.classifier,
      moes,
      alpha,
      labels: taskLabels(s1.labels, T, train.tasks),
      diagnostics: {
        tasks: T,
        agreement: s1.agreement,
        resolution: s1.resolution,
        leidenQuality: s1.quality,
        classifierTop1: s1.acc.top1,
        classifierTop5: s1.acc.top5,
        stage1ValMse: s1.valMse,
        moes: moes.length,
        alpha,
        stage1Seconds: tStage1,
        trainSeconds: (performance.now() - t0) / 1000,
        candidates: tried.join('; '),
        ...(alphaNote ? { alphaSelection: alphaNote } : {}),
      },
    };
  }

  /**
   * The rows α is chosen on: every training row scored by the MoE that did not fit it
   * (its fold's), with q1 from that MoE's gate and leave-one-out task profiles (the row's
   * own score removed from its task's mean), plus the validation rows scored by the
   * averaged MoEs.
   */
  private async aggregationRows(
    train: TrainSet,
    moes: MoeModel[],
    fold: Int32Array,
    labels: Int32Array,
    profiles: TaskProfiles,
    val: LabelledSet | undefined,
  ): Promise<{ n: number; q1: Float32Array; q2: Float32Array; cost: Float32Array; scores: Float32Array; costs: Float32Array; tasks: string[] }> {
    const M = train.models.length;
    const d = train.dim;
    const T = profiles.T;
    const a = this.o.shrinkage;
    const parts: { q1: Float32Array; q2: Float32Array; cost: Float32Array; scores: Float32Array; costs: Float32Array; tasks: string[] }[] = [];
    for (let k = 0; k < moes.length; k++) {
      const idx: number[] = [];
      for (let i = 0; i < train.n; i++) if (fold[i] === k) idx.push(i);
      if (!idx.length) continue;
      const out = await moeForward(moes[k], pick(train.X, d, idx), idx.length, { outputs: ['q2', 'gate'], threads: train.threads });
      const P = out.gate!;
      const q1 = mixByTask(P, idx.length, T, profiles.quality, M);
      const scores = pick(train.scores, M, idx);
      // Leave-one-out: the shrunk mean Q = (Σ s + a·g)/(n_t + a) without the row's own score.
      idx.forEach((row, r) => {
        const t = labels[row];
        const nt = profiles.sizes[t];
        if (nt < 2) return;
        const p = P[r * T + t];
        for (let m = 0; m < M; m++) {
          const Q = profiles.quality[t * M + m];
          const loo = (Q * (nt + a) - scores[r * M + m]) / (nt - 1 + a);
          q1[r * M + m] += p * (loo - Q);
        }
      });
      parts.push({ q1, q2: out.q2!, cost: mixByTask(P, idx.length, T, profiles.cost, M), scores, costs: pick(train.costs, M, idx), tasks: idx.map((i) => train.tasks[i]) });
    }
    if (val) {
      const out = await forwardMoes(moes, val.X, val.n, true, train.threads);
      parts.push({
        q1: mixByTask(out.gate, val.n, T, profiles.quality, M),
        q2: out.q2!,
        cost: mixByTask(out.gate, val.n, T, profiles.cost, M),
        scores: val.scores,
        costs: val.costs,
        tasks: val.tasks,
      });
    }
    const cat = (key: 'q1' | 'q2' | 'cost' | 'scores' | 'costs') => {
      const outArr = new Float32Array(parts.reduce((s, p) => s + p[key].length, 0));
      let off = 0;
      for (const p of parts) {
        outArr.set(p[key], off);
        off += p[key].length;
      }
      return outArr;
    };
    const scores = cat('scores');
    return { n: scores.length / M, q1: cat('q1'), q2: cat('q2'), cost: cat('cost'), scores, costs: cat('costs'), tasks: parts.flatMap((p) => p.tasks) };
  }

  /** p(t|x) [n × T]: the MoEs' gate when stage 2 exists (fused passes), else the classifier. */
  private async forward(X: Float32Array, n: number): Promise<{ P: Float32Array; q2?: Float32Array }> {
    const f = this.f!;
    if (f.moes.length) {
      const out = await forwardMoes(f.moes, X, n, f.alpha > 0);
      return { P: out.gate, q2: out.q2 };
    }
    return { P: n <= SYNC_ROWS ? mlpForwardSync(f.classifier, X, n) : await mlpForward(f.classifier, X, n) };
  }

  /** out[n × M] = P[n × T] · Q[T × M] on the native GEMM (Q given transposed, [M × T]). */
  private async mix(P: Float32Array, n: number, QT: Float32Array): Promise<Float32Array> {
    const f = this.f!;
    const M = this.models.length;
    const a = { data: P, rows: n, cols: f.T };
    const b = { data: QT, rows: M, cols: f.T };
    return n <= SYNC_ROWS ? similaritySync(a, b, { metric: 'ip' }) : similarity(a, b, { metric: 'ip' });
  }

  async estimate(X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    const f = this.f!;
    checkEstimateInput(X, n, f.d, this.name);
    const M = this.models.length;
    if (n === 0) return { quality: new Float32Array(0), cost: new Float32Array(0), n, models: M };
    const { P, q2 } = await this.forward(X, n);
    f.qT ??= transpose(f.profiles.quality, f.T, M);
    f.cT ??= transpose(f.profiles.cost, f.T, M);
    const cost = await this.mix(P, n, f.cT);
    if (q2 && f.alpha >= 1) return { quality: q2, cost, n, models: M };
    const quality = await this.mix(P, n, f.qT);
    if (q2 && f.alpha > 0) for (let i = 0; i < quality.length; i++) quality[i] = f.alpha * q2[i] + (1 - f.alpha) * quality[i];
    return { quality, cost, n, models: M };
  }

  async explain(X: Float32Array, n: number, top: number): Promise<TaskExplanation[][]> {
    assertFitted(this.models, this.name);
    const f = this.f!;
    checkEstimateInput(X, n, f.d, this.name);
    const { P } = await this.forward(X, n);
    const out: TaskExplanation[][] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: f.T }, (_, t) => t).sort((a, b) => P[i * f.T + b] - P[i * f.T + a] || a - b);
      out.push(row.slice(0, Math.min(top, f.T)).map((t) => ({ id: `t${t}`, label: f.labels[t], probability: P[i * f.T + t] })));
    }
    return out;
  }

  diagnostics(): Record<string, number | string> {
    return this.f ? { ...this.f.diagnostics } : {};
  }

  state(): RouterState {
    assertFitted(this.models, this.name);
    const f = this.f!;
    const M = this.models.length;
    const p = f.profiles;
    const tensors: RouterState['tensors'] = {
      'profiles.quality': p.quality,
      'profiles.cost': p.cost,
      'profiles.preference': p.preference,
      'profiles.candPtr': p.candPtr,
      'profiles.candIdx': p.candIdx,
      'profiles.sizes': p.sizes,
    };
    const shapes: Record<string, number[]> = { 'profiles.quality': [f.T, M], 'profiles.cost': [f.T, M], 'profiles.preference': [f.T, M] };
    for (const [k, v] of Object.entries(f.classifier.weights)) tensors[`classifier.${k}`] = v;
    f.moes.forEach((moe, i) => {
      for (const [k, v] of Object.entries(moe.weights)) tensors[`moe${i}.${k}`] = v;
      const c = moe.config;
      Object.assign(shapes, { [`moe${i}.W1`]: [c.H, c.d], [`moe${i}.Wg`]: [c.T, c.d], [`moe${i}.U`]: [c.M, c.H], [`moe${i}.V`]: [c.headModel.length, c.H] });
    });
    if (f.moes.length) {
      tensors['moe.headPtr'] = f.moes[0].config.headPtr;
      tensors['moe.headModel'] = f.moes[0].config.headModel;
    }
    const { headPtr: _hp, headModel: _hm, ...moeConfig } = f.moes[0]?.config ?? ({} as Record<string, unknown>);
    return {
      method: this.name,
      models: this.models,
      config: {
        options: this.o,
        d: f.d,
        T: f.T,
        alpha: f.alpha,
        labels: f.labels,
        diagnostics: f.diagnostics,
        classifier: f.classifier.config,
        moe: f.moes.length ? moeConfig : null,
        moeCount: f.moes.length,
      },
      tensors,
      shapes,
    };
  }

  static fromState(s: RouterState, name = 'finerouter'): FineRouter {
    const c = s.config as Record<string, unknown>;
    const r = new FineRouter(c.options as FineRouterOptions, name);
    r.models = [...s.models];
    const M = s.models.length;
    const T = Number(c.T);
    const t = s.tensors;
    const sub = (prefix: string) =>
      Object.fromEntries(Object.entries(t).filter(([k]) => k.startsWith(prefix) && !k.endsWith('headPtr') && !k.endsWith('headModel')).map(([k, v]) => [k.slice(prefix.length), v as Float32Array]));
    const profiles: TaskProfiles = {
      T,
      M,
      quality: t['profiles.quality'] as Float32Array,
      cost: t['profiles.cost'] as Float32Array,
      preference: t['profiles.preference'] as Float32Array,
      candPtr: t['profiles.candPtr'] as Int32Array,
      candIdx: t['profiles.candIdx'] as Int32Array,
      sizes: t['profiles.sizes'] as Int32Array,
    };
    if (!profiles.quality || profiles.quality.length !== T * M || !profiles.cost || profiles.cost.length !== T * M)
      throw new RangeError(`finerouter state: task profiles must be [T × M] = [${T} × ${M}]`);
    const moes: MoeModel[] = [];
    for (let i = 0; c.moe && i < Number(c.moeCount ?? 0); i++)
      moes.push({
        config: { ...(c.moe as Omit<MoeModel['config'], 'headPtr' | 'headModel'>), headPtr: t['moe.headPtr'] as Int32Array, headModel: t['moe.headModel'] as Int32Array },
        weights: sub(`moe${i}.`),
      });
    r.f = {
      d: Number(c.d),
      T,
      profiles,
      classifier: { config: c.classifier as MlpModel['config'], weights: sub('classifier.') },
      moes,
      alpha: Number(c.alpha),
      labels: c.labels as string[],
      diagnostics: (c.diagnostics ?? {}) as Record<string, number | string>,
    };
    return r;
  }
}

function factory(name: string, stage: FineRouterStage, description: string): RouterFactory {
  return {
    name,
    description,
    create: (o) => new FineRouter({ ...(o as FineRouterOptions), stage }, name),
    fromState: (s) => FineRouter.fromState(s, name),
  };
}

export const fineRouterFactories: RouterFactory[] = [
  factory('finerouter', 'both', 'FineRouter: latent tasks (kNN graph + Leiden), task classifier, MoE with task heads, aggregated by validation'),
  factory('finerouter-stage1', 'stage1', 'FineRouter ablation: stage 1 only (task classifier × task profiles)'),
  factory('finerouter-stage2', 'stage2', 'FineRouter ablation: stage 2 only (the MoE estimate)'),
];
