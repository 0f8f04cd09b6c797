// Canonical routing JSONL (DESIGN.md "Data format"): read line by line from a stream,
// so a million records never sit in memory as text, and written atomically with floats
// printed so they parse back to the same float32.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { TaskrouteError } from '../errors.js';
import { openAtomicWriter } from '../fsutil.js';
import { silentProgress, type Progress } from '../progress.js';
import { invalidParameter, outOfRange } from '../validate.js';
import { RoutingDataBuilder, type Built } from './builder.js';
import { SPLIT_NAMES, type RoutingData } from './types.js';

/** The fields of a canonical record; any other field is ignored (and noted). */
const KNOWN_FIELDS = new Set(['id', 'prompt', 'task', 'scores', 'costs', 'split', 'embedding', 'leaf']);

/** How often (in records) loaders advance the progress line. */
export const PROGRESS_EVERY = 4096;

export function readError(path: string, err: unknown): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_DATA', `${path}: cannot read (${(err as Error).message})`, { cause: err });
}

/** Reads one canonical JSONL file into `b` (blank lines are ignored; line numbers are 1-based). */
export async function readJsonlInto(path: string, b: RoutingDataBuilder, progress: Progress): Promise<void> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  // readline would swallow an open error as a silent end; surface it instead.
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw readError(path, err);
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let streamError: unknown;
  stream.on('error', (err) => {
    streamError = err;
  });
  const unknown = new Map<string, number>();
  let line = 0;
  let sinceTick = 0;
  try {
    for await (let text of rl) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (++sinceTick === PROGRESS_EVERY) {
        progress.tick(sinceTick);
        sinceTick = 0;
      }
      if (text.trim() === '') continue;
      const ordinal = b.read();
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch (err) {
        if (line === 1 && text.trimStart().startsWith('['))
          b.reject(path, line, 'malformed JSON', 'a JSON array is not canonical routing JSONL (one JSON object a line)');
        else b.reject(path, line, 'malformed JSON', `malformed JSON (${(err as Error).message})`);
        continue;
      }
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
        b.reject(path, line, 'not an object', `expected a JSON object, found ${Array.isArray(rec) ? 'an array' : JSON.stringify(rec)}`);
        continue;
      }
      const o = rec as Record<string, unknown>;
      for (const k in o) if (!KNOWN_FIELDS.has(k)) unknown.set(k, (unknown.get(k) ?? 0) + 1);
      b.add(path, line, ordinal, {
        id: o.id,
        prompt: o.prompt,
        task: o.task,
        leaf: o.leaf,
        scores: o.scores,
        costs: o.costs,
        split: o.split,
        embedding: o.embedding,
      });
    }
  } catch (err) {
    if (err instanceof TaskrouteError) throw err;
    throw readError(path, streamError ?? err);
  } finally {
    rl.close();
    stream.destroy();
  }
  if (streamError) throw readError(path, streamError);
  progress.tick(sinceTick);
  for (const [k, c] of unknown) b.note(`ignored the unknown field ${JSON.stringify(k)} on ${c} record${c === 1 ? '' : 's'}`);
}

/** Loads a canonical JSONL file. */
export async function loadJsonl(path: string, skipInvalid: boolean, progress: Progress = silentProgress): Promise<Built> {
  const b = new RoutingDataBuilder({ source: path, format: 'jsonl', skipInvalid, costNote: 'as recorded in the file' });
  progress.start(`reading ${path}`);
  await readJsonlInto(path, b, progress);
  const built = b.finish();
  progress.done(`${built.data.n} records`);
  return built;
}

// Scores repeat (0, 1, 0.5, …): a bounded cache keyed by the float32 value skips the search.
const formatCache = new Map<number, string>();

/**
 * The shortest decimal that parses back to the same float32 (at most 9 significant
 * digits always suffice), in JSON number syntax.
 */
export function formatFloat32(v: number): string {
  const f = Math.fround(v);
  const cached = formatCache.get(f);
  if (cached !== undefined) return cached;
  let out = String(f);
  if (out.length > 8) {
    // Binary search on the digit count: if p digits round-trip, p + 1 digits (at least as
    // close) nearly always do too; only tested counts are kept, so the result always
    // round-trips, and 9 digits always do.
    let lo = 1;
    let hi = 9;
    let best = f.toPrecision(9);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = f.toPrecision(mid);
      if (Math.fround(+t) === f) {
        hi = mid;
        best = t;
      } else lo = mid + 1;
    }
    out = String(+best);
  }
  if (formatCache.size >= 1 << 16) formatCache.clear();
  formatCache.set(f, out);
  return out;
}

function assertRoutingData(data: unknown): RoutingData {
  if (typeof data !== 'object' || data === null) throw invalidParameter('data', 'a RoutingData', data);
  const d = data as RoutingData;
  if (!Number.isInteger(d.n) || d.n < 0) throw invalidParameter('data.n', 'an integer >= 0', d.n);
  if (!Array.isArray(d.models) || d.models.length === 0) throw invalidParameter('data.models', 'a non-empty array of model names', d.models);
  const M = d.models.length;
  for (const [name, a, len] of [
    ['data.ids', d.ids, d.n],
    ['data.prompts', d.prompts, d.n],
    ['data.tasks', d.tasks, d.n],
  ] as const)
    if (!Array.isArray(a) || a.length !== len) throw outOfRange(`${name}.length`, `n = ${len}`, Array.isArray(a) ? a.length : a);
  if (d.leaves !== undefined && (!Array.isArray(d.leaves) || d.leaves.length !== d.n))
    throw outOfRange('data.leaves.length', `n = ${d.n}`, Array.isArray(d.leaves) ? d.leaves.length : d.leaves);
  if (!(d.scores instanceof Float32Array) || d.scores.length !== d.n * M)
    throw outOfRange('data.scores.length', `n × M = ${d.n * M}`, d.scores instanceof Float32Array ? d.scores.length : d.scores);
  if (!(d.costs instanceof Float32Array) || d.costs.length !== d.n * M)
    throw outOfRange('data.costs.length', `n × M = ${d.n * M}`, d.costs instanceof Float32Array ? d.costs.length : d.costs);
  if (!(d.splits instanceof Uint8Array) || d.splits.length !== d.n)
    throw outOfRange('data.splits.length', `n = ${d.n}`, d.splits instanceof Uint8Array ? d.splits.length : d.splits);
  if (d.embeddings !== undefined) {
    const D = d.embeddingDim;
    if (!Number.isInteger(D) || (D as number) < 1) throw invalidParameter('data.embeddingDim', 'an integer >= 1', D);
    if (!(d.embeddings instanceof Float32Array) || d.embeddings.length !== d.n * (D as number))
      throw outOfRange('data.embeddings.length', `n × embeddingDim = ${d.n * (D as number)}`, d.embeddings);
  }
  return d;
}

function recordLine(d: RoutingData, i: number, modelKeys: string[]): string {
  const M = d.models.length;
  const id = d.ids[i];
  const where = () => `record ${i} (${JSON.stringify(id)})`;
  if (typeof id !== 'string' || id === '') throw invalidParameter(`data.ids[${i}]`, 'a non-empty string', id);
  const prompt = d.prompts[i];
  if (typeof prompt !== 'string' || prompt.trim() === '') throw invalidParameter(`data.prompts[${i}]`, 'a non-empty string', prompt);
  let s = `{"id":${JSON.stringify(id)},"prompt":${JSON.stringify(prompt)}`;
  const task = d.tasks[i];
  if (task) s += `,"task":${JSON.stringify(task)}`;
  s += ',"scores":{';
  for (let m = 0; m < M; m++) {
    const v = d.scores[i * M + m];
    if (!(v >= 0 && v <= 1)) throw outOfRange(`data.scores[${i * M + m}]`, `a score in [0, 1] (${where()}, model ${modelKeys[m]})`, v);
    s += `${m ? ',' : ''}${modelKeys[m]}:${formatFloat32(v)}`;
  }
  s += '}';
  if (d.hasCosts) {
    s += ',"costs":{';
    for (let m = 0; m < M; m++) {
      const v = d.costs[i * M + m];
      if (!(v >= 0 && Number.isFinite(v)))
        throw outOfRange(`data.costs[${i * M + m}]`, `a finite cost >= 0 (${where()}, model ${modelKeys[m]})`, v);
      s += `${m ? ',' : ''}${modelKeys[m]}:${formatFloat32(v)}`;
    }
    s += '}';
  }
  const split = SPLIT_NAMES[d.splits[i]];
  if (split === undefined) throw outOfRange(`data.splits[${i}]`, 'a split code 0 (train), 1 (val) or 2 (test)', d.splits[i]);
  s += `,"split":"${split}"`;
  if (d.embeddings && d.embeddingDim) {
    const D = d.embeddingDim;
    const parts = new Array<string>(D);
    for (let k = 0; k < D; k++) {
      const v = d.embeddings[i * D + k];
      if (!Number.isFinite(v)) throw outOfRange(`data.embeddings[${i * D + k}]`, `a finite number (${where()})`, v);
      parts[k] = formatFloat32(v);
    }
    s += `,"embedding":[${parts.join(',')}]`;
  }
  const leaf = d.leaves?.[i];
  if (leaf) s += `,"leaf":${JSON.stringify(leaf)}`;
  return `${s}}\n`;
}

/**
 * Writes `data` as canonical JSONL, one record a line, every split explicit. Atomic:
 * a failure (bad value, full disk) leaves any previous file at `path` untouched.
 */
export async function writeRoutingJsonl(data: RoutingData, path: string): Promise<void> {
  const d = assertRoutingData(data);
  if (typeof path !== 'string' || path === '') throw invalidParameter('path', 'a non-empty string', path);
  const modelKeys = d.models.map((m) => JSON.stringify(m));
  const w = await openAtomicWriter(path);
  try {
    for (let i = 0; i < d.n; i++) await w.write(recordLine(d, i, modelKeys));
    await w.commit();
  } catch (err) {
    await w.abort();
    throw err;
  }
}
