// `taskroute data inspect|convert`: what a routing data set holds, and any supported
// format rewritten as canonical JSONL (atomically).

import type { Command } from 'commander';
import { loadRoutingData, summarize, writeRoutingJsonl, type DataSummary } from '../data/index.js';
import { createProgress } from '../progress.js';
import { dataLoadOptions } from './data-options.js';

interface InspectOptions {
  format?: string;
  skipInvalid?: boolean;
  json?: boolean;
  embeddings?: string;
  embeddingDim?: string;
}

interface ConvertOptions {
  out: string;
  format?: string;
  skipInvalid?: boolean;
  embeddings?: string;
  embeddingDim?: string;
}

/** USD with enough digits for fractions of a cent. */
export function formatUsd(c: number): string {
  if (c === 0) return '$0';
  if (c >= 0.01) return `$${c.toFixed(4)}`;
  return `$${c.toPrecision(3)}`;
}

function table(header: string[], rows: string[][], alignRight: boolean[]): string {
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => (alignRight[j] ? c.padStart(w[j]) : c.padEnd(w[j])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}\n`).join('');
}

/** The readable form of `data inspect`. */
export function renderSummary(s: DataSummary): string {
  const q = (v: number) => v.toFixed(3);
  const cost = (v: number) => (s.hasCosts ? formatUsd(v) : '-');
  let out = '';
  out += `source       ${s.source} (${s.format})\n`;
  out += `records      ${s.records}: train ${s.splits.train}, val ${s.splits.val}, test ${s.splits.test}\n`;
  out += `costs        ${s.costNote}\n`;
  out += `embeddings   ${s.embeddingDim ? `dimension ${s.embeddingDim}` : 'none'}\n`;
  if (s.leaves) out += `leaves       ${s.leaves} records carry a taxonomy leaf\n`;
  out += `\nmodels (${s.models.length})\n`;
  out += table(
    ['model', 'mean score', 'mean cost', 'train score', 'test score', 'test cost'],
    s.models.map((m) => [
      m.name,
      q(m.meanScore),
      cost(m.meanCost),
      m.bySplit.train ? q(m.bySplit.train.meanScore) : '-',
      m.bySplit.test ? q(m.bySplit.test.meanScore) : '-',
      m.bySplit.test ? cost(m.bySplit.test.meanCost) : '-',
    ]),
    [false, true, true, true, true, true],
  );
  out += `\ntasks (${s.tasks.length})\n`;
  out += table(
    ['task', 'records', 'train', 'val', 'test'],
    s.tasks.map((t) => [t.name || '(none)', String(t.count), String(t.bySplit.train), String(t.bySplit.val), String(t.bySplit.test)]),
    [false, true, true, true, true],
  );
  out += '\n';
  const splitQc = (['train', 'val', 'test'] as const)
    .filter((k) => s.oracle[k])
    .map((k) => `${k} ${q(s.oracle[k]!.quality)}${s.hasCosts ? ` at ${formatUsd(s.oracle[k]!.cost)}` : ''}`);
  out += `oracle       ${splitQc.join(', ')} (per-prompt best model, ties to the cheaper)\n`;
  if (s.bestSingle) {
    const b = s.bestSingle;
    const test = b.test ? `, test ${q(b.test.quality)}${s.hasCosts ? ` at ${formatUsd(b.test.cost)} per prompt` : ''}` : ', no test split';
    out += `best single  ${b.model}: train ${q(b.train.quality)}${test}\n`;
  } else out += 'best single  - (no train split)\n';
  if (s.notes.length) out += `\nnotes\n${s.notes.map((n) => `  - ${n}\n`).join('')}`;
  return out;
}

export function register(program: Command): void {
  const data = program.command('data').description('inspect or convert routing data sets');
  data
    .command('inspect')
    .description('summarise a data set: splits, models (mean score, cost), tasks, oracle, best single model')
    .argument('<file>', 'canonical .jsonl, RouterBench .csv or directory, LLMRouter directory or dcrouter_*.json')
    .option('--format <f>', 'auto, jsonl, routerbench or llmrouter', 'auto')
    .option('--skip-invalid', 'skip invalid records (counted in the notes) instead of failing')
    .option('--embeddings <file>', 'a side file of embeddings (.npy or raw float32)')
    .option('--embedding-dim <n>', 'dimension of a raw float32 --embeddings file')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: InspectOptions) => {
      const progress = createProgress({ enabled: opts.json ? false : undefined });
      const d = await loadRoutingData(file, dataLoadOptions(opts, progress));
      const s = summarize(d);
      process.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : renderSummary(s));
    });
  data
    .command('convert')
    .description('rewrite any supported format as canonical JSONL (atomic: no partial file on failure)')
    .argument('<file>', 'canonical .jsonl, RouterBench .csv or directory, LLMRouter directory or dcrouter_*.json')
    .requiredOption('--out <path>', 'the canonical JSONL file to write')
    .option('--format <f>', 'auto, jsonl, routerbench or llmrouter', 'auto')
    .option('--skip-invalid', 'skip invalid records (counted in the notes) instead of failing')
    .option('--embeddings <file>', 'a side file of embeddings to write into the records')
    .option('--embedding-dim <n>', 'dimension of a raw float32 --embeddings file')
    .action(async (file: string, opts: ConvertOptions) => {
      const progress = createProgress();
      const d = await loadRoutingData(file, dataLoadOptions(opts, progress));
      await writeRoutingJsonl(d, opts.out);
      const split = [0, 0, 0];
      for (const c of d.splits) split[c]++;
      process.stdout.write(
        `wrote ${d.n} records (${d.models.length} models; train ${split[0]}, val ${split[1]}, test ${split[2]}) to ${opts.out}\n` +
          `costs: ${d.costNote}\n` +
          d.notes.map((n) => `note: ${n}\n`).join(''),
      );
    });
}
