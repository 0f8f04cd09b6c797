// Labelling synthetic queries (ColdStartLLMRouter, metric_estimator.py): every candidate model
// answers every query; a judge model scores each answer 0–1 against the reference; cost is
// the answer's tokens × the model's prices. Answers and verdicts go through the ledger as
// they arrive; the routing records are assembled from it, so a killed run loses nothing and
// a rerun repeats no completed call. Prices are applied when records are assembled, so a
// corrected price needs no new calls.

import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { TaskrouteError } from '../errors.js';
import { openAtomicWriter } from '../fsutil.js';
import { silentProgress, type Progress } from '../progress.js';
import { assertInteger, assertNumber } from '../validate.js';
import { callId, Ledger } from './ledger.js';
import { estimateTokens, LlmClient, normaliseLlmUrl, type LlmClientOptions, type Usage } from './llm.js';
import { answerMessages, JUDGE_SCHEMA, judgeMessages } from './prompts.js';
import type { SynthQuery } from './queries.js';

/** A candidate model: one entry of the models file. */
export interface CandidateModel {
  /** The name used in scores/costs (unique). */
  name: string;
  /** OpenAI-compatible endpoint base, e.g. "http://127.0.0.1:8000/v1". */
  baseUrl: string;
  /** Model id sent to the endpoint. */
  model: string;
  /** Environment variable holding the endpoint's API key (never the key itself). */
  apiKeyEnv?: string;
  /** USD per million prompt tokens. */
  inputPrice: number;
  /** USD per million completion tokens. */
  outputPrice: number;
  /** Requests in flight to this model at once (default: the run's). */
  concurrency?: number;
}

/** The judge: endpoint, model, optional key variable and prices (for the cost summary only). */
export interface JudgeSpec {
  baseUrl: string;
  model: string;
  apiKeyEnv?: string;
  inputPrice?: number;
  outputPrice?: number;
}

const MODEL_FIELDS = ['name', 'baseUrl', 'model', 'apiKeyEnv', 'inputPrice', 'outputPrice', 'concurrency'];

function cfg(source: string, where: string, reason: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: ${where}: ${reason}`);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  return typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);
}

/** Checks a models list: `[{ name, baseUrl, model, apiKeyEnv?, inputPrice, outputPrice, concurrency? }]`. */
export function validateModels(value: unknown, source = 'models'): CandidateModel[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: expected a non-empty array of models [{ "name", "baseUrl", "model", "inputPrice", "outputPrice" }], received ${show(value)}`);
  const names = new Map<string, number>();
  return value.map((m, i): CandidateModel => {
    const at = `[${i}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw cfg(source, at, `expected an object, received ${show(m)}`);
    const o = m as Record<string, unknown>;
    const label = typeof o.name === 'string' ? `${at} ("${o.name}")` : at;
    for (const k of Object.keys(o)) {
      if (/^(api_?key|key|token|secret|password)$/i.test(k))
        throw cfg(source, label, `"${k}": API keys do not go in files; name the environment variable that holds it with "apiKeyEnv"`);
      if (!MODEL_FIELDS.includes(k)) throw cfg(source, label, `unknown field "${k}" (allowed: ${MODEL_FIELDS.join(', ')})`);
    }
    for (const f of ['name', 'baseUrl', 'model'])
      if (typeof o[f] !== 'string' || !(o[f] as string).trim()) throw cfg(source, label, `"${f}" must be a non-empty string, received ${show(o[f])}`);
    const name = (o.name as string).trim();
    if (names.has(name)) throw cfg(source, label, `duplicate name "${name}" (also [${names.get(name)}])`);
    names.set(name, i);
    try {
      normaliseLlmUrl(o.baseUrl as string);
    } catch {
      throw cfg(source, label, `"baseUrl" must be an http(s) URL, received ${show(o.baseUrl)}`);
    }
    if (o.apiKeyEnv !== undefined && (typeof o.apiKeyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.apiKeyEnv)))
      throw cfg(source, label, `"apiKeyEnv" must be the name of an environment variable, received ${show(o.apiKeyEnv)}`);
    for (const f of ['inputPrice', 'outputPrice']) {
      const v = o[f];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw cfg(source, label, `"${f}" must be a number >= 0 (USD per million tokens), received ${show(v)}`);
    }
    if (o.concurrency !== undefined && (typeof o.concurrency !== 'number' || !Number.isInteger(o.concurrency) || o.concurrency < 1))
      throw cfg(source, label, `"concurrency" must be an integer >= 1, received ${show(o.concurrency)}`);
    return {
      name,
      baseUrl: o.baseUrl as string,
      model: (o.model as string).trim(),
      ...(o.apiKeyEnv !== undefined ? { apiKeyEnv: o.apiKeyEnv as string } : {}),
      inputPrice: o.inputPrice as number,
      outputPrice: o.outputPrice as number,
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency as number } : {}),
    };
  });
}

/** Reads and validates a models file (JSON). */
export function readModelsFile(path: string): CandidateModel[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `cannot read the models file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${path}: not valid JSON (${(err as Error).message})`);
  }
  return validateModels(v, path);
}

/** Parses "URL,MODEL" (the model may not contain a comma; the URL may). */
export function parseJudgeSpec(spec: string): JudgeSpec {
  const i = typeof spec === 'string' ? spec.lastIndexOf(',') : -1;
  if (i <= 0 || i === spec.length - 1) throw new RangeError(`Expected "--judge" to be URL,MODEL (e.g. http://127.0.0.1:8000/v1,qwen2.5-72b), received ${JSON.stringify(spec)}`);
  const baseUrl = spec.slice(0, i).trim();
  normaliseLlmUrl(baseUrl);
  return { baseUrl, model: spec.slice(i + 1).trim() };
}

/** Cost in USD of a call: tokens × USD per million tokens. */
export function callCost(usage: Pick<Usage, 'promptTokens' | 'completionTokens'>, prices: { inputPrice: number; outputPrice: number }): number {
  return (usage.promptTokens * prices.inputPrice + usage.completionTokens * prices.outputPrice) / 1e6;
}

/** One labelled record: canonical routing JSONL plus the leaf. */
export interface LabelRecord {
  id: string;
  prompt: string;
  /** The leaf's path of names. */
  task: string;
  /** The taxonomy leaf that produced the prompt ('' when unknown: then not written). */
  leaf: string;
  scores: Record<string, number>;
  costs: Record<string, number>;
}

export interface LabelOptions {
  queries: SynthQuery[];
  models: CandidateModel[];
  judge: JudgeSpec;
  /** Where calls are recorded and replayed (default: in memory). */
  ledger?: Ledger;
  /** Completion budget of an answer (default 2048, as the authors). */
  answerMaxTokens?: number;
  /** Temperature of the answers (default 0). */
  answerTemperature?: number;
  /** Completion budget of a verdict (default 256). */
  judgeMaxTokens?: number;
  /** Requests in flight per endpoint (default 4; a model's own `concurrency` wins). */
  concurrency?: number;
  /** Settings for every client (timeouts, retries, backoff, sleep, jsonMode); baseUrl/model/key come from the specs. */
  client?: Omit<LlmClientOptions, 'baseUrl' | 'model' | 'apiKeyEnv' | 'concurrency'>;
  progress?: Progress;
}

export interface LabelFailure {
  query: string;
  model: string;
  stage: 'answer' | 'judge';
  error: string;
}

export interface LabelResult {
  /** One per query, in input order; empty when any call failed (see failures). */
  records: LabelRecord[];
  failures: LabelFailure[];
  calls: { answers: { made: number; replayed: number }; judge: { made: number; replayed: number } };
  /** Tokens of the calls made in this run. */
  usage: { answers: Usage; judge: Usage };
  /** Cost of all records' answers (replayed ones included), and of this run's judge calls. */
  costUsd: { answers: number; judge: number };
}

interface LabelSettings {
  answerMaxTokens: number;
  answerTemperature: number;
  judgeMaxTokens: number;
}

function labelSettings(o: Partial<LabelOptions>): LabelSettings {
  return {
    answerMaxTokens: assertInteger('answerMaxTokens', o.answerMaxTokens ?? 2048, 1),
    answerTemperature: assertNumber('answerTemperature', o.answerTemperature ?? 0, 0, 2),
    judgeMaxTokens: assertInteger('judgeMaxTokens', o.judgeMaxTokens ?? 256, 1),
  };
}

function answerId(s: LabelSettings, q: SynthQuery, m: CandidateModel): string {
  return callId('answer', { query: q.id, prompt: q.prompt, model: m.name, modelId: m.model, temperature: s.answerTemperature, maxTokens: s.answerMaxTokens });
}

function judgeId(s: LabelSettings, q: SynthQuery, m: CandidateModel, judge: JudgeSpec, answer: string): string {
  return callId('judge', { query: q.id, model: m.name, judge: judge.model, maxTokens: s.judgeMaxTokens, messages: judgeMessages(q.prompt, q.reference, answer) });
}

const zero = (): Usage => ({ promptTokens: 0, completionTokens: 0, estimated: false });
const add = (a: Usage, b: Usage): Usage => ({ promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens, estimated: a.estimated || b.estimated });

function checkInputs(o: LabelOptions): void {
  if (!Array.isArray(o.queries) || o.queries.length === 0) throw new TypeError('Expected "queries" to be a non-empty array of queries');
  validateModels(o.models, 'models');
  if (typeof o.judge?.baseUrl !== 'string' || typeof o.judge?.model !== 'string' || !o.judge.model.trim())
    throw new TypeError('Expected "judge" to be { baseUrl, model }');
  const ids = new Set<string>();
  o.queries.forEach((q, i) => {
    if (typeof q?.id !== 'string' || typeof q.prompt !== 'string' || typeof q.reference !== 'string')
      throw new TypeError(`Expected "queries[${i}]" to be a query { id, prompt, reference }`);
    if (ids.has(q.id)) throw new RangeError(`Expected "queries" to have unique ids, received "${q.id}" twice`);
    ids.add(q.id);
  });
}

/** Labels every (query, model) pair (see the file comment). Failures are collected, not thrown. */
export async function labelQueries(o: LabelOptions): Promise<LabelResult> {
  checkInputs(o);
  const s = labelSettings(o);
  const ledger = o.ledger ?? Ledger.memory();
  const progress = o.progress ?? silentProgress;
  const conc = assertInteger('concurrency', o.concurrency ?? 4, 1, 1024);
  const client = (spec: { baseUrl: string; model: string; apiKeyEnv?: string }, c: number) =>
    new LlmClient({ ...o.client, baseUrl: spec.baseUrl, model: spec.model, apiKeyEnv: spec.apiKeyEnv, concurrency: c });
  const clients = new Map(o.models.map((m) => [m.name, client(m, m.concurrency ?? conc)]));
  const judge = client(o.judge, conc);
  const calls = { answers: { made: 0, replayed: 0 }, judge: { made: 0, replayed: 0 } };
  const usage = { answers: zero(), judge: zero() };
  const failures: LabelFailure[] = [];
  const scores = new Map<string, number>();
  const answerUsage = new Map<string, Usage>();
  // Bounds the pairs in progress (the clients bound the requests).
  const pairs = pLimit(Math.max(16, conc * o.models.length * 2));
  progress.start('label: calls', o.queries.length * o.models.length * 2);

  const one = async (q: SynthQuery, m: CandidateModel) => {
    const key = { query: q.id, model: m.name };
    let answer: string;
    try {
      const r = await ledger.run<{ text: string; finishReason: string }>(answerId(s, q, m), 'answer', key, async () => {
        const a = await (clients.get(m.name) as LlmClient).chat(answerMessages(q.prompt), { temperature: s.answerTemperature, maxTokens: s.answerMaxTokens });
        return { result: { text: a.text, finishReason: a.finishReason }, usage: a.usage };
      });
      calls.answers[r.cached ? 'replayed' : 'made']++;
      if (!r.cached) usage.answers = add(usage.answers, r.entry.usage);
      answer = r.entry.result.text;
      answerUsage.set(`${q.id}\0${m.name}`, r.entry.usage);
    } catch (err) {
      failures.push({ query: q.id, model: m.name, stage: 'answer', error: (err as Error).message });
      progress.tick(2);
      return;
    }
    progress.tick();
    try {
      const r = await ledger.run<{ score: number; reason: string }>(judgeId(s, q, m, o.judge, answer), 'judge', key, async () => {
        const j = await judge.chatJson<{ score: number; reason?: string }>(judgeMessages(q.prompt, q.reference, answer), JUDGE_SCHEMA, {
          temperature: 0,
          maxTokens: s.judgeMaxTokens,
        });
        return { result: { score: j.value.score, reason: j.value.reason ?? '' }, usage: j.usage, asks: j.asks };
      });
      calls.judge[r.cached ? 'replayed' : 'made']++;
      if (!r.cached) usage.judge = add(usage.judge, r.entry.usage);
      scores.set(`${q.id}\0${m.name}`, r.entry.result.score);
    } catch (err) {
      failures.push({ query: q.id, model: m.name, stage: 'judge', error: (err as Error).message });
    }
    progress.tick();
  };

  await Promise.all(o.queries.flatMap((q) => o.models.map((m) => pairs(() => one(q, m)))));
  progress.done(`${calls.answers.made + calls.judge.made} calls made, ${calls.answers.replayed + calls.judge.replayed} from the ledger`);

  let answerCost = 0;
  const records: LabelRecord[] = [];
  if (!failures.length) {
    for (const q of o.queries) {
      const rec: LabelRecord = { id: q.id, prompt: q.prompt, task: q.task, leaf: q.leaf, scores: {}, costs: {} };
      for (const m of o.models) {
        const k = `${q.id}\0${m.name}`;
        rec.scores[m.name] = scores.get(k) as number;
        const c = callCost(answerUsage.get(k) as Usage, m);
        rec.costs[m.name] = c;
        answerCost += c;
      }
      records.push(rec);
    }
  }
  const jp = { inputPrice: o.judge.inputPrice ?? 0, outputPrice: o.judge.outputPrice ?? 0 };
  return { records, failures, calls, usage, costUsd: { answers: answerCost, judge: callCost(usage.judge, jp) } };
}

export interface LabelEstimate {
  calls: { answers: number; judge: number; total: number };
  /** Calls already in the ledger. */
  cached: { answers: number; judge: number };
  /** Estimated prompt tokens (≈ characters / 4) and the completion budgets of the calls to make. */
  tokens: { prompt: number; completion: number };
  /** Upper-bound cost of the calls to make (completions at their full budget). */
  costUsd: { answers: number; judge: number; total: number; byModel: Record<string, number> };
}

/** What `labelQueries` would call and spend, without calling (the dry run). */
export function estimateLabel(o: Omit<LabelOptions, 'progress' | 'client'>): LabelEstimate {
  checkInputs(o as LabelOptions);
  const s = labelSettings(o);
  const ledger = o.ledger;
  const calls = { answers: 0, judge: 0, total: 0 };
  const cached = { answers: 0, judge: 0 };
  let prompt = 0;
  let completion = 0;
  const byModel: Record<string, number> = {};
  let judgeCost = 0;
  const jp = { inputPrice: o.judge.inputPrice ?? 0, outputPrice: o.judge.outputPrice ?? 0 };
  for (const m of o.models) byModel[m.name] = 0;
  for (const q of o.queries) {
    const aTokens = estimateTokens(answerMessages(q.prompt)[0].content);
    const jBase = estimateTokens(judgeMessages(q.prompt, q.reference, '')[0].content);
    for (const m of o.models) {
      const a = ledger?.get<{ text: string }>(answerId(s, q, m));
      let answerTokens: number;
      if (a) {
        cached.answers++;
        answerTokens = estimateTokens(a.result.text);
        if (ledger?.has(judgeId(s, q, m, o.judge, a.result.text))) {
          cached.judge++;
          continue;
        }
      } else {
        calls.answers++;
        prompt += aTokens;
        completion += s.answerMaxTokens;
        const c = callCost({ promptTokens: aTokens, completionTokens: s.answerMaxTokens }, m);
        byModel[m.name] += c;
        answerTokens = s.answerMaxTokens;
      }
      calls.judge++;
      prompt += jBase + answerTokens;
      completion += s.judgeMaxTokens;
      judgeCost += callCost({ promptTokens: jBase + answerTokens, completionTokens: s.judgeMaxTokens }, jp);
    }
  }
  calls.total = calls.answers + calls.judge;
  const answers = Object.values(byModel).reduce((x, y) => x + y, 0);
  return { calls, cached, tokens: { prompt, completion }, costUsd: { answers, judge: judgeCost, total: answers + judgeCost, byModel } };
}

/** Writes labelled records as canonical routing JSONL (id, prompt, task, leaf, scores, costs), atomically. */
export async function writeLabelledJsonl(records: LabelRecord[], path: string): Promise<void> {
  const w = await openAtomicWriter(path);
  try {
    for (const r of records) {
      const line: Record<string, unknown> = { id: r.id, prompt: r.prompt };
      if (r.task) line.task = r.task;
      if (r.leaf) line.leaf = r.leaf;
      line.scores = r.scores;
      line.costs = r.costs;
      await w.write(`${JSON.stringify(line)}\n`);
    }
    await w.commit();
  } catch (err) {
    await w.abort();
    throw err;
  }
}
