// `taskroute compare`: trains every method on the train split (+ val for model
// selection), evaluates on test, prints one table (best single, oracle, each router),
// and optionally writes the HTML report and the chart alone.

import type { Command } from 'commander';
import { applyColdStart, parseColdStart } from '../coldstart.js';
import type { RoutingData } from '../data/types.js';
import { withValidation } from '../data/index.js';
import { createEmbedder, parseEmbedderSpec } from '../embed/index.js';
import { runCompare } from '../eval/compare.js';
import { renderChart, renderReport } from '../eval/report.js';
import type { CompareResult } from '../eval/types.js';
import { writeFileAtomic } from '../fsutil.js';
import '../routers/index.js';
import { getRouterFactory, routerNames } from '../routers/registry.js';
import { cliProgress, collect, intOption, numberOption, parseRouterOptions, println, table } from './common.js';
import { addDataOptions, loadDataFromOptions, type DataCliOptions } from './data-options.js';

/** The methods compare runs when --methods is absent. */
export const DEFAULT_METHODS = ['random', 'cheapest', 'best-single', 'adaptive', 'knn', 'mlp', 'metric', 'kmeans', 'mf', 'finerouter', 'finerouter-stage1', 'finerouter-stage2', 'trouter', 'trouter-no-task', 'trouter-no-prior'];

export interface CompareCliOptions extends DataCliOptions {
  methods?: string;
  embedder?: string;
  seed: number;
  valFraction: number;
  coldStart?: string;
  option?: string[];
  json?: boolean;
  report?: string;
  plot?: string;
  threads?: number;
}

export function parseMethods(s: string | undefined, defaults = DEFAULT_METHODS): string[] {
  const list = (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const methods = list.length ? list : defaults.filter((m) => routerNames().includes(m));
  for (const m of methods) getRouterFactory(m); // throws with the list of known methods
  return [...new Set(methods)];
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3));

/** The human-readable compare table. */
export function formatCompare(r: CompareResult): string {
  const rows: string[][] = [['router', 'maxQuality', 'nAUC', 'costToMatchBest', 'gapRecovered', 'U(sum)', 'train s', 'estimate s']];
  rows.push([`best single (${r.bestSingle.model})`, f3(r.bestSingle.quality), '', '', '0.000', '', '', '']);
  rows.push(['oracle (reads test labels)', f3(r.oracle.quality), '', '', '1.000', '', '', '']);
  for (const x of r.routers)
    rows.push([
      x.readsLabels ? `${x.name} (reads test labels)` : x.name,
      f3(x.maxQuality),
      f3(x.nAUC),
      f3(x.costToMatchBest),
      f3(x.gapRecovered),
      f3(x.utilities.sum),
      x.trainSeconds.toFixed(2),
      x.estimateSeconds.toFixed(3),
    ]);
  const head = [
    `data: ${r.data}${r.synthetic ? ' (SYNTHETIC, generated)' : ''}; ${r.nTrain} train, ${r.nTest} test, ${r.models.length} models`,
    `best single model ${r.bestSingle.model}: quality ${f3(r.bestSingle.quality)} at $${r.bestSingle.cost.toPrecision(3)} per prompt; oracle ${f3(r.oracle.quality)} at $${r.oracle.cost.toPrecision(3)}`,
    ...(r.costNote ? [`costs: ${r.costNote}`] : []),
    ...(r.notes ?? []).map((n) => `note: ${n}`),
  ];
  return `${head.join('\n')}\n\n${table(rows)}`;
}

/** Loads, splits (cold start / val), runs compare; shared by `compare` and `demo`. */
export async function compareData(data: RoutingData, o: CompareCliOptions, defaults = DEFAULT_METHODS): Promise<CompareResult> {
  const progress = cliProgress(o.json);
  const methods = parseMethods(o.methods, defaults);
  let d = data;
  const notes: string[] = [];
  if (o.coldStart) {
    const cs = parseColdStart(o.coldStart);
    d = applyColdStart(d, cs, o.seed);
    if (cs.valPerTask === 0) d = withValidation(d, o.valFraction, o.seed);
    notes.push(`cold start ${cs.perTask}/${cs.valPerTask} per task`);
  } else d = withValidation(d, o.valFraction, o.seed);
  const embedder = createEmbedder(parseEmbedderSpec(o.embedder ?? 'builtin'));
  const routerOptions: Record<string, Record<string, unknown>> = {};
  for (const m of methods) routerOptions[m] = parseRouterOptions(o.option, m);
  const result = await runCompare({ data: d, methods, embedder, seed: o.seed, routerOptions, progress, threads: o.threads });
  if (notes.length) result.notes = [...(result.notes ?? []), ...notes];
  return result;
}

export async function writeOutputs(result: CompareResult, o: { report?: string; plot?: string; json?: boolean }): Promise<void> {
  if (o.report) {
    await writeFileAtomic(o.report, renderReport(result));
    if (!o.json) process.stderr.write(`report written to ${o.report}\n`);
  }
  if (o.plot) {
    await writeFileAtomic(o.plot, renderChart(result));
    if (!o.json) process.stderr.write(`chart written to ${o.plot}\n`);
  }
}

export function addCompareOptions(cmd: Command): Command {
  return cmd
    .option('--methods <list>', `comma-separated routers (default: ${DEFAULT_METHODS.join(',')})`)
    .option('--embedder <spec>', 'embedder: builtin[:dim=256], openai:url=…,model=…,key-env=…, precomputed[:file=…]', 'builtin')
    .option('--seed <n>', 'seed for splits, embedder and training', intOption('--seed', 0), 0)
    .option('--val-fraction <f>', 'share of train carved out for validation when the data has none', numberOption('--val-fraction', 0, 0.9), 0.1)
    .option('--cold-start <N/V>', 'train on only N labelled prompts per task (+ V for validation), test on the test split')
    .option('--option <key=value>', 'router option, repeatable; scope with method.key=value', collect)
    .option('--threads <n>', 'native threads (default: all cores)', intOption('--threads', 0, 1024))
    .option('--json', 'print one JSON object (quiet progress)')
    .option('--report <file.html>', 'write the self-contained HTML report')
    .option('--plot <file.svg>', 'write the cost–quality chart alone');
}

export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description('train every method on train (+val), evaluate on test, print one table');
  addDataOptions(cmd);
  addCompareOptions(cmd).action(async (o: CompareCliOptions) => {
    const data = await loadDataFromOptions(o, cliProgress(o.json));
    const result = await compareData(data, o);
    await writeOutputs(result, o);
    if (o.json) println(JSON.stringify(result));
    else println(formatCompare(result));
  });
}
