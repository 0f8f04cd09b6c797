// The TRouter router (arXiv 2604.09377) over the native TRouter model (src/nn/trouter.ts):
// a latent task variable over the leaves of a task taxonomy, q(t|x) = softmax(f(x)·g(e_t)/τ)
// with e_t the embedded description of leaf t, per-(metric, model) decoders of the leaf
// representations, estimates Σ_t q(t|x)·dec(t), trained on MSE plus β·KL(q ‖ prior), the
// prior one-hot on the leaf a row came from (synthetic data) or its task's mapped leaf
// (real data). Registered with its two ablations: trouter-no-task (no latent variable)
// and trouter-no-prior (β = 0).

import { trainTrouter, trouterForward, type Activation, type TrouterConfig, type TrouterModel } from '../../nn/index.js';
import { assertMaskedUnit } from '../../nn/common.js';
import type { TaskLeafMapping, Taxonomy } from '../../synth/taxonomy.js';
import { TaskrouteError } from '../../errors.js';
import { assertBoolean, assertInteger, assertNumber, assertObject, assertOneOf, invalidParameter, outOfRange } from '../../validate.js';
import type { Estimate, Router, RouterFactory, RouterState, TaskExplanation, TrainSet } from '../types.js';
import { assertFitted, checkEstimateInput } from '../util.js';
import { recogniserAccuracy, resolveLeaves, rowLeaves, type LeafSet } from './leaves.js';
import { costScales, scaleCosts, unscaleCosts } from './scale.js';

export interface TrouterRouterOptions {
  /** Taxonomy file (.json/.yaml) or object whose leaves are the task variable (default: derived from the training tasks). */
  taxonomy?: string | Taxonomy;
  /** Task label → leaf id, a JSON file or object, for real data's rows (default: labels equal to a leaf id or path). */
  taskLeafMap?: string | TaskLeafMapping;
  /** Weight β of KL(q ‖ prior), ≥ 0 (default 1, the authors' kl_weight; 0 = trouter-no-prior). */
  beta?: number;
  /** Temperature τ of the recogniser's softmax, > 0 (default 0.07, the authors'). */
  tau?: number;
  /** Ablation without the latent task variable: ĥ = dec(f(x)) (default false; trouter-no-task). */
  noTask?: boolean;
  /** Width D of the task representation, the towers' output (default: the prompt embedding width, as the authors' towers map back to it). */
  dim?: number;
  /** Hidden widths of the towers f and g, 0–2 layers (default [256], the authors' hidden_dim). */
  towerHidden?: number[];
  /** Hidden width of each metric's decoder, 0 = linear (default 256, the authors' hidden_dim). */
  decoderHidden?: number;
  /** Hidden activation (default 'relu', the authors'). */
  activation?: Activation;
  /** Cosine similarity between the towers' outputs (default true). */
  normalize?: boolean;
  /** Weight of the quality MSE (default 1, the authors' effect_weight). */
  qualityWeight?: number;
  /** Weight of the cost MSE (default 1, the authors' cost_weight). */
  costWeight?: number;
  /** Adam learning rate (default 1e-3, the authors'). */
  lr?: number;
  /** Decoupled weight decay (default 0.01, AdamW's default the authors train with). */
  weightDecay?: number;
  /** Minibatch rows (default 32, the authors'). */
  batchSize?: number;
  /** Epochs at most (default 100; early stopping on the validation loss ends training sooner; see MIN_BATCHES_PER_EPOCH). */
  epochs?: number;
  /** Epochs without a better validation loss (MSE + β·KL) before stopping (default 8). */
  patience?: number;
  /**
   * Calibrate the recogniser's confidence after training (default true): the softmax
   * temperature is multiplied by the factor in CALIBRATION_GRID that maximises the
   * likelihood of the validation rows' known leaves (temperature scaling). Needs a prior
   * (β > 0) and validation rows with a leaf; otherwise the factor stays 1.
   */
  calibrate?: boolean;
}

/** Temperature factors tried by the calibration: 2^(k/4), k = −8 … 12 (0.25 … 8). */
export const CALIBRATION_GRID: readonly number[] = Array.from({ length: 21 }, (_, i) => 2 ** ((i - 8) / 4));

type Resolved = Required<Omit<TrouterRouterOptions, 'taxonomy' | 'taskLeafMap' | 'dim'>> & Pick<TrouterRouterOptions, 'taxonomy' | 'taskLeafMap' | 'dim'>;

const DEFAULTS: Omit<Resolved, 'taxonomy' | 'taskLeafMap' | 'dim'> = {
  beta: 1,
  tau: 0.07,
  noTask: false,
  towerHidden: [256],
  decoderHidden: 256,
  activation: 'relu',
  normalize: true,
  qualityWeight: 1,
  costWeight: 1,
  lr: 1e-3,
  weightDecay: 0.01,
  batchSize: 32,
  epochs: 100,
  patience: 8,
  calibrate: true,
};

const KNOWN = new Set([...Object.keys(DEFAULTS), 'dim', 'taxonomy', 'taskLeafMap']);

function checkOptions(options: unknown): Resolved {
  const o = assertObject('options', options ?? {});
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw invalidParameter(`options.${k}`, `one of the trouter options (${[...KNOWN].join(', ')})`, k);
  const v = (k: keyof typeof DEFAULTS) => (o[k] === undefined ? DEFAULTS[k] : o[k]);
  const widths = v('towerHidden');
  if (!Array.isArray(widths) || widths.length > 2) throw invalidParameter('towerHidden', 'an array of at most 2 integers >= 1', widths);
  widths.forEach((w, i) => assertInteger(`towerHidden[${i}]`, w, 1, 1 << 20));
  const r: Resolved = {
    beta: assertNumber('beta', v('beta'), 0),
    tau: assertNumber('tau', v('tau'), 0),
    noTask: assertBoolean('noTask', v('noTask')),
    dim: o.dim === undefined ? undefined : assertInteger('dim', o.dim, 1, 1 << 20),
    towerHidden: [...(widths as number[])],
    decoderHidden: assertInteger('decoderHidden', v('decoderHidden'), 0, 1 << 20),
    activation: assertOneOf('activation', v('activation'), ['relu', 'gelu', 'tanh'] as const),
    normalize: assertBoolean('normalize', v('normalize')),
    qualityWeight: assertNumber('qualityWeight', v('qualityWeight'), 0),
    costWeight: assertNumber('costWeight', v('costWeight'), 0),
    lr: assertNumber('lr', v('lr'), 0),
    weightDecay: assertNumber('weightDecay', v('weightDecay'), 0),
    batchSize: assertInteger('batchSize', v('batchSize'), 1, 1 << 30),
    epochs: assertInteger('epochs', v('epochs'), 1, 1 << 30),
    patience: assertInteger('patience', v('patience'), 1, 1 << 30),
    calibrate: assertBoolean('calibrate', v('calibrate')),
  };
  if (!(r.tau > 0)) throw outOfRange('tau', 'a number > 0', r.tau);
  if (!(r.lr > 0)) throw outOfRange('lr', 'a number > 0', r.lr);
  if (o.taxonomy !== undefined) {
    if (typeof o.taxonomy === 'string') {
      if (!o.taxonomy) throw invalidParameter('taxonomy', 'a taxonomy file path or a Taxonomy object', o.taxonomy);
    } else assertObject('taxonomy', o.taxonomy);
    r.taxonomy = o.taxonomy as string | Taxonomy;
  }
  if (o.taskLeafMap !== undefined) {
    if (typeof o.taskLeafMap === 'string') {
      if (!o.taskLeafMap) throw invalidParameter('taskLeafMap', 'a mapping file path or an object { task: leaf id }', o.taskLeafMap);
    } else assertObject('taskLeafMap', o.taskLeafMap);
    r.taskLeafMap = o.taskLeafMap as string | TaskLeafMapping;
  }
  if (r.noTask && (r.taxonomy !== undefined || r.taskLeafMap !== undefined))
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'trouter-no-task has no task variable: it takes no "taxonomy" or "taskLeafMap"');
  return r;
}

interface Fitted {
  model: TrouterModel;
  /** [M] USD per unit of scaled cost (each model's largest training cost), float32 so the state round trip is exact. */
  costScale: Float32Array;
  leafIds: string[];
  leafTitles: string[];
  diagnostics: Record<string, number | string>;
}

/** The top `top` entries of each row of P [n × L], probability descending, ties → lower index. */
function topRows(P: Float32Array, n: number, L: number, top: number): number[][] {
  const out: number[][] = [];
  const k = Math.min(top, L);
  for (let i = 0; i < n; i++) {
    const o = i * L;
    const idx = Array.from({ length: L }, (_, t) => t).sort((a, b) => P[o + b] - P[o + a] || a - b);
    out.push(idx.slice(0, k));
  }
  return out;
}

/**
 * Minibatches per epoch at least. Early stopping checks the validation loss once per
 * epoch; on a few dozen rows an epoch is one or two Adam steps, so training would stop
 * before the decoders have moved from their initial biases. Small sets are therefore
 * repeated within an epoch until it holds this many minibatches (the same rows, each
 * once per pass, in a fresh order): `epochs` and `patience` then count checks of at
 * least this many steps.
 */
export const MIN_BATCHES_PER_EPOCH = 8;

/** How many times the training rows are repeated in one epoch (1 unless the set is small). */
export function epochRepeats(n: number, batchSize: number): number {
  return Math.max(1, Math.ceil((MIN_BATCHES_PER_EPOCH * batchSize) / Math.max(1, n)));
}

function tile(a: Float32Array, reps: number): Float32Array {
  const out = new Float32Array(a.length * reps);
  for (let r = 0; r < reps; r++) out.set(a, r * a.length);
  return out;
}

/** Mean negative log-likelihood of the known leaves (labels ≥ 0) under q [n × L]. */
function leafNll(q: Float32Array, labels: Int32Array, L: number): number {
  let s = 0;
  let k = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) continue;
    s -= Math.log(Math.max(q[i * L + labels[i]], 1e-12));
    k++;
  }
  return k ? s / k : NaN;
}

/**
 * Temperature scaling of the recogniser: the factor of CALIBRATION_GRID whose softmax
 * temperature τ·factor gives the validation rows' known leaves the highest likelihood
 * (ties → the factor nearest 1). A network fitted to few rows is overconfident on new
 * ones; scaling τ changes q's sharpness, not its ranking, and leaves the decoders as trained.
 */
async function calibrateTau(model: TrouterModel, X: Float32Array, n: number, labels: Int32Array, threads?: number): Promise<{ factor: number; nll: number; nll1: number }> {
  const c = model.config;
  let best = { factor: 1, nll: Infinity };
  let nll1 = NaN;
  for (const factor of CALIBRATION_GRID) {
    const q = (await trouterForward({ config: { ...c, tau: c.tau * factor }, weights: model.weights }, X, n, { threads })).q!;
    const nll = leafNll(q, labels, c.L);
    if (factor === 1) nll1 = nll;
    if (nll < best.nll || (nll === best.nll && Math.abs(Math.log(factor)) < Math.abs(Math.log(best.factor)))) best = { factor, nll };
  }
  return { ...best, nll1 };
}

export class TrouterRouter implements Router {
  readonly name: string;
  models: string[] = [];
  /** The `top` most likely leaves of each row with their paths (absent on trouter-no-task). */
  explain?: (X: Float32Array, n: number, top: number) => Promise<TaskExplanation[][]>;
  private f?: Fitted;
  private readonly o: Resolved;

  constructor(options: TrouterRouterOptions = {}, name = 'trouter') {
    this.name = name;
    this.o = checkOptions(options);
    if (!this.o.noTask) this.explain = (X, n, top) => this.explainLeaves(X, n, top);
  }

  async fit(train: TrainSet): Promise<void> {
    const M = train.models.length;
    const o = this.o;
    assertMaskedUnit('train.scores', train.scores, M);
    const costScale = Float32Array.from(costScales(train.costs, train.n, M, 'train.costs'));
    const cost = scaleCosts(train.costs, train.n, M, costScale, 'train.costs');
    const val = train.val && train.val.n > 0 ? train.val : undefined;
    if (val) assertMaskedUnit('train.val.scores', val.scores, M);
    const valCost = val ? scaleCosts(val.costs, val.n, M, costScale, 'train.val.costs') : undefined;

    let leafSet: LeafSet | undefined;
    let E: Float32Array | undefined;
    let de = 0;
    const diagnostics: Record<string, number | string> = {};
    let trainLeaves: ReturnType<typeof rowLeaves> | undefined;
    let valLeaves: ReturnType<typeof rowLeaves> | undefined;
    if (!o.noTask) {
      // Rows that carry leaf ids but come without their taxonomy (e.g. the built-in synthetic
      // benchmark): the leaf ids act as the task labels of a generic taxonomy.
      const leafLabels = o.taxonomy === undefined && train.leaves?.some((l) => l !== '');
      const asTasks = (r: { tasks: string[]; leaves?: string[] }) => (leafLabels ? { tasks: r.leaves ?? r.tasks } : r);
      leafSet = await resolveLeaves(o, { ...asTasks(train), X: train.X, dim: train.dim, prompts: train.prompts });
      if (leafLabels) leafSet.notes.push('the rows carry leaf ids without a taxonomy: one generic leaf per leaf id');
      trainLeaves = rowLeaves(leafSet, asTasks(train), 'training');
      if (val) valLeaves = rowLeaves(leafSet, asTasks(val), 'validation');
      if (!train.embed)
        throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'trouter embeds its leaf descriptions with the run\'s embedder: the TrainSet has no "embed" function');
      train.progress?.start(`${this.name}: embedding ${leafSet.ids.length} leaf descriptions`);
      E = await train.embed(leafSet.descriptions);
      train.progress?.done();
      if (!(E instanceof Float32Array) || E.length % leafSet.ids.length !== 0 || E.length === 0)
        throw new TaskrouteError('ERR_TASKROUTE_INTERNAL', `the embedder returned ${E instanceof Float32Array ? `${E.length} values` : typeof E} for ${leafSet.ids.length} leaf descriptions`);
      de = E.length / leafSet.ids.length;
      diagnostics.taxonomy = leafSet.source;
      diagnostics.leaves = leafSet.ids.length;
      diagnostics.priorRows = trainLeaves.known;
      if (leafSet.notes.length) diagnostics.taxonomyNotes = leafSet.notes.join('; ');
    }
    const beta = o.noTask ? 0 : o.beta;

    const reps = epochRepeats(train.n, o.batchSize);
    const rep = (a: Float32Array | undefined) => (a && reps > 1 ? tile(a, reps) : a);
    train.progress?.start(`${this.name}: training`);
    const model = await trainTrouter({
      X: rep(train.X)!,
      n: train.n * reps,
      d: train.dim,
      M,
      quality: rep(train.scores)!,
      cost: rep(cost),
      prior: rep(trainLeaves?.prior),
      E,
      L: leafSet?.ids.length,
      de: de || undefined,
      dim: o.dim ?? train.dim,
      towerHidden: o.towerHidden,
      decoderHidden: o.decoderHidden,
      activation: o.activation,
      tau: o.tau,
      normalize: o.normalize,
      beta,
      qualityWeight: o.qualityWeight,
      costWeight: o.costWeight,
      noTask: o.noTask,
      lr: o.lr,
      weightDecay: o.weightDecay,
      batchSize: o.batchSize,
      epochs: o.epochs,
      patience: o.patience,
      seed: train.seed,
      threads: train.threads,
      // Early stopping on the whole validation objective (MSE + β·KL to the validation
      // rows' leaves), as the authors stop on their validation loss.
      val: val && { X: val.X, n: val.n, quality: val.scores, cost: valCost, prior: valLeaves?.prior },
    });
    const h = model.history!;
    train.progress?.done(`best epoch ${h.bestEpoch} of ${h.epochs}`);
    const trainedTau = model.config.tau;
    let calibration = 'none (option calibrate: false)';
    if (!o.noTask && o.calibrate) {
      if (beta === 0) calibration = 'none (β = 0: q is not trained to recognise the leaves)';
      else if (!val || !valLeaves || valLeaves.known === 0) calibration = 'none (no validation rows with a known leaf)';
      else {
        const cal = await calibrateTau(model, val.X, val.n, valLeaves.labels, train.threads);
        model.config = { ...model.config, tau: trainedTau * cal.factor };
        calibration = `τ × ${cal.factor.toPrecision(4)} (validation leaf NLL ${cal.nll1.toFixed(4)} → ${cal.nll.toFixed(4)})`;
      }
    }

    diagnostics.beta = beta;
    if (!o.noTask) {
      diagnostics.tau = trainedTau;
      diagnostics.calibration = calibration;
      diagnostics.tauCalibrated = model.config.tau;
    }
    if (reps > 1) diagnostics.epochRepeats = reps;
    diagnostics.bestEpoch = h.bestEpoch;
    diagnostics.epochs = h.epochs;
    diagnostics.bestLoss = h.bestLoss;
    diagnostics.costScale = 'per model: its largest training cost';
    if (leafSet && trainLeaves) {
      const L = leafSet.ids.length;
      const qTrain = (await trouterForward(model, train.X, train.n, { threads: train.threads })).q!;
      const a = recogniserAccuracy(qTrain, trainLeaves.labels, L);
      diagnostics.trainTop1 = a.top1;
      diagnostics.trainTop5 = a.top5;
      if (val && valLeaves) {
        const qVal = (await trouterForward(model, val.X, val.n, { threads: train.threads })).q!;
        const b = recogniserAccuracy(qVal, valLeaves.labels, L);
        diagnostics.recogniserTop1 = b.top1;
        diagnostics.recogniserTop5 = b.top5;
        diagnostics.recogniserRows = b.rows;
      }
    }
    this.models = [...train.models];
    this.f = { model, costScale, leafIds: leafSet?.ids ?? [], leafTitles: leafSet?.titles ?? [], diagnostics };
  }

  async estimate(X: Float32Array, n: number): Promise<Estimate> {
    assertFitted(this.models, this.name);
    const f = this.f!;
    checkEstimateInput(X, n, f.model.config.d, this.name);
    const M = this.models.length;
    if (n === 0) return { quality: new Float32Array(0), cost: new Float32Array(0), n, models: M };
    const out = await trouterForward(f.model, X, n);
    return { quality: out.quality, cost: unscaleCosts(out.cost!, n, M, f.costScale), n, models: M };
  }

  private async explainLeaves(X: Float32Array, n: number, top: number): Promise<TaskExplanation[][]> {
    assertFitted(this.models, this.name);
    const f = this.f!;
    checkEstimateInput(X, n, f.model.config.d, this.name);
    assertInteger('top', top, 1);
    if (n === 0) return [];
    const L = f.leafIds.length;
    const q = (await trouterForward(f.model, X, n)).q!;
    return topRows(q, n, L, top).map((row, i) => row.map((t) => ({ id: f.leafIds[t], label: f.leafTitles[t], probability: q[i * L + t] })));
  }

  diagnostics(): Record<string, number | string> {
    return this.f ? { ...this.f.diagnostics } : {};
  }

  state(): RouterState {
    assertFitted(this.models, this.name);
    const f = this.f!;
    const c = f.model.config;
    const shapes: Record<string, number[]> = {};
    const stack = (prefix: string, input: number, widths: number[]) =>
      widths.forEach((w, l) => {
        shapes[`${prefix}.W${l}`] = [w, l === 0 ? input : widths[l - 1]];
        shapes[`${prefix}.b${l}`] = [w];
      });
    const tw = [...c.towerHidden, c.D];
    const dw = c.decoderHidden > 0 ? [c.decoderHidden, c.M] : [c.M];
    stack('f', c.d, tw);
    if (!c.noTask) {
      stack('g', c.de, tw);
      shapes.E = [c.L, c.de];
    }
    stack('quality', c.D, dw);
    if (c.hasCost) stack('cost', c.D, dw);
    shapes.costScale = [c.M];
    const { taxonomy, taskLeafMap, ...rest } = this.o;
    return {
      method: this.name,
      models: [...this.models],
      config: {
        options: { ...rest, ...(typeof taxonomy === 'string' ? { taxonomy } : {}), ...(typeof taskLeafMap === 'string' ? { taskLeafMap } : {}) },
        model: c,
        leafIds: f.leafIds,
        leafTitles: f.leafTitles,
        diagnostics: f.diagnostics,
      },
      tensors: { ...f.model.weights, costScale: f.costScale },
      shapes,
    };
  }

  static fromState(s: RouterState, name = 'trouter'): TrouterRouter {
    const c = assertObject('state.config', s.config);
    const r = new TrouterRouter(assertObject('state.config.options', c.options) as TrouterRouterOptions, name);
    if (!Array.isArray(s.models) || s.models.length === 0) throw invalidParameter('state.models', 'a non-empty array of model names', s.models);
    const { costScale, ...weights } = s.tensors as Record<string, Float32Array>;
    const config = c.model as TrouterConfig;
    if (!(costScale instanceof Float32Array) || costScale.length !== s.models.length)
      throw invalidParameter('state.tensors.costScale', `a Float32Array of ${s.models.length} values`, costScale);
    const leafIds = (c.leafIds ?? []) as string[];
    const leafTitles = (c.leafTitles ?? []) as string[];
    if (!config.noTask && (!Array.isArray(leafIds) || leafIds.length !== config.L || !Array.isArray(leafTitles) || leafTitles.length !== config.L))
      throw invalidParameter('state.config.leafIds', `${config.L} leaf ids and titles`, leafIds);
    r.models = [...s.models];
    r.f = { model: { config, weights }, costScale, leafIds, leafTitles, diagnostics: (c.diagnostics ?? {}) as Record<string, number | string> };
    return r;
  }
}

function factory(name: string, description: string, fixed: Partial<TrouterRouterOptions>): RouterFactory {
  const check = (o: Record<string, unknown> | undefined) => {
    for (const k of Object.keys(fixed))
      if (o?.[k] !== undefined && o[k] !== fixed[k as keyof TrouterRouterOptions])
        throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${name} fixes "${k}" to ${JSON.stringify(fixed[k as keyof TrouterRouterOptions])}; use "trouter" to set it`);
  };
  return {
    name,
    description,
    create: (o) => {
      check(o);
      return new TrouterRouter({ ...(o as TrouterRouterOptions), ...fixed }, name);
    },
    fromState: (s) => TrouterRouter.fromState(s, name),
  };
}

export const trouterFactories: RouterFactory[] = [
  factory('trouter', 'TRouter: latent task variable over taxonomy leaves, decoders per (metric, model), MSE + β·KL to the prompt\'s leaf', {}),
  factory('trouter-no-task', 'TRouter ablation without the latent task variable (estimates decoded from f(x))', { noTask: true }),
  factory('trouter-no-prior', 'TRouter ablation without the prior (β = 0)', { beta: 0 }),
];
