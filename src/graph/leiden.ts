// Leiden community detection over the native kernel (native/kernels/leiden.h): typed
// options with defaults, argument checks with exact messages, and the quality of any
// partition. FineRouter runs it on the kNN graph of the training prompts.

import { callNative, callNativeAsync } from '../errors.js';
import { native } from '../native.js';
import type { Csr } from '../ops/types.js';
import { assertInteger, assertNumber, assertObject, assertOneOf, invalidParameter, outOfRange } from '../validate.js';
import { assertCsr } from './csr.js';

export type LeidenObjective = 'modularity' | 'cpm';

/**
 * Options of leiden() (mirror tr::LeidenParams). Both objectives read the stored matrix A
 * of the graph: an undirected edge {i, j} of weight w is A_ij = A_ji = w, a self loop
 * A_ii counts as stored (csrFromEdges stores a loop of weight w as A_ii = 2w).
 */
export interface LeidenOptions {
  /**
   * 'modularity' (default): Q = 1/2m Σ_ij (A_ij − γ k_i k_j / 2m) δ(c_i, c_j), with
   * k_i = Σ_j A_ij and 2m = Σ_ij A_ij. 'cpm' (Constant Potts Model):
   * Σ_c [e_c − γ n_c (n_c − 1) / 2], with e_c = ½ Σ_{i,j∈c} A_ij the edge weight inside c.
   */
  objective?: LeidenObjective;
  /** γ >= 0 (default 1). Higher → more, smaller communities. For 'cpm' it is the density threshold in edge-weight units. */
  resolution?: number;
  /** Seeds every random choice (default 0): an integer in [0, 2^53 − 1]. Same seed, same partition, whatever `threads`. */
  seed?: number;
  /**
   * Iterations of the whole algorithm, each starting from the previous partition
   * (default −1: until an iteration changes nothing, at most 1000; 0 returns singletons).
   */
  iterations?: number;
  /**
   * θ > 0 of the refinement (default 0.01): a node joins a sub-community with
   * probability ∝ exp(ΔH/θ), ΔH = w(v, C) − γ' w_v W_C in edge-weight units (γ' = γ/2m
   * and w = degree for modularity, γ' = γ and w = node count for CPM), as in the reference
   * implementation and igraph. θ → 0 is greedy; large θ is uniform over non-negative gains.
   */
  randomness?: number;
  /** Threads for the parallel phases (default 0: TASKROUTE_THREADS, else every core). Does not change the result. */
  threads?: number;
}

export interface LeidenResult {
  /** [n] community of each node, 0..communities−1 by decreasing size, ties by smallest node id. */
  membership: Int32Array;
  /** Number of communities. */
  communities: number;
  /** graphQuality() of the result for the objective and resolution used (NaN for modularity without edge weight). */
  quality: number;
  /** Iterations run. */
  iterations: number;
}

export interface GraphQualityOptions {
  /** 'modularity' (default) or 'cpm', as in LeidenOptions.objective. */
  objective?: LeidenObjective;
  /** γ >= 0 (default 1). */
  resolution?: number;
  /** Threads (default 0: TASKROUTE_THREADS, else every core). */
  threads?: number;
}

interface Params {
  objective: LeidenObjective;
  resolution: number;
  seed: number;
  iterations: number;
  randomness: number;
  threads: number;
}

interface LeidenBinding {
  leiden(rowPtr: Int32Array, colIdx: Int32Array, weights: Float32Array, o: Params): Promise<LeidenResult>;
  leidenSync(rowPtr: Int32Array, colIdx: Int32Array, weights: Float32Array, o: Params): LeidenResult;
  graphQuality(rowPtr: Int32Array, colIdx: Int32Array, weights: Float32Array, membership: Int32Array, o: Omit<Params, 'seed' | 'iterations' | 'randomness'>): number;
}

const OBJECTIVES = ['modularity', 'cpm'] as const;

function objectiveOf(o: Record<string, unknown>): LeidenObjective {
  return o.objective === undefined ? 'modularity' : assertOneOf('objective', o.objective, OBJECTIVES);
}

function resolutionOf(o: Record<string, unknown>): number {
  return o.resolution === undefined ? 1 : assertNumber('resolution', o.resolution, 0);
}

function threadsOf(o: Record<string, unknown>): number {
  return o.threads === undefined ? 0 : assertInteger('threads', o.threads, 0, 1024);
}

function params(o: LeidenOptions | undefined): Params {
  const opts = o === undefined ? {} : assertObject('options', o);
  const randomness = opts.randomness === undefined ? 0.01 : assertNumber('randomness', opts.randomness);
  if (!(randomness > 0)) throw outOfRange('randomness', 'a number > 0', randomness);
  let iterations = -1;
  if (opts.iterations !== undefined) {
    iterations = assertInteger('iterations', opts.iterations, -1, 2 ** 31 - 1);
  }
  return {
    objective: objectiveOf(opts),
    resolution: resolutionOf(opts),
    seed: opts.seed === undefined ? 0 : assertInteger('seed', opts.seed, 0),
    iterations,
    randomness,
    threads: threadsOf(opts),
  };
}

/** Leiden communities of a symmetric graph with non-negative weights (runs off the event loop). */
export async function leiden(g: Csr, o?: LeidenOptions): Promise<LeidenResult> {
  const csr = assertCsr('g', g);
  const p = params(o);
  return callNativeAsync(() => native<LeidenBinding>().leiden(csr.rowPtr, csr.colIdx, csr.weights, p));
}

/** Synchronous twin of leiden(): blocks the event loop, meant for small graphs. */
export function leidenSync(g: Csr, o?: LeidenOptions): LeidenResult {
  const csr = assertCsr('g', g);
  const p = params(o);
  return callNative(() => native<LeidenBinding>().leidenSync(csr.rowPtr, csr.colIdx, csr.weights, p));
}

/**
 * Exact quality of a partition of g (membership: [n] community indices in [0, n)):
 * modularity or CPM as defined on LeidenOptions.objective. Modularity is NaN when the
 * graph has no edge weight (it is undefined there).
 */
export function graphQuality(g: Csr, membership: Int32Array, o?: GraphQualityOptions): number {
  const csr = assertCsr('g', g);
  if (!(membership instanceof Int32Array)) throw invalidParameter('membership', 'an Int32Array', membership);
  if (membership.length !== csr.n) throw outOfRange('membership.length', `g.n = ${csr.n}`, membership.length);
  for (let i = 0; i < membership.length; i++) {
    const c = membership[i];
    if (c < 0 || c >= csr.n) throw outOfRange(`membership[${i}]`, `a community index in [0, ${csr.n - 1}]`, c);
  }
  const opts = o === undefined ? {} : assertObject('options', o);
  const q = { objective: objectiveOf(opts), resolution: resolutionOf(opts), threads: threadsOf(opts) };
  return callNative(() => native<LeidenBinding>().graphQuality(csr.rowPtr, csr.colIdx, csr.weights, membership, q));
}
