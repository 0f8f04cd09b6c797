// FineRouter's mixture-of-experts quality estimator (stage 2) over the native kernels
// (kernels/nn_moe.h, cuda/moe.cu): shared trunk, a gate over the T latent tasks, general
// heads for all M models and task heads for each task's candidate models, mixed over the
// top-K tasks. Training is two-phased (DESIGN.md): phase 1 trunk + general heads (+ the
// gate's cross-entropy to its targets), phase 2 task heads + gate on the mixed estimate.

import { useCuda, type Backend } from '../native.js';
import { assertBoolean, assertInteger, assertNumber, assertObject, assertOneOf, invalidParameter, outOfRange } from '../validate.js';
import {
  ACTIVATIONS,
  assertF32,
  assertFinite,
  assertI32,
  assertMaskedUnit,
  assertNonNegative,
  assertThreads,
  assertWeights,
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

/** The task heads as CSR over tasks: task t owns heads headPtr[t] .. headPtr[t+1]−1. */
export interface MoeHeads {
  /** [T + 1], headPtr[0] = 0, non-decreasing, headPtr[T] = number of heads. */
  headPtr: Int32Array;
  /** [nHeads] the model of each head, in [0, M), strictly increasing within a task. */
  headModel: Int32Array;
}

export interface MoeRows {
  /** [n × d] inputs, row-major. */
  X: Float32Array;
  n: number;
  /** [n × M] scores in [0, 1]; NaN = unobserved (excluded from the loss). */
  Y: Float32Array;
  /**
   * [n × T] gate targets (the task classifier's p(t|x), or one-hot task labels), ≥ 0;
   * an all-zero row has no target. Optional.
   */
  gateTargets?: Float32Array;
}

export interface MoeTrainOptions extends NnTrainOptions, MoeRows, MoeHeads {
  /** Input width. */
  d: number;
  /** Models. */
  M: number;
  /** Tasks (gate width). */
  T: number;
  /** Trunk width H (default 256). */
  hidden?: number;
  /** Tasks mixed per row, 1 ≤ K ≤ T (default min(2, T)). */
  K?: number;
  /** Trunk activation (default 'relu'). */
  activation?: Activation;
  /** Weight of the gate's cross-entropy to gateTargets, ≥ 0, in both phases (default 1). */
  gateWeight?: number;
  /** Initial gate, e.g. the task classifier's softmax-regression weights: Wg [T × d], bg [T] (default: random Wg, zero bg). */
  gateInit?: { Wg: Float32Array; bg: Float32Array };
  /**
   * Task heads at the start of phase 2: V [nHeads × H], e [nHeads] (default: copies of their
   * model's general head). FineRouter passes V = 0, e = logit(task profile) so phase 2 starts
   * from the stage-1 estimate.
   */
  headInit?: { V: Float32Array; e: Float32Array };
  /** Fine-tune the gate in phase 2 (default true). */
  tuneGate?: boolean;
  /** 1: trunk + general heads only (task heads = copies of the general heads); 2: both phases (default 2). */
  phases?: 1 | 2;
  /** Loss of the general heads in phase 1 (default 'mse'); phase 2 is MSE of the mixed q2. */
  phase1Loss?: 'mse' | 'bce';
  /** Validation rows for early stopping in each phase (must carry gateTargets when the training rows do). */
  val?: MoeRows;
}

export interface MoeConfig extends MoeHeads {
  d: number;
  H: number;
  T: number;
  M: number;
  K: number;
  activation: Activation;
}

/**
 * Weights: W1 [H × d], b1 [H] (trunk); Wg [T × d], bg [T] (gate); U [M × H], c [M]
 * (general heads); V [nHeads × H], e [nHeads] (task heads).
 */
export interface MoeModel {
  config: MoeConfig;
  weights: Weights;
  history?: { phase1: TrainHistory; phase2: TrainHistory };
}

export type MoeOutput = 'q2' | 'gate' | 'general';

/** Below this many rows 'auto' stays on the CPU: uploading the weights costs more than the rows. */
export const MOE_CUDA_MIN_ROWS = 256;

export interface MoeForwardOptions {
  /** What to compute (default ['q2']): q2 [n × M], the gate p [n × T], the general heads g [n × M]. */
  outputs?: MoeOutput[];
  /**
   * 'auto' (default: TASKROUTE_BACKEND, else 'auto'): CUDA when a device answers and
   * n ≥ MOE_CUDA_MIN_ROWS, else the CPU | 'cpu' | 'cuda' (always CUDA; fails without a device).
   */
  backend?: Backend;
  /** Override of the model's K for this call (ablations), 1 ≤ K ≤ T. */
  K?: number;
  /** CPU worker threads (default 0: every core). */
  threads?: number;
}

export interface MoeForwardResult {
  q2?: Float32Array;
  gate?: Float32Array;
  general?: Float32Array;
}

const OUTPUTS: readonly MoeOutput[] = ['q2', 'gate', 'general'];

/** Names and lengths of the MoE's weights. */
export function moeWeightShapes(c: MoeConfig): Record<string, number> {
  const nh = c.headModel.length;
  return { W1: c.H * c.d, b1: c.H, Wg: c.T * c.d, bg: c.T, U: c.M * c.H, c: c.M, V: nh * c.H, e: nh };
}

/** Checks the CSR task heads against T and M. */
export function checkHeads(prefix: string, headPtr: unknown, headModel: unknown, T: number, M: number): MoeHeads {
  const p = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const ptr = assertI32(p('headPtr'), headPtr, T + 1, `T + 1 = ${T} + 1`);
  const model = assertI32(p('headModel'), headModel, undefined, '');
  if (ptr[0] !== 0) throw outOfRange(`${p('headPtr')}[0]`, '0', ptr[0]);
  for (let t = 0; t < T; t++) {
    if (ptr[t + 1] < ptr[t]) throw outOfRange(`${p('headPtr')}[${t + 1}]`, `>= headPtr[${t}] = ${ptr[t]} (non-decreasing)`, ptr[t + 1]);
    for (let j = ptr[t]; j < ptr[t + 1] && j < model.length; j++) {
      const m = model[j];
      if (!(m >= 0 && m < M)) throw outOfRange(`${p('headModel')}[${j}]`, `a model index in [0, ${M - 1}]`, m);
      if (j > ptr[t] && m <= model[j - 1])
        throw outOfRange(`${p('headModel')}[${j}]`, `> headModel[${j - 1}] = ${model[j - 1]} (strictly increasing within task ${t})`, m);
    }
  }
  if (ptr[T] !== model.length) throw outOfRange(`${p('headPtr')}[${T}]`, `headModel.length = ${model.length}`, ptr[T]);
  return { headPtr: ptr, headModel: model };
}

function checkConfig(c: unknown): MoeConfig {
  const o = assertObject('model.config', c);
  const d = assertInteger('model.config.d', o.d, 1);
  const H = assertInteger('model.config.H', o.H, 1);
  const T = assertInteger('model.config.T', o.T, 1);
  const M = assertInteger('model.config.M', o.M, 1);
  const K = assertInteger('model.config.K', o.K, 1, T);
  const activation = assertOneOf('model.config.activation', o.activation ?? 'relu', ACTIVATIONS);
  const heads = checkHeads('model.config', o.headPtr, o.headModel, T, M);
  return { d, H, T, M, K, activation, ...heads };
}

function checkModel(model: unknown): MoeConfig {
  const m = assertObject('model', model);
  const config = checkConfig(m.config);
  if (!checkedModels.has(m)) {
    assertWeights('model.weights', m.weights, moeWeightShapes(config));
    checkedModels.add(m);
  }
  return config;
}

function checkRows(prefix: string, r: unknown, d: number, M: number, T: number, minRows: number): MoeRows {
  const o = assertObject(prefix || 'options', r);
  const p = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const n = assertInteger(p('n'), o.n, minRows, 2 ** 31 - 1);
  const X = assertF32(p('X'), o.X, n * d, `n × d = ${n} × ${d}`);
  assertFinite(p('X'), X, d);
  const Y = assertF32(p('Y'), o.Y, n * M, `n × M = ${n} × ${M}`);
  assertMaskedUnit(p('Y'), Y, M);
  let gateTargets: Float32Array | undefined;
  if (o.gateTargets !== undefined) {
    gateTargets = assertF32(p('gateTargets'), o.gateTargets, n * T, `n × T = ${n} × ${T}`);
    assertNonNegative(p('gateTargets'), gateTargets, T);
  }
  return { X, n, Y, gateTargets };
}

/**
 * Trains the MoE in two phases (each with early stopping on `val`) and returns its weights
 * and per-phase history. Deterministic for a seed, whatever `threads`.
 */
export async function trainMoe(options: MoeTrainOptions): Promise<MoeModel> {
  const o = assertObject('options', options) as unknown as MoeTrainOptions;
  const d = assertInteger('d', o.d, 1, 2 ** 30);
  const M = assertInteger('M', o.M, 1, 2 ** 30);
  const T = assertInteger('T', o.T, 1, 2 ** 30);
  const H = o.hidden === undefined ? 256 : assertInteger('hidden', o.hidden, 1, 2 ** 30);
  const K = o.K === undefined ? Math.min(2, T) : assertInteger('K', o.K, 1, T);
  const activation = o.activation === undefined ? 'relu' : assertOneOf('activation', o.activation, ACTIVATIONS);
  const heads = checkHeads('', o.headPtr, o.headModel, T, M);
  const gateWeight = o.gateWeight === undefined ? 1 : assertNumber('gateWeight', o.gateWeight, 0);
  const tuneGate = o.tuneGate === undefined ? true : assertBoolean('tuneGate', o.tuneGate);
  const phases = o.phases === undefined ? 2 : assertInteger('phases', o.phases, 1, 2);
  const phase1Loss = o.phase1Loss === undefined ? 'mse' : assertOneOf('phase1Loss', o.phase1Loss, ['mse', 'bce'] as const);
  const train = trainArgs(o);
  const rows = checkRows('', o, d, M, T, 1);
  const val = o.val === undefined ? undefined : checkRows('val', o.val, d, M, T, 0);
  if (rows.gateTargets && val && val.n > 0 && !val.gateTargets)
    throw invalidParameter('val.gateTargets', 'a Float32Array [n × T] (the training rows have gateTargets)', undefined);
  let gateInitW: Float32Array | undefined;
  let gateInitB: Float32Array | undefined;
  if (o.gateInit !== undefined) {
    const g = assertObject('gateInit', o.gateInit);
    gateInitW = assertF32('gateInit.Wg', g.Wg, T * d, `T × d = ${T} × ${d}`);
    assertFinite('gateInit.Wg', gateInitW, d);
    gateInitB = assertF32('gateInit.bg', g.bg, T, `T = ${T}`);
    assertFinite('gateInit.bg', gateInitB, 1);
  }
  let headInitV: Float32Array | undefined;
  let headInitE: Float32Array | undefined;
  if (o.headInit !== undefined) {
    const g = assertObject('headInit', o.headInit);
    const nh = heads.headModel.length;
    headInitV = assertF32('headInit.V', g.V, nh * H, `nHeads × H = ${nh} × ${H}`);
    assertFinite('headInit.V', headInitV, H);
    headInitE = assertF32('headInit.e', g.e, nh, `nHeads = ${nh}`);
    assertFinite('headInit.e', headInitE, 1);
  }
  const config: MoeConfig = { d, H, T, M, K, activation, ...heads };
  const res = await runAsync<{ weights: Weights; history: { phase1: Parameters<typeof toHistory>[0]; phase2: Parameters<typeof toHistory>[0] } }>('moeTrain', {
    ...config,
    ...train,
    gateWeight,
    tuneGate,
    phases,
    phase1Loss,
    gateInitW,
    gateInitB,
    headInitV,
    headInitE,
    X: rows.X,
    n: rows.n,
    Y: rows.Y,
    gateTargets: rows.gateTargets,
    val: val && { X: val.X, n: val.n, Y: val.Y, gateTargets: val.gateTargets },
  });
  return { config, weights: res.weights, history: { phase1: toHistory(res.history.phase1), phase2: toHistory(res.history.phase2) } };
}

function forwardArgs(model: MoeModel, X: Float32Array, n: number, o: MoeForwardOptions = {}): Record<string, unknown> {
  const c = checkModel(model);
  const opts = assertObject('options', o);
  const rows = assertInteger('n', n, 0, 2 ** 31 - 1);
  assertF32('X', X, rows * c.d, `n × d = ${rows} × ${c.d}`);
  assertFinite('X', X, c.d);
  const outputs = opts.outputs === undefined ? ['q2'] : opts.outputs;
  if (!Array.isArray(outputs) || outputs.length === 0) throw invalidParameter('outputs', `a non-empty array of ${OUTPUTS.map((x) => `'${x}'`).join(', ')}`, outputs);
  outputs.forEach((x, i) => assertOneOf(`outputs[${i}]`, x, OUTPUTS));
  const K = opts.K === undefined ? c.K : assertInteger('K', opts.K, 1, c.T);
  const requested = (opts.backend ?? process.env.TASKROUTE_BACKEND ?? 'auto') || 'auto';
  const cuda = useCuda(opts.backend as Backend | undefined) && !(requested === 'auto' && rows < MOE_CUDA_MIN_ROWS);
  return {
    ...c,
    K,
    weights: model.weights,
    X,
    n: rows,
    q2: outputs.includes('q2'),
    gate: outputs.includes('gate'),
    general: outputs.includes('general'),
    cuda,
    threads: assertThreads(opts.threads),
  };
}

/** The fused forward pass (CPU or CUDA): the requested outputs as flat row-major arrays. */
export async function moeForward(model: MoeModel, X: Float32Array, n: number, options?: MoeForwardOptions): Promise<MoeForwardResult> {
  return runAsync<MoeForwardResult>('moeForward', forwardArgs(model, X, n, options));
}

/** Synchronous twin of moeForward (one-row latency, small batches). */
export function moeForwardSync(model: MoeModel, X: Float32Array, n: number, options?: MoeForwardOptions): MoeForwardResult {
  return runSync<MoeForwardResult>('moeForwardSync', forwardArgs(model, X, n, options));
}

export interface MoeLossGradOptions {
  /** Which phase's loss (1: general heads [+ gate CE]; 2: mixed q2 + gate CE). */
  phase: 1 | 2;
  /** As in training (default 1). */
  gateWeight?: number;
  /** As in training (default true). */
  tuneGate?: boolean;
  /** As in training (default 'mse'). */
  phase1Loss?: 'mse' | 'bce';
  chunkRows?: number;
  threads?: number;
}

/**
 * Debug: one phase's training loss over `rows` at the model's weights and the analytic
 * gradient of every weight (0 for those the phase freezes). Top-K is fixed per row at the
 * current gate, as in training. For gradient checks against finite differences.
 */
export function moeLossGrad(model: MoeModel, rows: MoeRows, options: MoeLossGradOptions): LossGrad {
  const c = checkModel(model);
  const o = assertObject('options', options);
  const phase = assertInteger('phase', o.phase, 1, 2);
  const r = checkRows('rows', rows, c.d, c.M, c.T, 0);
  const t = trainArgs({ chunkRows: o.chunkRows as number | undefined, threads: o.threads as number | undefined });
  return runSync<LossGrad>('moeLossGrad', {
    ...c,
    weights: model.weights,
    X: r.X,
    n: r.n,
    Y: r.Y,
    gateTargets: r.gateTargets,
    phase,
    gateWeight: o.gateWeight === undefined ? 1 : assertNumber('gateWeight', o.gateWeight, 0),
    tuneGate: o.tuneGate === undefined ? true : assertBoolean('tuneGate', o.tuneGate),
    phase1Loss: o.phase1Loss === undefined ? 'mse' : assertOneOf('phase1Loss', o.phase1Loss, ['mse', 'bce'] as const),
    chunkRows: t.chunkRows,
    threads: t.threads,
  });
}
