// The data options every command that reads a routing data set shares (--data, --format,
// --skip-invalid, --embeddings, --embedding-dim), and their translation to loadRoutingData.

import type { Command } from 'commander';
import { loadRoutingData } from '../data/index.js';
import { DATA_FORMATS, type DataFormatOption, type LoadOptions, type RoutingData } from '../data/types.js';
import { TaskrouteError } from '../errors.js';
import { silentProgress, type Progress } from '../progress.js';
import { assertOneOf, outOfRange } from '../validate.js';

/** What commander gives for the options addDataOptions adds (strings as typed). */
export interface DataCliOptions {
  data?: string;
  format?: string;
  skipInvalid?: boolean;
  embeddings?: string;
  embeddingDim?: string;
}

/** Adds --data <path>, --format <f>, --skip-invalid, --embeddings <file>, --embedding-dim <n> to `cmd`. */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .option('--data <path>', 'routing data: canonical .jsonl, a RouterBench .csv or directory, an LLMRouter directory or dcrouter_*.json')
    .option('--format <f>', `data format: ${DATA_FORMATS.join(', ')}`, 'auto')
    .option('--skip-invalid', 'skip invalid records (counted in the notes) instead of failing')
    .option('--embeddings <file>', 'precomputed embeddings: .npy float32 [records × dim] or raw float32 (with --embedding-dim); row r = r-th record read')
    .option('--embedding-dim <n>', 'dimension of a raw float32 --embeddings file');
}

/** Parses a positive integer option, with the project's exact message on junk. */
export function parsePositiveInt(name: string, text: string): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text)))
    throw outOfRange(name, 'an integer >= 1', text);
  return Number(text);
}

/** loadRoutingData options from the parsed CLI options (validated, with option names in messages). */
export function dataLoadOptions(opts: Omit<DataCliOptions, 'data'>, progress: Progress = silentProgress): LoadOptions {
  const format = assertOneOf('--format', opts.format ?? 'auto', DATA_FORMATS) as DataFormatOption;
  const o: LoadOptions = { format, skipInvalid: Boolean(opts.skipInvalid), progress };
  if (opts.embeddingDim !== undefined) {
    if (opts.embeddings === undefined) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', '--embedding-dim needs --embeddings <file>');
    o.embeddingDim = parsePositiveInt('--embedding-dim', opts.embeddingDim);
  }
  if (opts.embeddings !== undefined) o.embeddingsFile = opts.embeddings;
  return o;
}

/** Loads the data set the options name; --data is required. */
export async function loadDataFromOptions(opts: DataCliOptions, progress: Progress = silentProgress): Promise<RoutingData> {
  if (opts.data === undefined || opts.data === '')
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'missing --data <path> (canonical JSONL, RouterBench CSV or LLMRouter data)');
  return loadRoutingData(opts.data, dataLoadOptions(opts, progress));
}
