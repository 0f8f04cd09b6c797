// The builtin embedder (the default; offline, deterministic): hashed word 1–2-grams and
// character 3–5-grams → sublinear TF · smooth IDF over the buckets seen in training →
// L2-normalise → projection onto the top right singular vectors of the training TF·IDF
// matrix (randomized SVD) → L2-normalise. All of the work is native
// (native/kernels/hash_embed.h documents the exact features).
//
// Choices worth knowing:
// - With fewer training prompts (or features) than `dim`, the output keeps `dim`
//   coordinates and the ones past the data's rank are exactly zero, so shapes never
//   depend on the training set and cosine / inner products are unchanged.
// - A text with no known feature (empty, or only unseen n-grams) gets the fallback vector:
//   the projected direction of the mean training row, i.e. "an average prompt".
// - minDf is lowered to 1 when no bucket reaches it (tiny training sets).
// - The SVD is fitted on at most `svdSamples` training prompts drawn with the seed; the
//   vocabulary and IDF always use all of them.

import { callNative, callNativeAsync, TaskrouteError } from '../errors.js';
import { native } from '../native.js';
import { assertInteger, assertObject, firstNonFinite } from '../validate.js';
import { assertTexts, packTexts, type PackedTexts } from './text.js';
import type { EmbedContext, Embedder, EmbedderState, TensorData } from './types.js';

/** Options of the builtin embedder (mirrors tr::embed::FitParams / HashParams). */
export interface BuiltinEmbedderOptions {
  /** Output dimension d (default 256), in [1, 1024]. */
  dim?: number;
  /** Seed of the hash, the SVD sketch and the SVD sample (default 0). */
  seed?: number;
  /** log2 of the number of hash buckets (default 20), in [8, 26]. */
  bits?: number;
  /** Keep buckets seen in at least this many training prompts (default 2). */
  minDf?: number;
  /** Keep at most this many buckets, the most frequent (default 32768 = 2^15), in [1, 2^22]. */
  maxFeatures?: number;
  /** Word n-grams of 1..wordNgramMax words (default 2; 0: no word features), in [0, 8]. */
  wordNgramMax?: number;
  /** Shortest character n-gram, in code points (default 3). */
  charNgramMin?: number;
  /** Longest character n-gram (default 5; 0: no character features), in [0, 16]. */
  charNgramMax?: number;
  /** Randomized SVD oversampling p (default 10). */
  oversample?: number;
  /** Randomized SVD power iterations q (default 2). */
  powerIters?: number;
  /** Training prompts the SVD is fitted on, drawn with the seed (default 20000). */
  svdSamples?: number;
  /** Threads (default 0: TASKROUTE_THREADS, else every core); not saved, never changes the output. */
  threads?: number;
}

export type BuiltinConfig = Required<Omit<BuiltinEmbedderOptions, 'threads'>>;

export const BUILTIN_DEFAULTS: Readonly<BuiltinConfig> = Object.freeze({
  dim: 256,
  seed: 0,
  bits: 20,
  minDf: 2,
  maxFeatures: 2 ** 15,
  wordNgramMax: 2,
  charNgramMin: 3,
  charNgramMax: 5,
  oversample: 10,
  powerIters: 2,
  svdSamples: 20000,
});

/** What fit() found, kept in the state for display. */
export interface BuiltinFitInfo {
  /** Training prompts seen by fit(). */
  trainTexts: number;
  /** Buckets kept (rows of the projection). */
  features: number;
  /** Buckets that passed minDf before the maxFeatures cut. */
  candidates: number;
  /** Non-zero columns of the projection (min(dim, numerical rank)). */
  rank: number;
  /** The minDf actually used (1 when no bucket reached the requested one). */
  minDf: number;
  /** Prompts the SVD was fitted on. */
  samples: number;
}

interface BuiltinTensors {
  /** [F] hash bucket of each feature. */
  buckets: Int32Array;
  /** [F] smooth idf. */
  idf: Float32Array;
  /** [F × dim] projection (right singular vectors; zero columns past the rank). */
  projection: Float32Array;
  /** [dim] unit vector for texts without a known feature. */
  fallback: Float32Array;
  /** [dim] singular values (0 past the rank). */
  singular: Float32Array;
}

type HashParams = Pick<BuiltinConfig, 'bits' | 'seed' | 'wordNgramMax' | 'charNgramMin' | 'charNgramMax'>;

interface FitOutput extends BuiltinTensors {
  rank: number;
  minDf: number;
  samples: number;
  candidates: number;
}

/** CSR rows over hash buckets (raw signed counts) or feature ids (TF·IDF). */
export interface HashedRows {
  /** [n + 1] row offsets. */
  indptr: Int32Array;
  /** [nnz] ascending within a row. */
  ids: Int32Array;
  /** [nnz] signed counts (hashedFeatures) or L2-normalised TF·IDF weights (tfidf). */
  values: Int32Array | Float32Array;
}

interface HashEmbedBinding {
  hashEmbedFeatures(b: Uint8Array, o: Int32Array, p: HashParams & { threads: number }): { indptr: Int32Array; buckets: Int32Array; counts: Int32Array };
  hashEmbedFit(b: Uint8Array, o: Int32Array, p: BuiltinConfig & { threads: number }): Promise<FitOutput>;
  hashEmbedModel(t: Omit<BuiltinTensors, 'singular'>, p: HashParams): unknown;
  hashEmbed(m: unknown, b: Uint8Array, o: Int32Array, p: { threads: number }): Promise<Float32Array>;
  hashEmbedSync(m: unknown, b: Uint8Array, o: Int32Array, p: { threads: number }): Float32Array;
  hashEmbedTfidf(m: unknown, b: Uint8Array, o: Int32Array, p: { threads: number }): { indptr: Int32Array; features: Int32Array; values: Float32Array };
}

const bind = () => native<HashEmbedBinding>();

/** Texts per native call in embed(): bounds memory of the packed batch and paces progress. */
const BATCH = 16384;

function configError(msg: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_CONFIG', msg);
}

/** Validates options (exact messages) and fills the defaults. */
export function builtinConfig(o: BuiltinEmbedderOptions = {}): BuiltinConfig {
  assertObject('options', o);
  const known = new Set([...Object.keys(BUILTIN_DEFAULTS), 'threads']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw configError(`unknown builtin embedder option "${k}" (known: ${[...known].join(', ')})`);
  const d = BUILTIN_DEFAULTS;
  const c: BuiltinConfig = {
    dim: assertInteger('dim', o.dim ?? d.dim, 1, 1024),
    seed: assertInteger('seed', o.seed ?? d.seed, 0),
    bits: assertInteger('bits', o.bits ?? d.bits, 8, 26),
    minDf: assertInteger('minDf', o.minDf ?? d.minDf, 1),
    maxFeatures: assertInteger('maxFeatures', o.maxFeatures ?? d.maxFeatures, 1, 2 ** 22),
    wordNgramMax: assertInteger('wordNgramMax', o.wordNgramMax ?? d.wordNgramMax, 0, 8),
    charNgramMin: assertInteger('charNgramMin', o.charNgramMin ?? d.charNgramMin, 1, 16),
    charNgramMax: assertInteger('charNgramMax', o.charNgramMax ?? d.charNgramMax, 0, 16),
    oversample: assertInteger('oversample', o.oversample ?? d.oversample, 0, 1000),
    powerIters: assertInteger('powerIters', o.powerIters ?? d.powerIters, 0, 50),
    svdSamples: assertInteger('svdSamples', o.svdSamples ?? d.svdSamples, 1),
  };
  if (c.charNgramMax > 0 && c.charNgramMin > c.charNgramMax)
    throw new RangeError(`Expected "charNgramMin" to be an integer in [1, ${c.charNgramMax}] (charNgramMax), received ${c.charNgramMin}`);
  if (c.wordNgramMax === 0 && c.charNgramMax === 0) throw configError('the builtin embedder needs word or character n-grams: wordNgramMax and charNgramMax are both 0');
  return c;
}

function hashParams(c: BuiltinConfig): HashParams {
  return { bits: c.bits, seed: c.seed, wordNgramMax: c.wordNgramMax, charNgramMin: c.charNgramMin, charNgramMax: c.charNgramMax };
}

/** Raw hashed features of each text: buckets with non-zero signed count, ascending (diagnostics, tests). */
export function hashedFeatures(texts: string[], options: BuiltinEmbedderOptions = {}): HashedRows {
  assertTexts('texts', texts);
  const c = builtinConfig(options);
  const threads = assertInteger('threads', options.threads ?? 0, 0, 1024);
  const p = packTexts(texts);
  const r = callNative(() => bind().hashEmbedFeatures(p.bytes, p.offsets, { ...hashParams(c), threads }));
  return { indptr: r.indptr, ids: r.buckets, values: r.counts };
}

function artifactError(msg: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `builtin embedder state: ${msg}`);
}

function checkTensors(t: Record<string, TensorData>, c: BuiltinConfig): BuiltinTensors {
  const f32 = (name: string, len: number | undefined, what: string): Float32Array => {
    const v = t[name];
    if (!(v instanceof Float32Array)) throw artifactError(`tensor "${name}" must be a Float32Array, found ${v === undefined ? 'none' : v.constructor.name}`);
    if (len !== undefined && v.length !== len) throw artifactError(`tensor "${name}" has ${v.length} values, expected ${what} = ${len}`);
    const bad = firstNonFinite(v);
    if (bad >= 0) throw artifactError(`tensor "${name}" has a non-finite value (${v[bad]}) at index ${bad}`);
    return v;
  };
  const buckets = t.buckets;
  if (!(buckets instanceof Int32Array)) throw artifactError(`tensor "buckets" must be an Int32Array, found ${buckets === undefined ? 'none' : buckets.constructor.name}`);
  const F = buckets.length;
  if (F < 1) throw artifactError('tensor "buckets" is empty');
  if (F > c.maxFeatures) throw artifactError(`tensor "buckets" has ${F} features, more than maxFeatures = ${c.maxFeatures}`);
  const nb = 2 ** c.bits;
  const seen = new Set<number>();
  for (let f = 0; f < F; f++) {
    const b = buckets[f];
    if (b < 0 || b >= nb) throw artifactError(`bucket ${b} of feature ${f} is outside [0, 2^${c.bits})`);
    if (seen.has(b)) throw artifactError(`bucket ${b} appears twice (feature ${f})`);
    seen.add(b);
  }
  const idf = f32('idf', F, 'the number of buckets');
  for (let f = 0; f < F; f++) if (!(idf[f] >= 1)) throw artifactError(`idf of feature ${f} is ${idf[f]}, expected >= 1`);
  return {
    buckets,
    idf,
    projection: f32('projection', F * c.dim, `features × dim = ${F} × ${c.dim}`),
    fallback: f32('fallback', c.dim, 'dim'),
    singular: t.singular === undefined ? new Float32Array(c.dim) : f32('singular', c.dim, 'dim'),
  };
}

/** Batches up to this many texts are embedded synchronously inside embed() (no thread-pool hop). */
const SYNC_MAX = 16;

export class BuiltinEmbedder implements Embedder {
  readonly kind = 'builtin';
  readonly config: Readonly<BuiltinConfig>;
  /** Threads of native calls (0: default); never changes the output. */
  threads: number;
  private tensors?: BuiltinTensors;
  private handle?: unknown;
  private info?: BuiltinFitInfo;

  constructor(options: BuiltinEmbedderOptions = {}) {
    this.config = Object.freeze(builtinConfig(options));
    this.threads = assertInteger('threads', options.threads ?? 0, 0, 1024);
  }

  get dim(): number {
    return this.config.dim;
  }

  /** True once fit() ran (or the embedder came from a fitted state). */
  get fitted(): boolean {
    return this.handle !== undefined;
  }

  /** What fit() found (undefined before). */
  get fitInfo(): BuiltinFitInfo | undefined {
    return this.info;
  }

  /** Singular values of the training TF·IDF matrix ([dim], 0 past the rank). */
  get singularValues(): Float32Array | undefined {
    return this.tensors?.singular;
  }

  async fit(texts: string[]): Promise<void> {
    assertTexts('texts', texts);
    if (texts.length === 0) throw new TaskrouteError('ERR_TASKROUTE_DATA', 'the builtin embedder needs at least one training prompt');
    const p = packTexts(texts);
    const r = await callNativeAsync(() => bind().hashEmbedFit(p.bytes, p.offsets, { ...this.config, threads: this.threads }));
    const tensors: BuiltinTensors = { buckets: r.buckets, idf: r.idf, projection: r.projection, fallback: r.fallback, singular: r.singular };
    this.install(tensors, {
      trainTexts: texts.length,
      features: r.buckets.length,
      candidates: r.candidates,
      rank: r.rank,
      minDf: r.minDf,
      samples: r.samples,
    });
  }

  private install(t: BuiltinTensors, info: BuiltinFitInfo): void {
    const h = callNative(() => bind().hashEmbedModel({ buckets: t.buckets, idf: t.idf, projection: t.projection, fallback: t.fallback }, hashParams(this.config)));
    this.tensors = t;
    this.handle = h;
    this.info = info;
  }

  private model(): unknown {
    if (this.handle === undefined)
      throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'the builtin embedder is not fitted: call fit(trainingPrompts) first, or load it from a router file');
    return this.handle;
  }

  async embed(texts: string[], ctx?: EmbedContext): Promise<Float32Array> {
    assertTexts('texts', texts);
    const m = this.model();
    const n = texts.length;
    const d = this.config.dim;
    // A handful of prompts costs less than a hop to the thread pool: embed them inline.
    if (n <= SYNC_MAX) {
      const p = packTexts(texts);
      return callNative(() => bind().hashEmbedSync(m, p.bytes, p.offsets, { threads: this.threads }));
    }
    if (n <= BATCH) return this.embedPacked(m, packTexts(texts));
    const out = new Float32Array(n * d);
    ctx?.progress?.start('embedding (builtin)', n);
    for (let b = 0; b < n; b += BATCH) {
      const e = Math.min(n, b + BATCH);
      out.set(await this.embedPacked(m, packTexts(texts, b, e)), b * d);
      ctx?.progress?.tick(e - b);
    }
    ctx?.progress?.done();
    return out;
  }

  private embedPacked(m: unknown, p: PackedTexts): Promise<Float32Array> {
    return callNativeAsync(() => bind().hashEmbed(m, p.bytes, p.offsets, { threads: this.threads }));
  }

  /** Synchronous twin of embed() for small batches (a router serving one prompt): blocks the event loop. */
  embedSync(texts: string[]): Float32Array {
    assertTexts('texts', texts);
    const m = this.model();
    const p = packTexts(texts);
    return callNative(() => bind().hashEmbedSync(m, p.bytes, p.offsets, { threads: this.threads }));
  }

  /** The L2-normalised TF·IDF rows over feature ids (before the projection); diagnostics and tests. */
  tfidf(texts: string[]): HashedRows {
    assertTexts('texts', texts);
    const m = this.model();
    const p = packTexts(texts);
    const r = callNative(() => bind().hashEmbedTfidf(m, p.bytes, p.offsets, { threads: this.threads }));
    return { indptr: r.indptr, ids: r.features, values: r.values };
  }

  /** The fitted tensors (undefined before fit): buckets [F], idf [F], projection [F × dim], fallback [dim], singular [dim]. */
  get fittedTensors(): Readonly<BuiltinTensors> | undefined {
    return this.tensors;
  }

  state(): EmbedderState {
    const config: Record<string, unknown> = { version: 1, ...this.config };
    if (this.info) config.fit = { ...this.info };
    const tensors: Record<string, TensorData> = {};
    if (this.tensors) Object.assign(tensors, this.tensors);
    return { kind: 'builtin', config, tensors };
  }

  /** Rebuilds an embedder from state(); a state without tensors gives an unfitted embedder. */
  static fromState(state: EmbedderState, options: { threads?: number } = {}): BuiltinEmbedder {
    if (state?.kind !== 'builtin') throw artifactError(`kind is ${JSON.stringify(state?.kind)}, expected "builtin"`);
    const cfg = assertObject('state.config', state.config);
    if (cfg.version !== 1) throw artifactError(`unsupported version ${JSON.stringify(cfg.version)} (this build reads version 1)`);
    const opts: BuiltinEmbedderOptions = {};
    for (const k of Object.keys(BUILTIN_DEFAULTS) as (keyof BuiltinConfig)[]) {
      if (cfg[k] === undefined) throw artifactError(`config has no "${k}"`);
      (opts as Record<string, unknown>)[k] = cfg[k];
    }
    let e: BuiltinEmbedder;
    try {
      e = new BuiltinEmbedder({ ...opts, threads: options.threads });
    } catch (err) {
      throw artifactError((err as Error).message);
    }
    const t = state.tensors ?? {};
    if (Object.keys(t).length === 0) return e;
    const tensors = checkTensors(t, e.config);
    const fit = (typeof cfg.fit === 'object' && cfg.fit !== null ? cfg.fit : {}) as Partial<BuiltinFitInfo>;
    const num = (v: unknown, def: number) => (typeof v === 'number' && Number.isFinite(v) ? v : def);
    e.install(tensors, {
      trainTexts: num(fit.trainTexts, 0),
      features: tensors.buckets.length,
      candidates: num(fit.candidates, tensors.buckets.length),
      rank: num(fit.rank, e.config.dim),
      minDf: num(fit.minDf, e.config.minDf),
      samples: num(fit.samples, 0),
    });
    return e;
  }
}
