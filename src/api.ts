// The library API: train a router on routing data, save it as one file, load it once and
// route prompts in batches — embed (native) → estimate (native) → policy, one pass per call.
//
//   const router = await Router.load('router.safetensors');
//   const [d] = await router.route(['What is 17 × 23?'], { lambda: 1 });
//   d.model  // the model to call

import { createHash } from 'node:crypto';
import { readArtifact, writeArtifact, type RouterArtifact } from './artifact/index.js';
import type { RoutingData } from './data/types.js';
import { SPLIT_CODES } from './data/types.js';
import { createEmbedder, embedderFromState, type EmbedderSpec } from './embed/index.js';
import type { Embedder } from './embed/types.js';
import { TaskrouteError } from './errors.js';
import { version } from './info.js';
import { chooseByFloor, chooseByLambda, chooseForBudget, referenceCost } from './policy/index.js';
import { silentProgress, type Progress } from './progress.js';
import './routers/index.js';
import { getRouterFactory } from './routers/registry.js';
import type { Estimate, LabelledSet, Router as RouterModel, TaskExplanation, TrainSet } from './routers/types.js';
import { columnMeans } from './routers/util.js';
import { assertInteger, assertNumber, invalidParameter } from './validate.js';

export interface RouteOptions {
  /** Cost weight of the policy argmax_m q̂ − λ·ĉ/c_ref (default 0: best estimated quality). */
  lambda?: number;
  /** Total USD for the batch: λ is found by bisection so the estimated cost fits. */
  budget?: number;
  /** Quality floor: the cheapest model whose estimate clears it. */
  minQuality?: number;
  /** Add the top tasks and every model's estimates to each decision. */
  explain?: boolean;
  /** Tasks to list per decision with explain (default 3). */
  topTasks?: number;
  /** Precomputed embeddings for the prompts ([n × dim]), for the precomputed embedder. */
  embeddings?: Float32Array;
}

export interface ModelEstimate {
  model: string;
  quality: number;
  cost: number;
}

export interface Decision {
  /** The chosen model. */
  model: string;
  modelIndex: number;
  /** Its estimated quality and cost (USD). */
  quality: number;
  cost: number;
  /** With explain: the latent tasks the router assigns the prompt to, most likely first. */
  tasks?: TaskExplanation[];
  /** With explain: every model's estimate. */
  estimates?: ModelEstimate[];
}

export interface RouteResult {
  decisions: Decision[];
  /** λ the policy used (the bisection's result with a budget). */
  lambda: number;
  /** Total estimated cost of the batch. */
  estimatedCost: number;
  /** With a budget: false when even the cheapest choices exceed it. With a floor: rows no model cleared. */
  feasible?: boolean;
  belowFloor?: number;
}

export interface TrainOptions {
  method: string;
  /** Embedder spec (default builtin). */
  embedder?: EmbedderSpec;
  seed?: number;
  /** Router-specific options (see each router's options interface). */
  options?: Record<string, unknown>;
  threads?: number;
  progress?: Progress;
}

/** sha256 over the ids, scores and costs of the given rows: identifies the training data. */
export function fingerprint(data: RoutingData, rows: number[]): string {
  const h = createHash('sha256');
  const M = data.models.length;
  h.update(JSON.stringify(data.models));
  for (const r of rows) {
    h.update(data.ids[r]);
    h.update(new Uint8Array(data.scores.buffer, data.scores.byteOffset + r * M * 4, M * 4));
    h.update(new Uint8Array(data.costs.buffer, data.costs.byteOffset + r * M * 4, M * 4));
  }
  return h.digest('hex');
}

function rowsWhere(data: RoutingData, codes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.n; i++) if (codes.includes(data.splits[i])) out.push(i);
  return out;
}

/** A trained router with its embedder: route prompts, save, load. */
export class Router {
  private constructor(
    readonly method: string,
    private readonly model: RouterModel,
    readonly embedder: Embedder,
    readonly costRef: number,
    private readonly meta: Pick<RouterArtifact, 'hyperparameters' | 'training' | 'trainMeans' | 'taskrouteVersion' | 'createdAt'>,
  ) {}

  get models(): string[] {
    return this.model.models;
  }

  /** Method-specific figures from training (e.g. the task classifier's accuracy). */
  diagnostics(): Record<string, number | string> {
    return this.model.diagnostics?.() ?? {};
  }

  /** Per model: mean train quality and cost. */
  get trainMeans(): RouterArtifact['trainMeans'] {
    return this.meta.trainMeans;
  }

  get training(): RouterArtifact['training'] {
    return this.meta.training;
  }

  /** Trains `method` on the train (+ val for model selection) rows of `data`. */
  static async train(data: RoutingData, o: TrainOptions): Promise<Router> {
    const factory = getRouterFactory(o.method);
    if (factory.readsLabels)
      throw new RangeError(`router "${o.method}" reads the test labels (an upper bound for evaluation) and cannot be trained for use`);
    const progress = o.progress ?? silentProgress;
    const seed = o.seed ?? 0;
    const trainRows = rowsWhere(data, [SPLIT_CODES.train]);
    const valRows = rowsWhere(data, [SPLIT_CODES.val]);
    if (trainRows.length === 0) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${data.source}: no training rows`);
    const embedder = createEmbedder(o.embedder ?? { kind: 'builtin' });
    const fitRows = [...trainRows, ...valRows];
    progress.start('embedding: fit');
    await embedder.fit(trainRows.map((r) => data.prompts[r]));
    progress.done();
    const embedRows = async (rows: number[]) =>
      embedder.embed(
        rows.map((r) => data.prompts[r]),
        {
          embeddings: data.embeddings && data.embeddingDim ? labelledEmbeddings(data, rows) : undefined,
          progress,
        },
      );
    const Xtr = await embedRows(trainRows);
    const Xva = valRows.length ? await embedRows(valRows) : new Float32Array(0);
    const dim = embedder.dim;
    const train: TrainSet = {
      ...rowsSet(data, Xtr, dim, trainRows),
      models: [...data.models],
      val: valRows.length ? rowsSet(data, Xva, dim, valRows) : undefined,
      seed,
      threads: o.threads,
      progress,
      embed: (texts) => embedder.embed(texts),
    };
    const model = factory.create(o.options ?? {});
    await model.fit(train);
    const M = data.models.length;
    const q = columnMeans(train.scores, train.n, M);
    const c = columnMeans(train.costs, train.n, M);
    return new Router(o.method, model, embedder, referenceCost(train.costs, train.n, M), {
      hyperparameters: o.options ?? {},
      trainMeans: { quality: Array.from(q), cost: Array.from(c) },
      training: { sha256: fingerprint(data, fitRows), n: fitRows.length, source: data.source },
      taskrouteVersion: version(),
      createdAt: new Date().toISOString(),
    });
  }

  /** Loads a router file (verifying its checksum and format version). */
  static async load(path: string): Promise<Router> {
    const a = readArtifact(path);
    let model: RouterModel;
    let embedder: Embedder;
    try {
      model = getRouterFactory(a.method).fromState(a.router);
      embedder = embedderFromState(a.embedder);
    } catch (err) {
      throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `${path}: cannot restore the ${a.method} router: ${(err as Error).message}`, { cause: err });
    }
    return new Router(a.method, model, embedder, a.costRef, a);
  }

  /** Writes the router (weights, embedder state, metadata) to one file, atomically. */
  async save(path: string): Promise<void> {
    await writeArtifact(path, {
      method: this.method,
      models: this.models,
      router: this.model.state(),
      embedder: this.embedder.state(),
      hyperparameters: this.meta.hyperparameters,
      training: this.meta.training,
      costRef: this.costRef,
      trainMeans: this.meta.trainMeans,
      taskrouteVersion: this.meta.taskrouteVersion || version(),
      createdAt: this.meta.createdAt || new Date().toISOString(),
    });
  }

  /** Embeds the prompts (or takes precomputed embeddings) → [n × dim]. */
  async embed(prompts: string[], embeddings?: Float32Array): Promise<Float32Array> {
    return this.embedder.embed(prompts, embeddings ? { embeddings } : undefined);
  }

  /** Per-model quality and cost estimates for the prompts. */
  async estimate(prompts: string[], embeddings?: Float32Array): Promise<Estimate> {
    const X = await this.embed(prompts, embeddings);
    return this.model.estimate(X, prompts.length);
  }

  /** One decision per prompt, by λ (default 0), a batch budget, or a quality floor. */
  async route(prompts: string | string[], options: RouteOptions = {}): Promise<RouteResult> {
    const list = typeof prompts === 'string' ? [prompts] : prompts;
    if (!Array.isArray(list)) throw invalidParameter('prompts', 'a string or an array of strings', prompts);
    list.forEach((p, i) => {
      if (typeof p !== 'string') throw invalidParameter(`prompts[${i}]`, 'a string', p);
    });
    checkModes(options);
    const X = await this.embed(list, options.embeddings);
    return this.routeEmbeddings(X, list.length, options);
  }

  /**
   * The same decisions for prompts already embedded with this router's embedder
   * (X: [n × dim], rows L2-normalised) — the path for callers that cache embeddings.
   */
  async routeEmbeddings(X: Float32Array, n: number, options: RouteOptions = {}): Promise<RouteResult> {
    checkModes(options);
    assertInteger('n', n, 0);
    if (!(X instanceof Float32Array)) throw invalidParameter('X', 'a Float32Array', X);
    if (X.length !== n * this.embedder.dim) throw new RangeError(`Expected "X.length" to be n × dim = ${n} × ${this.embedder.dim} = ${n * this.embedder.dim}, received ${X.length}`);
    const est = await this.model.estimate(X, n);
    const M = this.models.length;
    let choices: Int32Array;
    let lambda = 0;
    const out: Omit<RouteResult, 'decisions' | 'estimatedCost'> = { lambda };
    if (options.budget !== undefined) {
      const b = chooseForBudget(est, options.budget, this.costRef);
      choices = b.choices;
      lambda = b.lambda;
      out.feasible = b.feasible;
    } else if (options.minQuality !== undefined) {
      const f = chooseByFloor(est, options.minQuality);
      choices = f;
      out.belowFloor = f.nBelowFloor;
    } else {
      lambda = options.lambda ?? 0;
      choices = chooseByLambda(est, lambda, this.costRef);
    }
    out.lambda = lambda;
    const topTasks = options.topTasks ?? 3;
    const tasks = options.explain && this.model.explain ? await this.model.explain(X, n, topTasks) : undefined;
    let total = 0;
    const decisions: Decision[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const m = choices[i];
      const d: Decision = { model: this.models[m], modelIndex: m, quality: est.quality[i * M + m], cost: est.cost[i * M + m] };
      total += d.cost;
      if (options.explain) {
        d.estimates = this.models.map((model, j) => ({ model, quality: est.quality[i * M + j], cost: est.cost[i * M + j] }));
        if (tasks) d.tasks = tasks[i];
      }
      decisions[i] = d;
    }
    return { decisions, estimatedCost: total, ...out };
  }
}

/** Validates the policy options: at most one mode, each in range. */
function checkModes(options: RouteOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidParameter('options', 'an object', options);
  const modes = ['lambda', 'budget', 'minQuality'].filter((k) => options[k as keyof RouteOptions] !== undefined);
  if (modes.length > 1) throw new RangeError(`Expected at most one of "lambda", "budget", "minQuality", received ${modes.join(', ')}`);
  if (options.lambda !== undefined) assertNumber('lambda', options.lambda, 0);
  if (options.budget !== undefined) assertNumber('budget', options.budget, 0);
  if (options.minQuality !== undefined) assertNumber('minQuality', options.minQuality, 0, 1);
  if (options.explain) assertInteger('topTasks', options.topTasks ?? 3, 1);
}

function labelledEmbeddings(data: RoutingData, rows: number[]): Float32Array {
  const d = data.embeddingDim!;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(data.embeddings!.subarray(r * d, r * d + d), i * d));
  return out;
}

/** LabelledSet for `rows` of data whose embeddings (in the same order as rows) are X. */
export function rowsSet(data: RoutingData, X: Float32Array, dim: number, rows: number[]): LabelledSet {
  const M = data.models.length;
  const s = new Float32Array(rows.length * M);
  const c = new Float32Array(rows.length * M);
  rows.forEach((r, i) => {
    s.set(data.scores.subarray(r * M, r * M + M), i * M);
    c.set(data.costs.subarray(r * M, r * M + M), i * M);
  });
  return {
    X,
    n: rows.length,
    dim,
    scores: s,
    costs: c,
    tasks: rows.map((r) => data.tasks[r]),
    leaves: data.leaves ? rows.map((r) => data.leaves![r]) : undefined,
    prompts: rows.map((r) => data.prompts[r]),
  };
}
