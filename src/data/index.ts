// Routing data sets: one entry point (loadRoutingData) that detects the format, reads it
// through the format's loader into the common RoutingData, and attaches a side file of
// embeddings; plus the writer, splits and summary.

import { closeSync, openSync, readSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { TaskrouteError } from '../errors.js';
import { silentProgress, type Progress } from '../progress.js';
import { assertBoolean, assertInteger, assertObject, assertOneOf, assertString, invalidParameter } from '../validate.js';
import type { Built } from './builder.js';
import { loadJsonl } from './jsonl.js';
import { dcrouterFiles, loadLlmRouter } from './llmrouter.js';
import { readEmbeddingFile } from './npy.js';
import { loadRouterBench } from './routerbench.js';
import { DATA_FORMATS, type DataFormat, type DataFormatOption, type LoadOptions, type RoutingData } from './types.js';

export { writeRoutingJsonl, formatFloat32 } from './jsonl.js';
export { withValidation, rowsOf, subset, hashSplit, hashUnit, HASH_TEST_FRACTION } from './split.js';
export { summarize, type DataSummary, type ModelSummary, type TaskSummary, type QualityCost } from './summary.js';
export { parsePythonStringList, parsePythonString, PythonLiteralError } from './pyliteral.js';
export { estimateCost, estimateInputTokens, CHARS_PER_TOKEN, ASSUMED_OUTPUT_TOKENS, LLMROUTER_COST_NOTE } from './llmrouter.js';
export { readEmbeddingFile, parseNpy, toNpy, type EmbeddingFile } from './npy.js';

function dataError(message: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_DATA', message);
}

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw dataError(`${path}: cannot read (${(err as Error).message})`);
  }
}

/** The first non-whitespace character of a file (after a BOM), or '' when empty. */
function firstChar(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const got = readSync(fd, buf, 0, buf.length, 0);
    const m = /^\uFEFF?\s*(\S)/.exec(buf.toString('utf8', 0, got));
    return m ? m[1] : '';
  } finally {
    closeSync(fd);
  }
}

function listFiles(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith(ext) && !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));
}

/** The format of `path` under 'auto' and the files to read. */
export function detectFormat(path: string, format: DataFormatOption = 'auto'): { format: DataFormat; files: string[] } {
  const st = statOf(path);
  if (st.isDirectory()) {
    const dc = dcrouterFiles(path);
    const csv = listFiles(path, '.csv');
    if (format === 'llmrouter' || (format === 'auto' && dc.length)) {
      if (!dc.length) throw dataError(`${path}: no dcrouter_train.json or dcrouter_test.json in this directory (LLMRouter data)`);
      return { format: 'llmrouter', files: dc };
    }
    if (format === 'routerbench' || (format === 'auto' && csv.length)) {
      if (!csv.length) throw dataError(`${path}: no .csv files in this directory (RouterBench data)`);
      return { format: 'routerbench', files: csv };
    }
    if (format === 'jsonl') throw dataError(`${path}: a directory; canonical JSONL is one file`);
    throw dataError(`${path}: a directory with neither dcrouter_*.json (LLMRouter) nor .csv files (RouterBench)`);
  }
  if (format !== 'auto') return { format, files: [path] };
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return { format: 'jsonl', files: [path] };
  if (ext === '.csv') return { format: 'routerbench', files: [path] };
  const c = firstChar(path);
  if (c === '[' && (ext === '.json' || /^dcrouter_/i.test(basename(path)))) return { format: 'llmrouter', files: [path] };
  if (c === '{') return { format: 'jsonl', files: [path] };
  if (c === '') throw dataError(`${path}: empty file`);
  throw dataError(`${path}: cannot tell the format (not .jsonl, .csv or a dcrouter .json); pass format 'jsonl', 'routerbench' or 'llmrouter'`);
}

function checkOptions(path: unknown, o: unknown): Required<Pick<LoadOptions, 'format' | 'skipInvalid'>> & LoadOptions {
  assertString('path', path);
  if (path === '') throw invalidParameter('path', 'a non-empty string', path);
  const opts = o === undefined ? {} : (assertObject('options', o) as LoadOptions);
  const format = opts.format === undefined ? 'auto' : assertOneOf('options.format', opts.format, DATA_FORMATS);
  const skipInvalid = opts.skipInvalid === undefined ? false : assertBoolean('options.skipInvalid', opts.skipInvalid);
  if (opts.progress !== undefined) {
    const p = opts.progress as Partial<Progress> | null;
    if (!p || typeof p.start !== 'function' || typeof p.tick !== 'function' || typeof p.done !== 'function')
      throw invalidParameter('options.progress', 'a Progress ({ start, tick, done })', opts.progress);
  }
  if (opts.embeddingsFile !== undefined) {
    assertString('options.embeddingsFile', opts.embeddingsFile);
    if (opts.embeddingsFile === '') throw invalidParameter('options.embeddingsFile', 'a non-empty string', opts.embeddingsFile);
  }
  if (opts.embeddingDim !== undefined) {
    assertInteger('options.embeddingDim', opts.embeddingDim, 1);
    if (opts.embeddingsFile === undefined) throw invalidParameter('options.embeddingsFile', 'a file path when "embeddingDim" is given', undefined);
  }
  return { ...opts, format, skipInvalid };
}

/** Replaces the records' embeddings by rows of a side file, matched by read position. */
function attachEmbeddings(built: Built, file: string, dim: number | undefined): void {
  const { data, ordinals, recordsRead } = built;
  const e = readEmbeddingFile(file, dim);
  if (e.rows !== recordsRead)
    throw dataError(
      `${file}: ${e.rows} embedding rows, but ${data.source} has ${recordsRead} records (row r belongs to the r-th record read, before skipping)`,
    );
  const D = e.dim;
  if (D < 1) throw dataError(`${file}: embedding dimension is 0`);
  const out = new Float32Array(data.n * D);
  for (let r = 0; r < data.n; r++) {
    const src = ordinals[r] * D;
    for (let k = 0; k < D; k++) {
      const v = e.data[src + k];
      if (!Number.isFinite(v)) throw dataError(`${file}: row ${ordinals[r]} (record ${JSON.stringify(data.ids[r])}) holds a non-finite value at column ${k}`);
      out[r * D + k] = v;
    }
  }
  if (data.embeddings) data.notes.push(`embeddings from ${file} replace the records' own "embedding" fields`);
  data.embeddings = out;
  data.embeddingDim = D;
  data.notes.push(`embeddings: ${file} (${e.rows} × ${D}; rows matched to records in read order, before skipping)`);
}

/**
 * Loads a routing data set: canonical JSONL, RouterBench CSV (a file or a directory) or
 * LLMRouter (its directory or a dcrouter_*.json). Bad input is a TaskrouteError
 * 'ERR_TASKROUTE_DATA' "FILE:LINE: reason"; with skipInvalid the bad records are
 * dropped and counted in data.notes.
 */
export async function loadRoutingData(path: string, options?: LoadOptions): Promise<RoutingData> {
  const o = checkOptions(path, options);
  const progress = o.progress ?? silentProgress;
  const { format, files } = detectFormat(path, o.format);
  let built: Built;
  if (format === 'jsonl') built = await loadJsonl(files[0], o.skipInvalid, progress);
  else if (format === 'routerbench') built = await loadRouterBench(files, path, o.skipInvalid, progress);
  else built = await loadLlmRouter(files, path, o.skipInvalid, progress);
  if (o.embeddingsFile !== undefined) attachEmbeddings(built, o.embeddingsFile, o.embeddingDim);
  return built.data;
}
