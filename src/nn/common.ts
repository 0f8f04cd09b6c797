// Shared pieces of the small networks' wrappers: the typed view of the addon's nn
// exports, the training options every network takes, the history shape, and argument
// checks with exact messages (flat arrays of a given length, masked targets, options).

import { callNative, callNativeAsync } from '../errors.js';
import { native } from '../native.js';
import { assertInteger, assertNumber, assertObject, invalidParameter, outOfRange } from '../validate.js';

export type Activation = 'relu' | 'gelu' | 'tanh';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'gelu', 'tanh'];

/** Named weight tensors, row-major (the names and shapes each network documents). */
export type Weights = Record<string, Float32Array>;

/** Options of the minibatch Adam loop shared by every network (native TrainConfig). */
export interface NnTrainOptions {
  /** Adam learning rate, > 0 (default 1e-3). */
  lr?: number;
  /** Decoupled (AdamW) weight decay on the weight matrices, not the biases, ≥ 0 (default 1e-4). */
  weightDecay?: number;
  /** Rows per minibatch (default 128). */
  batchSize?: number;
  /** Epochs at most (default 100; per phase for the MoE). */
  epochs?: number;
  /** Epochs without improvement of the validation loss before stopping (default 8). */
  patience?: number;
  /** Seed of the init, the shuffling and dropout (default 0). Same seed ⇒ same weights, whatever `threads`. */
  seed?: number;
  /** Worker threads (default 0: TASKROUTE_THREADS or every core). Results do not depend on it. */
  threads?: number;
  /**
   * Rows per gradient sub-chunk (default 32). A minibatch is cut into chunks of this many
   * rows, each summed in order: the results depend on it (not on `threads`); parallelism
   * needs batchSize ≥ chunkRows × threads.
   */
  chunkRows?: number;
}

/** Per-epoch losses of one training run (one phase for the MoE). */
export interface TrainHistory {
  /** Mean minibatch training loss of each epoch. */
  train: number[];
  /** Validation loss after each epoch (NaN without a validation set). */
  val: number[];
  /** 0-based epoch whose weights were kept (−1: the starting weights, MoE phase 2 only). */
  bestEpoch: number;
  /** The early-stopping criterion (validation loss, else mean training loss) of the kept weights. */
  bestLoss: number;
  /** The criterion before training (MoE phase 2), else NaN. */
  initial: number;
  /** Epochs run. */
  epochs: number;
}

/** The loss over a batch and its gradient for every named parameter (debug path for gradient checks). */
export interface LossGrad {
  loss: number;
  grads: Weights;
}

type Fn = (o: Record<string, unknown>) => unknown;
export interface NnBinding {
  mlpTrain: Fn;
  mlpForward: Fn;
  mlpForwardSync: Fn;
  mlpLossGrad: Fn;
  moeTrain: Fn;
  moeForward: Fn;
  moeForwardSync: Fn;
  moeLossGrad: Fn;
  trouterTrain: Fn;
  trouterForward: Fn;
  trouterForwardSync: Fn;
  trouterLossGrad: Fn;
}

export function nnBinding(): NnBinding {
  return native<NnBinding>();
}

export function runSync<T>(name: keyof NnBinding, args: Record<string, unknown>): T {
  return callNative(() => nnBinding()[name](args) as T);
}

export function runAsync<T>(name: keyof NnBinding, args: Record<string, unknown>): Promise<T> {
  return callNativeAsync(() => nnBinding()[name](args) as Promise<T>);
}

interface RawHistory {
  train: number[];
  val: number[];
  bestEpoch: number;
  bestLoss: number;
  initial: number;
}

export function toHistory(h: RawHistory): TrainHistory {
  return { train: h.train, val: h.val, bestEpoch: h.bestEpoch, bestLoss: h.bestLoss, initial: h.initial, epochs: h.train.length };
}

// ------------------------------------------------------------------------ checks

/** A detached buffer reads as empty; where `length` is unknown only ArrayBuffer#detached (Node ≥ 22) can tell. */
function isDetached(a: ArrayBufferView, expectEmpty = false): boolean {
  const flag = (a.buffer as ArrayBuffer & { detached?: boolean }).detached;
  if (flag !== undefined) return flag;
  return !expectEmpty && a.buffer.byteLength === 0 && a.byteLength === 0;
}

/** `a` is a Float32Array of exactly `length` elements; `what` explains the length (e.g. "n × d = 4 × 3"). */
export function assertF32(name: string, a: unknown, length: number, what: string): Float32Array {
  if (!(a instanceof Float32Array)) throw invalidParameter(name, 'a Float32Array', a);
  if (isDetached(a, length === 0)) throw invalidParameter(name, 'an attached Float32Array', 'a detached buffer');
  if (a.length !== length) throw outOfRange(`${name}.length`, `${what} = ${length}`, a.length);
  return a;
}

export function assertI32(name: string, a: unknown, length: number | undefined, what: string): Int32Array {
  if (!(a instanceof Int32Array)) throw invalidParameter(name, 'an Int32Array', a);
  if (isDetached(a, (length ?? 0) === 0)) throw invalidParameter(name, 'an attached Int32Array', 'a detached buffer');
  if (length !== undefined && a.length !== length) throw outOfRange(`${name}.length`, `${what} = ${length}`, a.length);
  return a;
}

function where(i: number, cols: number): string {
  return cols > 1 ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `index ${i}`;
}

function valueError(name: string, expected: string, v: number, i: number, cols: number): RangeError {
  const s = Number.isNaN(v) ? 'NaN' : String(v);
  return new RangeError(`Expected "${name}" to be ${expected}, received ${s} at ${where(i, cols)}`);
}

/** Every value finite. */
export function assertFinite(name: string, a: Float32Array, cols: number): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw valueError(name, 'finite values only', a[i], i, cols);
}

/** Targets of a sigmoid output: each value in [0, 1], or NaN for an unobserved entry. */
export function assertMaskedUnit(name: string, a: Float32Array, cols: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (Number.isNaN(v)) continue;
    if (!(v >= 0 && v <= 1)) throw valueError(name, 'values in [0, 1] or NaN (unobserved)', v, i, cols);
  }
}

/** Non-negative finite weights per row (a distribution, a prior); an all-zero row means "none". */
export function assertNonNegative(name: string, a: Float32Array, cols: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw valueError(name, 'finite values >= 0', v, i, cols);
  }
}

/** A width list of 0–2 positive integers. */
export function assertWidths(name: string, v: unknown, maxLayers = 2): number[] {
  if (!Array.isArray(v)) throw invalidParameter(name, `an array of at most ${maxLayers} integers >= 1`, v);
  if (v.length > maxLayers) throw outOfRange(`${name}.length`, `at most ${maxLayers}`, v.length);
  v.forEach((w, i) => assertInteger(`${name}[${i}]`, w, 1, 2 ** 30));
  return [...(v as number[])];
}

export function assertPositive(name: string, v: unknown): number {
  assertNumber(name, v);
  if ((v as number) <= 0) throw outOfRange(name, 'a number > 0', v);
  return v as number;
}

/** The shared training options, checked and with defaults filled in. */
export function trainArgs(o: NnTrainOptions): Required<NnTrainOptions> {
  return {
    lr: o.lr === undefined ? 1e-3 : assertPositive('lr', o.lr),
    weightDecay: o.weightDecay === undefined ? 1e-4 : assertNumber('weightDecay', o.weightDecay, 0),
    batchSize: o.batchSize === undefined ? 128 : assertInteger('batchSize', o.batchSize, 1, 2 ** 30),
    epochs: o.epochs === undefined ? 100 : assertInteger('epochs', o.epochs, 1, 2 ** 30),
    patience: o.patience === undefined ? 8 : assertInteger('patience', o.patience, 1, 2 ** 30),
    seed: o.seed === undefined ? 0 : assertInteger('seed', o.seed, 0),
    threads: o.threads === undefined ? 0 : assertInteger('threads', o.threads, 0, 1024),
    chunkRows: o.chunkRows === undefined ? 32 : assertInteger('chunkRows', o.chunkRows, 1, 65536),
  };
}

export function assertThreads(v: unknown): number {
  return v === undefined ? 0 : assertInteger('threads', v, 0, 1024);
}

/** Checks that `model.weights` holds exactly the named tensors with these lengths and finite values. */
export function assertWeights(name: string, w: unknown, shapes: Record<string, number>): Weights {
  const o = assertObject(name, w);
  for (const [k, len] of Object.entries(shapes)) {
    const a = assertF32(`${name}.${k}`, o[k], len, 'its shape');
    assertFinite(`${name}.${k}`, a, 1);
  }
  return o as Weights;
}

/** Validated models: weights are checked once, then trusted (lengths are re-checked natively). */
export const checkedModels = new WeakSet<object>();
