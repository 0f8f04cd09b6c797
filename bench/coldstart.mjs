// `npm run bench -- coldstart [--seeds 0,1,2] [--data DIR] [--settings coldstart,indomain]
//  [--methods a,b,…] [--threads N] [--out results.json] [--smoke]`
// TRouter against its baselines on the real LLMRouter data (ulab-uiuc/LLMRouter: 14 tasks,
// 9 models, costs estimated from the price table):
//   cold start — 30 train + 10 validation prompts per task from the training split
//     (applyColdStart), the whole test split;
//   in domain — the full training split (10 % carved out for validation), same test split.
// Each seed draws its own cold-start sample, embedder fit and router inits. Printed per
// setting: mean ± standard deviation over the seeds of the TRouter utilities (costFirst,
// balanced, performanceFirst, sum), nAUC, maxQuality and the task recogniser's validation
// top-1 / top-5, plus on how many seeds trouter's utility sum beat each other router.
// Full runs append one dated row per router and setting, with the machine, to RESULTS.md;
// --smoke (cold start 10/5 on seed 0, in domain on a 1,500-row sample) writes nothing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appendResults, machine, today } from './lib.mjs';
import { loadRoutingData, runCompare, withValidation, subset } from '../dist/index.js';
import { applyColdStart } from '../dist/coldstart.js';
import { createEmbedder } from '../dist/embed/index.js';
import { writeFileAtomic } from '../dist/fsutil.js';
import { silentProgress } from '../dist/progress.js';
import { routerNames } from '../dist/routers/index.js';

const WANTED = ['trouter', 'trouter-no-task', 'trouter-no-prior', 'metric', 'adaptive', 'knn', 'finerouter'];

function opt(args, name, dflt) {
  const k = args.indexOf(name);
  if (k < 0) return dflt;
  const v = args[k + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`bench coldstart: ${name} needs a value`);
  return v;
}

function defaultData() {
  const base = process.env.TASKROUTE_DATA ? resolve(process.env.TASKROUTE_DATA) : resolve(import.meta.dirname, '..', '..', 'shared', 'data');
  for (const p of [join(base, 'llmrouter'), '/work/shared/data/llmrouter']) if (existsSync(join(p, 'dcrouter_train.json'))) return p;
  return join(base, 'llmrouter');
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const pm = (xs, digits = 4) => (xs.length && xs.every(Number.isFinite) ? `${mean(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)}` : '—');

/** Per router: lists over seeds of each figure. */
function collectRows(results) {
  const by = new Map();
  for (const res of results)
    for (const r of res.routers) {
      let e = by.get(r.name);
      if (!e) by.set(r.name, (e = { costFirst: [], balanced: [], performanceFirst: [], sum: [], nAUC: [], maxQuality: [], top1: [], top5: [], trainSeconds: [] }));
      for (const k of ['costFirst', 'balanced', 'performanceFirst', 'sum']) e[k].push(r.utilities[k]);
      e.nAUC.push(r.nAUC);
      e.maxQuality.push(r.maxQuality);
      e.trainSeconds.push(r.trainSeconds);
      const d = r.diagnostics ?? {};
      if (typeof d.recogniserTop1 === 'number') {
        e.top1.push(d.recogniserTop1);
        e.top5.push(d.recogniserTop5);
      }
    }
  return by;
}

/** Seeds on which trouter's utility sum is above router `name`'s. */
function wins(results, name) {
  let w = 0;
  for (const res of results) {
    const t = res.routers.find((r) => r.name === 'trouter');
    const o = res.routers.find((r) => r.name === name);
    if (t && o && t.utilities.sum > o.utilities.sum) w++;
  }
  return w;
}

function printTable(title, results) {
  const by = collectRows(results);
  console.log(`\n${title}`);
  console.log(`train/val/test ${results[0].nTrain}/${results[0].nVal}/${results[0].nTest}, embedder ${results[0].embedder}, seeds ${results.map((r) => r.seed).join(',')}`);
  console.log('| router | costFirst | balanced | performanceFirst | U sum | nAUC | maxQuality | recogniser top-1 | top-5 | trouter wins | train s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, e] of by)
    console.log(
      `| ${name} | ${pm(e.costFirst)} | ${pm(e.balanced)} | ${pm(e.performanceFirst)} | ${pm(e.sum)} | ${pm(e.nAUC)} | ${pm(e.maxQuality)} | ${pm(e.top1, 3)} | ${pm(e.top5, 3)} | ${name === 'trouter' ? '—' : `${wins(results, name)}/${results.length}`} | ${mean(e.trainSeconds).toFixed(2)} |`,
    );
  return by;
}

export async function main(args) {
  const smoke = args.includes('--smoke');
  const seeds = opt(args, '--seeds', smoke ? '0' : '0,1,2')
    .split(',')
    .map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error('bench coldstart: --seeds must be a comma-separated list of integers >= 0');
  const settings = opt(args, '--settings', 'coldstart,indomain').split(',');
  for (const s of settings) if (!['coldstart', 'indomain'].includes(s)) throw new Error(`bench coldstart: unknown setting ${JSON.stringify(s)} (coldstart, indomain)`);
  const known = routerNames();
  const methods = opt(args, '--methods', WANTED.filter((m) => known.includes(m)).join(',')).split(',');
  const threads = Number(opt(args, '--threads', '0'));
  const out = opt(args, '--out', undefined);
  const dir = opt(args, '--data', defaultData());
  if (!existsSync(join(dir, 'dcrouter_train.json'))) {
    console.error(`bench coldstart: no LLMRouter data at ${dir} (pass --data DIR or set TASKROUTE_DATA)`);
    process.exitCode = 1;
    return;
  }
  const data = await loadRoutingData(dir);
  const cs = smoke ? { perTask: 10, valPerTask: 5 } : { perTask: 30, valPerTask: 10 };
  console.log(`LLMRouter ${dir}: ${data.n} prompts, ${data.models.length} models; methods ${methods.join(', ')}${smoke ? ' (smoke)' : ''}`);

  const all = {};
  for (const setting of settings) {
    const results = [];
    for (const seed of seeds) {
      let d;
      if (setting === 'coldstart') d = applyColdStart(data, cs, seed);
      else {
        d = withValidation(data, 0.1, seed);
        if (smoke) {
          // a small in-domain sample: every test row, 1,500 training/validation rows
          const keep = [];
          let k = 0;
          for (let i = 0; i < d.n; i++) if (d.splits[i] === 2 || (k++ % 4 === 0 && k <= 6000)) keep.push(i);
          d = subset(d, keep);
        }
      }
      const t0 = Date.now();
      const res = await runCompare({ data: d, methods, embedder: createEmbedder({ kind: 'builtin' }), seed, progress: silentProgress, threads });
      console.log(`${setting} seed ${seed}: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${res.routers.map((r) => `${r.name} ${r.utilities.sum.toFixed(4)}`).join(', ')}`);
      results.push(res);
    }
    const title =
      setting === 'coldstart'
        ? `Cold start (${cs.perTask} train + ${cs.valPerTask} val prompts per task), LLMRouter test split`
        : 'In domain (full training split, 10 % validation), LLMRouter test split';
    const by = printTable(title, results);
    all[setting] = results;
    if (!smoke) {
      const where = machine();
      const date = today();
      const section =
        setting === 'coldstart'
          ? `coldstart: TRouter cold start ${cs.perTask}/${cs.valPerTask} per task, LLMRouter (costs estimated from prices)`
          : 'coldstart: TRouter in domain (full train split), LLMRouter (costs estimated from prices)';
      appendResults(
        section,
        '| date | machine | seeds | embedder | router | costFirst | balanced | performanceFirst | U sum | nAUC | maxQuality | recogniser top-1 | top-5 | trouter wins |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        [...by].map(
          ([name, e]) =>
            `| ${date} | ${where} | ${seeds.join(',')} | ${results[0].embedder} | ${name} | ${pm(e.costFirst)} | ${pm(e.balanced)} | ${pm(e.performanceFirst)} | ${pm(e.sum)} | ${pm(e.nAUC)} | ${pm(e.maxQuality)} | ${pm(e.top1, 3)} | ${pm(e.top5, 3)} | ${name === 'trouter' ? '—' : `${wins(results, name)}/${results.length}`} |`,
        ),
      );
    }
  }
  if (out) await writeFileAtomic(out, `${JSON.stringify(all, null, 2)}\n`);
  if (smoke) console.log('\n(smoke run: nothing written to RESULTS.md)');
}
