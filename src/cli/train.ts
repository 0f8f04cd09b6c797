// `taskroute train`: fits one router on the train split (+ val for model selection) and
// writes it, with its embedder, as one safetensors file.

import type { Command } from 'commander';
import { Router } from '../api.js';
import { withValidation } from '../data/index.js';
import { parseEmbedderSpec } from '../embed/index.js';
import { cliProgress, collect, intOption, numberOption, parseRouterOptions, println } from './common.js';
import { addDataOptions, loadDataFromOptions, type DataCliOptions } from './data-options.js';

interface TrainCliOptions extends DataCliOptions {
  method: string;
  out: string;
  embedder: string;
  seed: number;
  valFraction: number;
  option?: string[];
  taxonomy?: string;
  taskLeafMap?: string;
  threads?: number;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program.command('train').description('train a router and write it to one file');
  addDataOptions(cmd);
  cmd
    .requiredOption('--method <name>', 'router: finerouter, trouter, knn, mlp, kmeans, mf, …')
    .requiredOption('--out <file>', 'router file to write (safetensors layout)')
    .option('--embedder <spec>', 'builtin[:dim=256], openai:url=…,model=…,key-env=…, precomputed[:file=…]', 'builtin')
    .option('--seed <n>', 'seed', intOption('--seed', 0), 0)
    .option('--val-fraction <f>', 'share of train carved out for validation when the data has none', numberOption('--val-fraction', 0, 0.9), 0.1)
    .option('--option <key=value>', 'router option, repeatable', collect)
    .option('--taxonomy <file>', 'task taxonomy (TRouter)')
    .option('--task-leaf-map <file>', 'task → taxonomy leaf mapping for real data (TRouter)')
    .option('--threads <n>', 'native threads (default: all cores)', intOption('--threads', 0, 1024))
    .option('--json', 'print one JSON object (quiet progress)')
    .action(async (o: TrainCliOptions) => {
      const progress = cliProgress(o.json);
      const data = withValidation(await loadDataFromOptions(o, progress), o.valFraction, o.seed);
      const options = parseRouterOptions(o.option, o.method);
      if (o.taxonomy) options.taxonomy = o.taxonomy;
      if (o.taskLeafMap) options.taskLeafMap = o.taskLeafMap;
      const t0 = performance.now();
      const router = await Router.train(data, {
        method: o.method,
        embedder: parseEmbedderSpec(o.embedder),
        seed: o.seed,
        options,
        threads: o.threads,
        progress,
      });
      const seconds = (performance.now() - t0) / 1000;
      await router.save(o.out);
      const summary = {
        out: o.out,
        method: o.method,
        models: router.models,
        trainRows: router.training.n,
        seconds,
        diagnostics: router.diagnostics(),
      };
      if (o.json) println(JSON.stringify(summary));
      else {
        println(`trained ${o.method} on ${router.training.n} rows of ${data.source} in ${seconds.toFixed(1)} s → ${o.out}`);
        for (const [k, v] of Object.entries(summary.diagnostics)) println(`  ${k}: ${typeof v === 'number' ? Number(v.toFixed(4)) : v}`);
      }
    });
}
