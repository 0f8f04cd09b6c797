// `npm run bench -- quality [--seeds 0,1,2] [--methods …] [--data llmrouter,routerbench]`:
// `compare` on the shared data sets (builtin embedder) for several seeds; prints, per data
// set, every router's maxQuality / nAUC / costToMatchBest / gapRecovered / utility sum as
// mean ± spread over the seeds, and the per-seed values; appends the table to RESULTS.md.
// The seed changes the validation carve and every router's training (the test split is
// the data set's own and never changes).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendResults, machine, today } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT = 'random,cheapest,best-single,knn,mlp,kmeans,mf,finerouter,finerouter-stage1,finerouter-stage2';

function arg(args, name, def) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
}

const stats = (xs) => {
  const v = xs.filter((x) => x !== null && Number.isFinite(x));
  if (!v.length) return '—';
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}${v.length < xs.length ? ` (${v.length}/${xs.length})` : ''}`;
};

export async function main(args) {
  const seeds = arg(args, '--seeds', '0,1,2').split(',').map(Number);
  const methods = arg(args, '--methods', DEFAULT).split(',');
  const sets = arg(args, '--data', 'llmrouter,routerbench').split(',');
  const coldStart = arg(args, '--cold-start', undefined);
  const { loadRoutingData, withValidation, runCompare, createEmbedder } = await import('../dist/index.js');
  const { applyColdStart, parseColdStart } = await import('../dist/coldstart.js');
  const root = resolve(process.env.TASKROUTE_DATA ?? join(here, '..', '..', 'shared', 'data'));
  for (const name of sets) {
    const path = join(root, name);
    if (!existsSync(path)) {
      console.log(`bench quality: ${path} not found, skipped`);
      continue;
    }
    const base = await loadRoutingData(path);
    const per = new Map(methods.map((m) => [m, []]));
    let head;
    for (const seed of seeds) {
      let d = base;
      if (coldStart) d = applyColdStart(d, parseColdStart(coldStart), seed);
      if (!coldStart || parseColdStart(coldStart).valPerTask === 0) d = withValidation(d, 0.1, seed);
      const r = await runCompare({ data: d, methods, embedder: createEmbedder({ kind: 'builtin' }), seed, progress: undefined });
      head = r;
      for (const x of r.routers) per.get(x.name).push(x);
      console.log(`${name} seed ${seed}: ${r.routers.map((x) => `${x.name} ${x.maxQuality.toFixed(4)}/${x.nAUC.toFixed(4)}`).join('  ')}`);
    }
    const title = `${name}${coldStart ? ` cold start ${coldStart}` : ''}: ${head.nTrain} train, ${head.nTest} test; best single ${head.bestSingle.model} ${head.bestSingle.quality.toFixed(3)}, oracle ${head.oracle.quality.toFixed(3)}; seeds ${seeds.join(',')}`;
    const rows = methods.map((m) => {
      const xs = per.get(m);
      return `| ${m} | ${stats(xs.map((x) => x.maxQuality))} | ${stats(xs.map((x) => x.nAUC))} | ${stats(xs.map((x) => x.costToMatchBest))} | ${stats(xs.map((x) => x.gapRecovered))} | ${stats(xs.map((x) => x.utilities.sum))} | ${stats(xs.map((x) => x.trainSeconds))} |`;
    });
    console.log(`\n${title}\n| router | maxQuality | nAUC | costToMatchBest | gapRecovered | utility sum | train s |\n| --- | --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`);
    appendResults(
      `quality: ${title} (${today()})`,
      `${today()} · ${machine()} · \`npm run bench -- quality --data ${name} --seeds ${seeds.join(',')}${coldStart ? ` --cold-start ${coldStart}` : ''}${args.includes('--methods') ? ` --methods ${methods.join(',')}` : ''}\`\n\n| router | maxQuality | nAUC | costToMatchBest | gapRecovered | utility sum | train s |\n| --- | --- | --- | --- | --- | --- | --- |`,
      rows,
    );
  }
}
