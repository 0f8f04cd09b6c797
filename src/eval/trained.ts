// Evaluating a trained router (loaded from its file) on the test split of a data set:
// the same metrics and CompareResult shape as `compare`, with the best single model and
// c_ref taken from the router's own training data (stored in the artifact).

import type { Router } from '../api.js';
import { SPLIT_CODES, type RoutingData } from '../data/types.js';
import { TaskrouteError } from '../errors.js';
import { silentProgress, type Progress } from '../progress.js';
import { evaluate, modelMeans, oracleChoices, realisedPoint } from './metrics.js';
import type { CompareResult, ModelPoint } from './types.js';

export interface EvaluateTrainedOptions {
  progress?: Progress;
}

/** Test rows of `data` in the router's model order (columns mapped by name). */
function testColumns(router: Router, data: RoutingData): { rows: number[]; scores: Float32Array; costs: Float32Array } {
  const col = router.models.map((m) => data.models.indexOf(m));
  const missing = router.models.filter((_, j) => col[j] < 0);
  if (missing.length)
    throw new TaskrouteError(
      'ERR_TASKROUTE_DATA',
      `${data.source}: the router was trained for models the data lacks: ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
    );
  const rows: number[] = [];
  for (let i = 0; i < data.n; i++) if (data.splits[i] === SPLIT_CODES.test) rows.push(i);
  if (!rows.length) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${data.source}: no test rows to evaluate on`);
  const M = router.models.length;
  const Md = data.models.length;
  const scores = new Float32Array(rows.length * M);
  const costs = new Float32Array(rows.length * M);
  rows.forEach((r, i) => {
    for (let j = 0; j < M; j++) {
      scores[i * M + j] = data.scores[r * Md + col[j]];
      costs[i * M + j] = data.costs[r * Md + col[j]];
    }
  });
  return { rows, scores, costs };
}

export async function evaluateTrained(router: Router, data: RoutingData, o: EvaluateTrainedOptions = {}): Promise<CompareResult> {
  const progress = o.progress ?? silentProgress;
  const { rows, scores, costs } = testColumns(router, data);
  const M = router.models.length;
  const n = rows.length;
  const prompts = rows.map((r) => data.prompts[r]);
  const tasks = rows.map((r) => data.tasks[r] ?? '');
  let embeddings: Float32Array | undefined;
  if (data.embeddings && data.embeddingDim) {
    const d = data.embeddingDim;
    embeddings = new Float32Array(n * d);
    rows.forEach((r, i) => embeddings!.set(data.embeddings!.subarray(r * d, r * d + d), i * d));
  }
  progress.start('estimating', n);
  const t0 = process.hrtime.bigint();
  const est = await router.estimate(prompts, embeddings);
  const estimateSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  progress.done(`${n} prompts`);
  const tq = router.trainMeans.quality;
  let bestSingle = 0;
  for (let m = 1; m < M; m++) if (tq[m] > tq[bestSingle]) bestSingle = m;
  const metrics = evaluate(est, { scores, costs, tasks, models: router.models }, { cRef: router.costRef, bestSingle });
  const means = modelMeans(scores, costs, n, M);
  const singles: ModelPoint[] = router.models.map((model, m) => ({ model, quality: means.quality[m], cost: means.cost[m] }));
  const diagnostics = router.diagnostics();
  return {
    data: data.source,
    nTrain: router.training.n,
    nTest: n,
    models: [...router.models],
    bestSingle: singles[bestSingle],
    oracle: realisedPoint(scores, costs, M, oracleChoices(scores, costs, n, M)),
    routers: [
      {
        name: router.method,
        ...metrics,
        trainSeconds: 0,
        estimateSeconds,
        ...(Object.keys(diagnostics).length ? { diagnostics } : {}),
      },
    ],
    singles,
    notes: [
      `router trained on ${router.training.n} rows of ${router.training.source} (sha256 ${router.training.sha256.slice(0, 12)}…)`,
      `embedder: ${router.embedder.kind} (dim ${router.embedder.dim})`,
      `best single model by the router's mean train score: ${router.models[bestSingle]}`,
      `c_ref: ${router.costRef}`,
      ...data.notes,
    ],
    embedder: `${router.embedder.kind}:dim=${router.embedder.dim}`,
    synthetic: data.format === 'synthetic',
    costNote: data.costNote,
    cRef: router.costRef,
  };
}
