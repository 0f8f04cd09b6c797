// `taskroute demo`, the README's main job: find the public routing data (--data-dir,
// else $TASKROUTE_DATA, else the cache, else download the LLMRouter files from their
// public GitHub location into the cache), run compare on every data set found, print
// the tables and write report.html. With no data to be had it says so and runs on the
// built-in synthetic routing benchmark, clearly labelled as generated.

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadRoutingData } from '../data/index.js';
import type { RoutingData } from '../data/types.js';
import { syntheticRoutingData } from '../eval/synthetic.js';
import type { CompareResult } from '../eval/types.js';
import { writeFileAtomic } from '../fsutil.js';
import { intOption, println } from './common.js';
import { compareData, formatCompare, writeOutputs, type CompareCliOptions } from './compare.js';

/** Where the LLMRouter files live upstream, and the local names the loader expects. */
export const LLMROUTER_FILES: [remote: string, local: string][] = [
  ['data/dcrouter_preprocessed/train.json', 'dcrouter_train.json'],
  ['data/dcrouter_preprocessed/test.json', 'dcrouter_test.json'],
  ['data/example_data/query_data/default_query_train.jsonl', 'default_query_train.jsonl'],
  ['data/example_data/query_data/default_query_test.jsonl', 'default_query_test.jsonl'],
  ['data/example_data/llm_candidates/default_llm.json', 'default_llm.json'],
];
export const LLMROUTER_BASE_URL = 'https://raw.githubusercontent.com/ulab-uiuc/LLMRouter/main/';

export function cacheDir(): string {
  return process.env.TASKROUTE_CACHE ? resolve(process.env.TASKROUTE_CACHE) : join(homedir(), '.cache', 'taskroute');
}

/** Data sets under a directory: itself if it is one, else its llmrouter/ and routerbench/ children. */
export function findDataSets(dir: string): { name: string; path: string }[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir);
  if (files.some((f) => /^dcrouter_(train|test)\.json$/.test(f))) return [{ name: 'llmrouter', path: dir }];
  if (files.some((f) => f.endsWith('.csv'))) return [{ name: 'routerbench', path: dir }];
  const out: { name: string; path: string }[] = [];
  for (const name of ['llmrouter', 'routerbench']) if (files.includes(name)) out.push(...findDataSets(join(dir, name)).map((d) => ({ ...d, name })));
  return out;
}

/** Downloads the LLMRouter files into dir (atomically, each file); throws on any failure. */
export async function downloadLlmRouter(dir: string, baseUrl = process.env.TASKROUTE_DATA_URL ?? LLMROUTER_BASE_URL, timeoutMs = 30_000): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [remote, local] of LLMROUTER_FILES) {
    if (existsSync(join(dir, local))) continue;
    const url = `${baseUrl.replace(/\/+$/, '')}/${remote}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new Error(`GET ${url}: ${why}`);
    }
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    await writeFileAtomic(join(dir, local), new Uint8Array(await res.arrayBuffer()));
  }
}

interface DemoOptions extends CompareCliOptions {
  dataDir?: string;
  offline?: boolean;
  synthetic?: boolean;
}

/** Resolves the data sets the demo runs on, saying where they came from. */
export async function demoData(o: DemoOptions, say: (s: string) => void): Promise<{ name: string; data: RoutingData }[]> {
  const load = async (sets: { name: string; path: string }[]) => {
    const out: { name: string; data: RoutingData }[] = [];
    for (const s of sets) out.push({ name: s.name, data: await loadRoutingData(s.path) });
    return out;
  };
  if (!o.synthetic) {
    const explicit = o.dataDir ?? process.env.TASKROUTE_DATA;
    if (explicit) {
      const sets = findDataSets(resolve(explicit));
      if (!sets.length) throw new Error(`no routing data found in ${explicit} (expected dcrouter_*.json, RouterBench CSVs, or llmrouter/ and routerbench/ folders)`);
      say(`data: ${sets.map((s) => s.path).join(', ')}${o.dataDir ? '' : ' (from $TASKROUTE_DATA)'}`);
      return load(sets);
    }
    const cached = join(cacheDir(), 'data', 'llmrouter');
    if (findDataSets(cached).length) {
      say(`data: ${cached} (cache)`);
      return load(findDataSets(cached));
    }
    if (!o.offline) {
      try {
        say(`downloading the LLMRouter data (ulab-uiuc/LLMRouter, MIT licence) into ${cached} …`);
        await downloadLlmRouter(cached);
        return load(findDataSets(cached));
      } catch (err) {
        say(`could not download the public data: ${(err as Error).message}`);
      }
    }
  }
  say('no public data available: running on the built-in SYNTHETIC routing benchmark (generated, not real LLM results)');
  return [{ name: 'synthetic', data: syntheticRoutingData({ seed: o.seed }) }];
}

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('find the public routing data (or download it), run compare, print the tables, write report.html')
    .option('--data-dir <dir>', 'a data directory (LLMRouter files, RouterBench CSVs, or llmrouter/ and routerbench/ folders)')
    .option('--offline', 'never download: use local data or the synthetic benchmark')
    .option('--synthetic', 'run on the built-in synthetic benchmark')
    .option('--methods <list>', 'routers to compare (default: every baseline and FineRouter)')
    .option('--seed <n>', 'seed', intOption('--seed', 0), 0)
    .option('--threads <n>', 'native threads (default: all cores)', intOption('--threads', 0, 1024))
    .option('--report <file.html>', 'report of the first data set (others get -NAME.html)', 'report.html')
    .option('--json', 'print one JSON array of compare results');
  cmd.action(async (o: DemoOptions) => {
    const say = (s: string) => {
      if (!o.json) process.stderr.write(`${s}\n`);
    };
    const sets = await demoData(o, say);
    const results: CompareResult[] = [];
    for (let i = 0; i < sets.length; i++) {
      const { name, data } = sets[i];
      say(`\n== ${name}: compare ==`);
      const r = await compareData(data, { ...o, valFraction: 0.1, json: o.json });
      const report = i === 0 ? o.report : o.report?.replace(/(\.html?)?$/, `-${name}.html`);
      await writeOutputs(r, { report, json: o.json });
      results.push(r);
      if (!o.json) println(`\n${formatCompare(r)}\n`);
    }
    if (o.json) println(JSON.stringify(results));
  });
}
