// `npm run bench -- eval [--smoke] [--n N] [--train N] [--test N]`: the evaluation layer.
// 1. Throughput of evaluate() (61-point λ sweep, hull, utilities) and chooseForBudget on
//    a seeded random estimate of n prompts × 11 models.
// 2. The synthetic routing benchmark: runCompare over every registered router on
//    syntheticRoutingData() (generated data, not real LLM results), one row per router.
// --smoke runs tiny sizes and writes nothing to RESULTS.md.
import { appendResults, machine, timeIt, today } from './lib.mjs';
import { chooseForBudget, evaluate, runCompare, syntheticRoutingData } from '../dist/index.js';
import { routerNames } from '../dist/routers/index.js';
import { createEmbedder } from '../dist/embed/index.js';
import { silentProgress } from '../dist/progress.js';

function arg(args, name, dflt) {
  const k = args.indexOf(name);
  return k >= 0 ? Number(args[k + 1]) : dflt;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hashed bag of words, L2-normalised: stands in where the builtin embedder is not built yet. */
function hashEmbedder(dim = 256) {
  const fnv = (s) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  };
  return {
    kind: 'hash-bow',
    dim,
    async fit() {},
    async embed(texts) {
      const out = new Float32Array(texts.length * dim);
      texts.forEach((t, i) => {
        const words = t.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
        const grams = [...words, ...words.slice(1).map((w, k) => `${words[k]} ${w}`)];
        for (const g of grams) {
          const h = fnv(g);
          out[i * dim + (h % dim)] += h & 0x80000000 ? -1 : 1;
        }
        let norm = 0;
        for (let j = 0; j < dim; j++) norm += out[i * dim + j] ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let j = 0; j < dim; j++) out[i * dim + j] /= norm;
      });
      return out;
    },
    state: () => ({ kind: 'hash-bow', config: { dim }, tensors: {} }),
  };
}

export async function main(args) {
  const smoke = args.includes('--smoke');
  const n = arg(args, '--n', smoke ? 2000 : 100_000);
  const nTrain = arg(args, '--train', smoke ? 400 : 3000);
  const nTest = arg(args, '--test', smoke ? 100 : 600);
  const M = 11;
  const where = machine();
  const date = today();

  // 1. evaluate() and chooseForBudget throughput
  const rand = mulberry32(1);
  const quality = new Float32Array(n * M);
  const cost = new Float32Array(n * M);
  const scores = new Float32Array(n * M);
  const costs = new Float32Array(n * M);
  const tasks = [];
  for (let i = 0; i < n; i++) {
    tasks.push(`t${i % 14}`);
    for (let m = 0; m < M; m++) {
      const k = i * M + m;
      scores[k] = rand() < 0.3 + 0.05 * m ? 1 : 0;
      costs[k] = 1e-5 * 1.6 ** m * (0.5 + rand());
      quality[k] = Math.min(1, Math.max(0, scores[k] + (rand() - 0.5)));
      cost[k] = 1e-5 * 1.6 ** m;
    }
  }
  const est = { quality, cost, n, models: M };
  const test = { scores, costs, tasks };
  const ref = { cRef: 1e-5 * 1.6 ** (M - 1), bestSingle: M - 1 };
  const reps = smoke ? 1 : 3;
  const tEval = await timeIt(() => evaluate(est, test, ref), { reps, warmup: smoke ? 0 : 1 });
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i * M + M - 1];
  const tBudget = await timeIt(() => chooseForBudget(est, total * 0.3, ref.cRef), { reps, warmup: smoke ? 0 : 1 });
  console.log(`evaluate(${n} × ${M}): ${tEval.toFixed(3)} s; chooseForBudget: ${tBudget.toFixed(3)} s`);

  // 2. the synthetic routing benchmark
  let embedder;
  try {
    embedder = createEmbedder({ kind: 'builtin', dim: 256 });
  } catch {
    embedder = hashEmbedder(256);
  }
  const data = syntheticRoutingData({ nTrain, nTest, seed: 0 });
  const methods = routerNames().filter((m) => !m.startsWith('test-'));
  const res = await runCompare({ data, methods, embedder, seed: 0, progress: silentProgress });
  const f = (v) => (v === null ? 'never' : v.toFixed(3));
  console.log(`synthetic ${nTrain}/${nTest}, embedder ${res.embedder}; best single ${res.bestSingle.model} ${res.bestSingle.quality.toFixed(3)}, oracle ${res.oracle.quality.toFixed(3)}`);
  console.log('router        maxQ   nAUC   c2match gap    Usum   train s');
  for (const r of res.routers)
    console.log(`${r.name.padEnd(13)} ${f(r.maxQuality)}  ${f(r.nAUC)}  ${f(r.costToMatchBest).padEnd(6)}  ${f(r.gapRecovered).padStart(6)} ${f(r.utilities.sum)}  ${r.trainSeconds.toFixed(2)}`);

  if (smoke) {
    console.log('(smoke run: nothing written to RESULTS.md)');
    return;
  }
  appendResults(
    'eval: metrics throughput',
    '| date | machine | n × M | evaluate (61 λ) s | chooseForBudget s |\n| --- | --- | --- | --- | --- |',
    [`| ${date} | ${where} | ${n} × ${M} | ${tEval.toFixed(3)} | ${tBudget.toFixed(3)} |`],
  );
  appendResults(
    'eval: synthetic routing benchmark (generated data, not real LLM results)',
    '| date | machine | train/test | embedder | router | maxQuality | nAUC | costToMatchBest | gapRecovered | U sum | train s |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    res.routers.map(
      (r) =>
        `| ${date} | ${where} | ${nTrain}/${nTest} | ${res.embedder} | ${r.name} | ${f(r.maxQuality)} | ${f(r.nAUC)} | ${f(r.costToMatchBest)} | ${f(r.gapRecovered)} | ${f(r.utilities.sum)} | ${r.trainSeconds.toFixed(2)} |`,
    ),
  );
}
