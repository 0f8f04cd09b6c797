// `compare` as a library function: embed the splits once, fit and run every requested
// router on the same embeddings, and score each with the same policy sweep and metrics,
// so the CompareResult rows are comparable. The CLI (`taskroute compare`) prints it.

import type { RoutingData } from '../data/types.js';
import { SPLIT_CODES } from '../data/types.js';
import type { Embedder } from '../embed/types.js';
import { TaskrouteError } from '../errors.js';
import { referenceCost } from '../policy/index.js';
import { createProgress, type Progress } from '../progress.js';
import { getRouterFactory } from '../routers/index.js';
import type { EstimateContext, LabelledSet, TrainSet } from '../routers/types.js';
import { columnMeans } from '../routers/util.js';
import { assertInteger, invalidParameter, outOfRange } from '../validate.js';
import { evaluate, modelMeans, oracleChoices, realisedPoint } from './metrics.js';
import type { CompareResult, ModelPoint, RouterResult } from './types.js';

export interface CompareOptions {
  /** The routing data; its train split fits, its val split (if any) selects, its test split scores. */
  data: RoutingData;
  /** Router names of the registry (e.g. ['random', 'kmeans', 'finerouter']), at least one. */
  methods: string[];
  /** Embedder for every split; fitted here on the training prompts. */
  embedder: Embedder;
  /** Seed passed to every router's fit (default 0). */
  seed?: number;
  /** Options per method name, passed to factory.create(). */
  routerOptions?: Record<string, Record<string, unknown>>;
  /** Progress of embedding and training (default: createProgress(), shown on a TTY only). */
  progress?: Progress;
  /** Threads for native training (default 0: TASKROUTE_THREADS, else every core). */
  threads?: number;
}

/** One split's rows gathered out of the structure-of-arrays data set. */
interface SplitRows {
  idx: number[];
  scores: Float32Array;
  costs: Float32Array;
  tasks: string[];
  prompts: string[];
  leaves?: string[];
  embeddings?: Float32Array;
}

function gather(data: RoutingData, code: number): SplitRows {
  const M = data.models.length;
  const idx: number[] = [];
  for (let i = 0; i < data.n; i++) if (data.splits[i] === code) idx.push(i);
  const scores = new Float32Array(idx.length * M);
  const costs = new Float32Array(idx.length * M);
  const d = data.embeddingDim ?? 0;
  const embeddings = data.embeddings && d > 0 ? new Float32Array(idx.length * d) : undefined;
  idx.forEach((i, r) => {
    scores.set(data.scores.subarray(i * M, i * M + M), r * M);
    costs.set(data.costs.subarray(i * M, i * M + M), r * M);
    if (embeddings) embeddings.set(data.embeddings!.subarray(i * d, i * d + d), r * d);
  });
  return {
    idx,
    scores,
    costs,
    tasks: idx.map((i) => data.tasks[i] ?? ''),
    prompts: idx.map((i) => data.prompts[i]),
    leaves: data.leaves ? idx.map((i) => data.leaves![i] ?? '') : undefined,
    embeddings,
  };
}

function assertData(data: unknown): RoutingData {
  if (typeof data !== 'object' || data === null) throw invalidParameter('data', 'a RoutingData object', data);
  const d = data as RoutingData;
  if (!Array.isArray(d.models) || d.models.length === 0) throw invalidParameter('data.models', 'a non-empty array of model names', d.models);
  const M = d.models.length;
  if (!Number.isInteger(d.n) || d.n < 0) throw outOfRange('data.n', 'an integer >= 0', d.n);
  if (!(d.scores instanceof Float32Array) || d.scores.length !== d.n * M)
    throw outOfRange('data.scores', `a Float32Array of length n × M = ${d.n} × ${M}`, d.scores);
  if (!(d.costs instanceof Float32Array) || d.costs.length !== d.n * M)
    throw outOfRange('data.costs', `a Float32Array of length n × M = ${d.n} × ${M}`, d.costs);
  if (!(d.splits instanceof Uint8Array) || d.splits.length !== d.n) throw outOfRange('data.splits', `a Uint8Array of length n = ${d.n}`, d.splits);
  for (const key of ['prompts', 'tasks'] as const)
    if (!Array.isArray(d[key]) || d[key].length !== d.n) throw outOfRange(`data.${key}`, `an array of length n = ${d.n}`, d[key]);
  if (d.embeddings !== undefined) {
    const dim = d.embeddingDim ?? 0;
    if (!(d.embeddings instanceof Float32Array) || !Number.isInteger(dim) || dim < 1 || d.embeddings.length !== d.n * dim)
      throw outOfRange('data.embeddings', `a Float32Array of length n × embeddingDim = ${d.n} × ${dim}`, d.embeddings);
  }
  return d;
}

async function embedRows(embedder: Embedder, rows: SplitRows, label: string, progress: Progress): Promise<Float32Array> {
  if (rows.idx.length === 0) return new Float32Array(0);
  progress.start(`embedding ${label}`, rows.idx.length);
  const X = await embedder.embed(rows.prompts, { embeddings: rows.embeddings, progress });
  progress.done(`${rows.idx.length} rows`);
  const want = rows.idx.length * embedder.dim;
  if (!(X instanceof Float32Array) || X.length !== want)
    throw new TaskrouteError(
      'ERR_TASKROUTE_INTERNAL',
      `embedder "${embedder.kind}" returned ${X instanceof Float32Array ? `${X.length} values` : typeof X} for the ${label} split, expected ${rows.idx.length} × ${embedder.dim} = ${want}`,
    );
  return X;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/**
 * Fits the embedder on the training prompts, embeds train / val / test once, then for
 * each method fits the router on train (+ val for model selection), estimates the test
 * rows and evaluates the estimates (src/eval/metrics.ts). Routers that read labels
 * (the oracle) receive the test scores and costs through the estimate context.
 */
export async function runCompare(options: CompareOptions): Promise<CompareResult> {
  if (typeof options !== 'object' || options === null) throw invalidParameter('options', 'an object', options);
  const data = assertData(options.data);
  const { methods, embedder } = options;
  if (!Array.isArray(methods) || methods.length === 0) throw invalidParameter('methods', 'a non-empty array of router names', methods);
  if (new Set(methods).size !== methods.length) throw outOfRange('methods', 'distinct router names', methods);
  const factories = methods.map((m) => getRouterFactory(m)); // unknown names fail before any work
  if (typeof embedder !== 'object' || embedder === null || typeof embedder.embed !== 'function' || typeof embedder.fit !== 'function')
    throw invalidParameter('embedder', 'an Embedder', embedder);
  const seed = assertInteger('seed', options.seed ?? 0, 0, 0xffffffff);
  const threads = assertInteger('threads', options.threads ?? 0, 0, 4096);
  const routerOptions = options.routerOptions ?? {};
  if (typeof routerOptions !== 'object' || routerOptions === null) throw invalidParameter('routerOptions', 'an object', routerOptions);
  const progress = options.progress ?? createProgress();
  const M = data.models.length;

  const train = gather(data, SPLIT_CODES.train);
  const val = gather(data, SPLIT_CODES.val);
  const test = gather(data, SPLIT_CODES.test);
  if (train.idx.length === 0) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${data.source}: no training rows to fit the routers on`);
  if (test.idx.length === 0) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${data.source}: no test rows to evaluate on`);
  // Missing labels may be fine for fitting (routers mask them) but not for scoring.
  for (let k = 0; k < test.scores.length; k++)
    if (!Number.isFinite(test.scores[k]) || !Number.isFinite(test.costs[k]) || test.costs[k] < 0)
      throw new TaskrouteError(
        'ERR_TASKROUTE_DATA',
        `${data.source}: test record ${JSON.stringify(data.ids[test.idx[Math.floor(k / M)]])} has no finite score and cost >= 0 for model "${data.models[k % M]}" (score ${test.scores[k]}, cost ${test.costs[k]}); compare scores every model on every test row`,
      );

  progress.start('fitting the embedder');
  await embedder.fit(train.prompts);
  progress.done(embedder.kind);
  const Xtrain = await embedRows(embedder, train, 'train', progress);
  const Xval = await embedRows(embedder, val, 'val', progress);
  const Xtest = await embedRows(embedder, test, 'test', progress);
  const dim = embedder.dim;

  const cRef = referenceCost(train.costs, train.idx.length, M);
  const trainMeans = columnMeans(train.scores, train.idx.length, M);
  let bestSingle = 0;
  for (let m = 1; m < M; m++) if (trainMeans[m] > trainMeans[bestSingle]) bestSingle = m;

  const valSet: LabelledSet | undefined = val.idx.length
    ? { X: Xval, n: val.idx.length, dim, scores: val.scores, costs: val.costs, tasks: val.tasks, leaves: val.leaves, prompts: val.prompts }
    : undefined;
  const trainSet: TrainSet = {
    X: Xtrain,
    n: train.idx.length,
    dim,
    scores: train.scores,
    costs: train.costs,
    tasks: train.tasks,
    leaves: train.leaves,
    prompts: train.prompts,
    models: [...data.models],
    val: valSet,
    seed,
    threads,
    progress,
    embed: (texts) => embedder.embed(texts),
  };
  const nTest = test.idx.length;

  const routers: RouterResult[] = [];
  for (let k = 0; k < methods.length; k++) {
    const name = methods[k];
    const factory = factories[k];
    const opts = routerOptions[name] ?? {};
    const router = factory.create(opts);
    progress.start(`training ${name}`);
    const t0 = process.hrtime.bigint();
    await router.fit(trainSet);
    const trainSeconds = seconds(t0);
    progress.done(`${trainSeconds.toFixed(2)} s`);
    if (router.models.length !== M || router.models.some((m, j) => m !== data.models[j]))
      throw new TaskrouteError('ERR_TASKROUTE_INTERNAL', `router "${name}" reordered the models after fit(): ${JSON.stringify(router.models)}`);
    const ctx: EstimateContext | undefined = factory.readsLabels ? { scores: test.scores, costs: test.costs, tasks: test.tasks } : undefined;
    const t1 = process.hrtime.bigint();
    const est = await router.estimate(Xtest, nTest, ctx);
    const estimateSeconds = seconds(t1);
    const metrics = evaluate(est, { scores: test.scores, costs: test.costs, tasks: test.tasks, models: data.models }, { cRef, bestSingle });
    const diagnostics = router.diagnostics?.();
    routers.push({
      name,
      ...metrics,
      trainSeconds,
      estimateSeconds,
      ...(factory.readsLabels ? { readsLabels: true } : {}),
      ...(diagnostics && Object.keys(diagnostics).length ? { diagnostics } : {}),
    });
  }

  const means = modelMeans(test.scores, test.costs, nTest, M);
  const singles: ModelPoint[] = data.models.map((model, m) => ({ model, quality: means.quality[m], cost: means.cost[m] }));
  const oracle = realisedPoint(test.scores, test.costs, M, oracleChoices(test.scores, test.costs, nTest, M));
  const costNote = data.hasCosts ? data.costNote : data.costNote || 'no costs in the data: every cost is 0';
  const notes = [
    `embedder: ${embedder.kind} (dim ${dim}), fitted on the ${train.idx.length} training prompts`,
    `seed: ${seed}`,
    `best single model by mean train score: ${data.models[bestSingle]}`,
    `c_ref (dearest model's mean train cost): ${cRef}${data.hasCosts ? '' : ' (no costs: 1)'}`,
    val.idx.length ? `validation: ${val.idx.length} rows carved from the training data` : 'validation: none',
    `costs: ${costNote}`,
    ...(data.format === 'synthetic' ? ['synthetic data: generated by taskroute, not real LLM results'] : []),
    ...data.notes,
  ];

  return {
    data: data.source,
    nTrain: train.idx.length,
    nTest,
    models: [...data.models],
    bestSingle: singles[bestSingle],
    oracle,
    routers,
    singles,
    notes,
    seed,
    embedder: `${embedder.kind}:dim=${dim}`,
    synthetic: data.format === 'synthetic',
    costNote,
    nVal: val.idx.length,
    cRef,
  };
}
