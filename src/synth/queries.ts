// Synthetic QA pairs per taxonomy leaf (ColdStartLLMRouter, task_annotator.py): ask the LLM
// for `perCall` question-answer pairs at a time, giving the leaf's path with definitions and
// its example; drop near-duplicates (cosine > 0.9 with a question already kept for the leaf);
// keep asking until the leaf has `perLeaf` pairs or `maxCalls` calls were made (shortfalls are
// reported). Each call goes through the ledger; a leaf's calls are sequential (what call k
// asks depends on what was kept before it), leaves run in parallel.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Embedder } from '../embed/types.js';
import { TaskrouteError } from '../errors.js';
import { openAtomicWriter } from '../fsutil.js';
import { silentProgress, type Progress } from '../progress.js';
import { assertInteger, assertNumber } from '../validate.js';
import { filterNearDuplicates } from './dedup.js';
import { callId, Ledger, type LedgerEntry } from './ledger.js';
import { estimateTokens, type LlmClient, type Usage } from './llm.js';
import { QA_SCHEMA, queryMessages } from './prompts.js';
import { leaves, leafTitle, type Taxonomy, type TaxonomyLeaf, type TaxonomyLevel } from './taxonomy.js';

/** One synthetic query: a line of queries.jsonl. */
export interface SynthQuery {
  /** "q-" + 16 hex digits of sha1(leaf, question): stable across runs. */
  id: string;
  /** The taxonomy leaf that produced it. */
  leaf: string;
  /** The leaf's path of names, e.g. "Mathematics / Algebra / Hard". */
  task: string;
  /** The question. */
  prompt: string;
  /** The reference answer the judge grades against. */
  reference: string;
}

export interface SynthQueriesOptions {
  taxonomy: Taxonomy;
  /** The LLM that writes the pairs. */
  llm: LlmClient;
  /** Embeds questions for the near-duplicate check. */
  embedder: Embedder;
  /** Where calls are recorded and replayed (default: in memory). */
  ledger?: Ledger;
  /** Pairs per leaf (default 40). */
  perLeaf?: number;
  /** Pairs asked for per call (default 8). */
  perCall?: number;
  /** Calls per leaf at most (default ceil(perLeaf / perCall) + 10, as the authors). */
  maxCalls?: number;
  /** Cosine similarity above which a question is a near-duplicate (default 0.9). */
  threshold?: number;
  /** Fit the embedder on each batch before embedding (default true; a no-op for remote embedders). */
  fitEmbedder?: boolean;
  /** Kept questions quoted in the next prompt as "do not repeat" (default 8; 0: none). */
  avoid?: number;
  /** Sampling temperature (default 0.7, as the authors). */
  temperature?: number;
  /** Completion budget per call in tokens (default 4096). */
  maxTokens?: number;
  /** Leaves worked on at once (default 4). */
  leafConcurrency?: number;
  /** Only these leaf ids (default: every leaf). */
  leaves?: string[];
  progress?: Progress;
}

export interface LeafReport {
  leaf: string;
  /** Pairs kept. */
  kept: number;
  /** Calls this leaf took (made + replayed). */
  calls: number;
  /** Pairs dropped as near-duplicates. */
  duplicates: number;
  /** perLeaf − kept (0 when complete). */
  shortfall: number;
  /** Set when a call failed for good; the leaf stops there. */
  error?: string;
}

export interface SynthQueriesResult {
  queries: SynthQuery[];
  leaves: LeafReport[];
  calls: { made: number; replayed: number };
  usage: Usage;
}

/** The id of a synthetic query. */
export function queryId(leaf: string, question: string): string {
  return `q-${createHash('sha1').update(`${leaf}\0${question}`).digest('hex').slice(0, 16)}`;
}

function pathOf(tax: Taxonomy, leaf: TaxonomyLeaf): { level: TaxonomyLevel; node: TaxonomyLeaf['node'] }[] {
  return leaf.path.map((node, i) => ({ level: tax.levels[i], node }));
}

interface Settings {
  perLeaf: number;
  perCall: number;
  maxCalls: number;
  threshold: number;
  avoid: number;
  temperature: number;
  maxTokens: number;
}

function settings(o: Partial<Omit<SynthQueriesOptions, 'llm' | 'embedder' | 'taxonomy'>>): Settings {
  const perLeaf = assertInteger('perLeaf', o.perLeaf ?? 40, 1, 100_000);
  const perCall = assertInteger('perCall', o.perCall ?? 8, 1, 100);
  return {
    perLeaf,
    perCall,
    maxCalls: assertInteger('maxCalls', o.maxCalls ?? Math.ceil(perLeaf / perCall) + 10, 1, 1_000_000),
    threshold: assertNumber('threshold', o.threshold ?? 0.9, -1, 1),
    avoid: assertInteger('avoid', o.avoid ?? 8, 0, 100),
    temperature: assertNumber('temperature', o.temperature ?? 0.7, 0, 2),
    maxTokens: assertInteger('maxTokens', o.maxTokens ?? 4096, 1),
  };
}

function selectLeaves(tax: Taxonomy, only: string[] | undefined): TaxonomyLeaf[] {
  const all = leaves(tax);
  if (!only) return all;
  const byId = new Map(all.map((l) => [l.id, l]));
  const bad = only.filter((id) => !byId.has(id));
  if (bad.length) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `not leaves of the taxonomy: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return only.map((id) => byId.get(id) as TaxonomyLeaf);
}

function callParts(s: Settings, llm: LlmClient, leaf: string, call: number, messages: unknown) {
  return { leaf, call, model: llm.model, temperature: s.temperature, maxTokens: s.maxTokens, perCall: s.perCall, seed: call, messages };
}

/** Synthesises QA pairs for every leaf (see the file comment). Failed leaves are reported, not thrown. */
export async function synthesizeQueries(options: SynthQueriesOptions): Promise<SynthQueriesResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('Expected "options" to be an object');
  if (typeof options.llm?.chatJson !== 'function') throw new TypeError('Expected "llm" to be an LlmClient');
  if (typeof options.embedder?.embed !== 'function') throw new TypeError('Expected "embedder" to be an Embedder');
  const s = settings(options);
  const tax = options.taxonomy;
  const todo = selectLeaves(tax, options.leaves);
  const ledger = options.ledger ?? Ledger.memory();
  const progress = options.progress ?? silentProgress;
  const llm = options.llm;
  // The embedder may be stateful (fit): one batch at a time.
  const embedLock = pLimit(1);
  const leafLimit = pLimit(assertInteger('leafConcurrency', options.leafConcurrency ?? 4, 1, 1024));
  let made = 0;
  let replayed = 0;
  let usage: Usage = { promptTokens: 0, completionTokens: 0, estimated: false };
  progress.start('queries: pairs kept', todo.length * s.perLeaf);

  const runLeaf = async (leaf: TaxonomyLeaf): Promise<{ kept: SynthQuery[]; report: LeafReport }> => {
    const path = pathOf(tax, leaf);
    const task = leafTitle(tax, leaf.id);
    const kept: SynthQuery[] = [];
    let duplicates = 0;
    let calls = 0;
    let error: string | undefined;
    for (let call = 0; call < s.maxCalls && kept.length < s.perLeaf; call++) {
      const avoid = s.avoid ? kept.slice(-s.avoid).map((q) => q.prompt) : [];
      const messages = queryMessages(path, s.perCall, avoid);
      const id = callId('queries', callParts(s, llm, leaf.id, call, messages));
      let entry: LedgerEntry<{ pairs: { question: string; answer: string }[] }>;
      try {
        const r = await ledger.run<{ pairs: { question: string; answer: string }[] }>(id, 'queries', { leaf: leaf.id, call }, async () => {
          const a = await llm.chatJson<{ pairs: { question: string; answer: string }[] }>(messages, QA_SCHEMA(Math.max(s.perCall * 2, s.perCall + 4)), {
            temperature: s.temperature,
            maxTokens: s.maxTokens,
            seed: call,
          });
          return { result: { pairs: a.value.pairs.map((p) => ({ question: p.question.trim(), answer: p.answer.trim() })) }, usage: a.usage, asks: a.asks };
        });
        entry = r.entry;
        if (r.cached) replayed++;
        else {
          made++;
          usage = { promptTokens: usage.promptTokens + entry.usage.promptTokens, completionTokens: usage.completionTokens + entry.usage.completionTokens, estimated: usage.estimated || entry.usage.estimated };
        }
      } catch (err) {
        error = (err as Error).message;
        break;
      }
      calls++;
      const pairs = entry.result.pairs;
      const f = await embedLock(() =>
        filterNearDuplicates(
          options.embedder,
          kept.map((q) => q.prompt),
          pairs.map((p) => p.question),
          { threshold: s.threshold, fit: options.fitEmbedder ?? true, limit: s.perLeaf - kept.length },
        ),
      );
      duplicates += f.dropped.length;
      for (const i of f.kept) kept.push({ id: queryId(leaf.id, pairs[i].question), leaf: leaf.id, task, prompt: pairs[i].question, reference: pairs[i].answer });
      progress.tick(f.kept.length);
    }
    return { kept, report: { leaf: leaf.id, kept: kept.length, calls, duplicates, shortfall: s.perLeaf - kept.length, ...(error ? { error } : {}) } };
  };

  const results = await Promise.all(todo.map((l) => leafLimit(() => runLeaf(l))));
  progress.done(`${made} calls made, ${replayed} from the ledger`);
  return { queries: results.flatMap((r) => r.kept), leaves: results.map((r) => r.report), calls: { made, replayed }, usage };
}

export interface QueriesEstimate {
  leaves: number;
  /** Calls if no pair is a duplicate, and at most (maxCalls per leaf); both less the calls found in the ledger. */
  calls: { min: number; max: number };
  /** Calls already in the ledger. */
  cached: number;
  /** Estimated prompt tokens (≈ characters / 4) and the completion budget, for `max` calls. */
  tokens: { prompt: number; completion: number };
}

/** What `synthesizeQueries` would call, without calling (the dry run). */
export function estimateQueries(options: Omit<SynthQueriesOptions, 'llm' | 'embedder'>): QueriesEstimate {
  const s = settings(options);
  const todo = selectLeaves(options.taxonomy, options.leaves);
  const cachedBy = new Map<string, number>(todo.map((l) => [l.id, 0]));
  let cached = 0;
  if (options.ledger) {
    for (const e of options.ledger.values()) {
      if (e.stage !== 'queries') continue;
      const leaf = String(e.key.leaf);
      if (cachedBy.has(leaf)) {
        cachedBy.set(leaf, (cachedBy.get(leaf) ?? 0) + 1);
        cached++;
      }
    }
  }
  let min = 0;
  let max = 0;
  let prompt = 0;
  for (const l of todo) {
    const have = cachedBy.get(l.id) ?? 0;
    const lo = Math.max(0, Math.ceil(s.perLeaf / s.perCall) - have);
    const hi = Math.max(0, s.maxCalls - have);
    min += lo;
    max += hi;
    const msgs = queryMessages(pathOf(options.taxonomy, l), s.perCall, []);
    // Later calls also quote up to `avoid` kept questions (~40 tokens each).
    const per = estimateTokens(msgs.map((m) => m.content).join('\n')) + Math.min(s.avoid, s.perLeaf) * 40;
    prompt += per * hi;
  }
  return { leaves: todo.length, calls: { min, max }, cached, tokens: { prompt, completion: max * s.maxTokens } };
}

/** Writes queries.jsonl atomically, one SynthQuery a line. */
export async function writeQueries(queries: SynthQuery[], path: string): Promise<void> {
  const w = await openAtomicWriter(path);
  try {
    for (const q of queries) await w.write(`${JSON.stringify({ id: q.id, leaf: q.leaf, task: q.task, prompt: q.prompt, reference: q.reference })}\n`);
    await w.commit();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

/**
 * Reads queries.jsonl: per line an object with "id", "prompt", "reference" (non-empty
 * strings) and optional "leaf", "task"; ids unique. Errors name the file and line.
 */
export async function readQueries(path: string): Promise<SynthQuery[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_DATA', `cannot read the queries ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const out: SynthQuery[] = [];
  const ids = new Map<string, number>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const at = `${path}:${i + 1}`;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new TaskrouteError('ERR_TASKROUTE_DATA', `${at}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${at}: expected a JSON object`);
    for (const f of ['id', 'prompt', 'reference'])
      if (typeof o[f] !== 'string' || !(o[f] as string).trim())
        throw new TaskrouteError('ERR_TASKROUTE_DATA', `${at}: "${f}" must be a non-empty string${o[f] === undefined ? ' (missing)' : ''}`);
    for (const f of ['leaf', 'task'])
      if (o[f] !== undefined && typeof o[f] !== 'string') throw new TaskrouteError('ERR_TASKROUTE_DATA', `${at}: "${f}" must be a string`);
    const id = o.id as string;
    if (ids.has(id)) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${at}: duplicate id "${id}" (also line ${ids.get(id)})`);
    ids.set(id, i + 1);
    out.push({ id, leaf: (o.leaf as string | undefined) ?? '', task: (o.task as string | undefined) ?? '', prompt: o.prompt as string, reference: o.reference as string });
  });
  if (!out.length) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}: no queries`);
  return out;
}
