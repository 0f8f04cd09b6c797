// The OpenAI-compatible embedder: POST {baseUrl}/embeddings on any server that speaks
// that API (vLLM, Ollama, TEI, llama.cpp server, hosted APIs), through the shared
// HttpClient (bounded concurrency, timeouts, retries honouring Retry-After), with an
// on-disk cache keyed by model and sha256(text) so reruns make no calls.
//
// The API key is read from the environment variable named by apiKeyEnv at request time;
// it is never stored in the state, the cache or a log, and it is scrubbed from any error
// message (a server may echo request headers back).

import { TaskrouteError } from '../errors.js';
import { HttpClient, HttpError, type HttpClientOptions } from '../http/client.js';
import { assertBoolean, assertInteger, assertObject, assertOneOf, assertString } from '../validate.js';
import { defaultEmbeddingCacheDir, EmbeddingCache, textKey } from './cache.js';
import { assertTexts } from './text.js';
import type { EmbedContext, Embedder, EmbedderState } from './types.js';

export interface OpenAIEmbedderOptions {
  /** Base URL of the API, e.g. "http://127.0.0.1:8000/v1"; requests go to {baseUrl}/embeddings. */
  baseUrl: string;
  /** Model name sent with every request (and the cache key). */
  model: string;
  /** Name of the environment variable holding the API key (sent as "Bearer"); none when unset. */
  apiKeyEnv?: string;
  /** Texts per request (default 64). */
  batchSize?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-attempt timeout in ms (default 60,000). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors (default 5). */
  maxRetries?: number;
  /** Vector dimension; learned from the first answer when absent (a later answer with another is an error). */
  dim?: number;
  /** 'float' (default) or 'base64' (little-endian float32, smaller answers). */
  encodingFormat?: 'float' | 'base64';
  /** Use the on-disk cache (default true). Not saved. */
  cache?: boolean;
  /** Cache directory (default $TASKROUTE_CACHE/embeddings, else ~/.cache/taskroute/embeddings). Not saved. */
  cacheDir?: string;
  /** Hooks of the HTTP client (tests, progress): sleep, onRetry, backoff. Not saved. */
  http?: Pick<HttpClientOptions, 'sleep' | 'onRetry' | 'backoffMs' | 'maxBackoffMs' | 'headers'>;
}

const KNOWN = ['baseUrl', 'model', 'apiKeyEnv', 'batchSize', 'concurrency', 'timeoutMs', 'maxRetries', 'dim', 'encodingFormat', 'cache', 'cacheDir', 'http'];

interface Config {
  baseUrl: string;
  model: string;
  apiKeyEnv?: string;
  batchSize: number;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
  dim?: number;
  encodingFormat: 'float' | 'base64';
}

function configOf(o: OpenAIEmbedderOptions): Config {
  assertObject('options', o);
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `unknown openai embedder option "${k}" (known: ${KNOWN.join(', ')})`);
  const baseUrl = assertString('baseUrl', o.baseUrl);
  const model = assertString('model', o.model);
  if (model === '') throw new RangeError('Expected "model" to be a non-empty string, received ""');
  const c: Config = {
    baseUrl,
    model,
    batchSize: assertInteger('batchSize', o.batchSize ?? 64, 1, 100_000),
    concurrency: assertInteger('concurrency', o.concurrency ?? 4, 1, 1024),
    timeoutMs: assertInteger('timeoutMs', o.timeoutMs ?? 60_000, 1),
    maxRetries: assertInteger('maxRetries', o.maxRetries ?? 5, 0, 100),
    encodingFormat: assertOneOf('encodingFormat', o.encodingFormat ?? 'float', ['float', 'base64'] as const),
  };
  if (o.apiKeyEnv !== undefined) {
    c.apiKeyEnv = assertString('apiKeyEnv', o.apiKeyEnv);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.apiKeyEnv))
      throw new RangeError(`Expected "apiKeyEnv" to be the name of an environment variable, received ${JSON.stringify(c.apiKeyEnv)}`);
  }
  if (o.dim !== undefined) c.dim = assertInteger('dim', o.dim, 1, 1 << 20);
  return c;
}

interface Answer {
  data?: { embedding?: unknown; index?: unknown }[];
}

export class OpenAIEmbedder implements Embedder {
  readonly kind = 'openai';
  private readonly c: Config;
  private readonly client: HttpClient;
  private readonly useCache: boolean;
  readonly cacheDir: string;
  private cacheP?: Promise<EmbeddingCache>;
  private learned?: number;
  /** Requests sent by this embedder (cache hits send none). */
  requests = 0;

  constructor(options: OpenAIEmbedderOptions) {
    this.c = configOf(options);
    this.useCache = options.cache === undefined ? true : assertBoolean('cache', options.cache);
    this.cacheDir = options.cacheDir === undefined ? defaultEmbeddingCacheDir() : assertString('cacheDir', options.cacheDir);
    this.client = new HttpClient({
      baseUrl: this.c.baseUrl,
      apiKeyEnv: this.c.apiKeyEnv,
      timeoutMs: this.c.timeoutMs,
      maxRetries: this.c.maxRetries,
      concurrency: this.c.concurrency,
      ...options.http,
    });
  }

  /** The vector dimension: configured, or learned from the first answer (0 before). */
  get dim(): number {
    return this.c.dim ?? this.learned ?? 0;
  }

  get model(): string {
    return this.c.model;
  }

  get baseUrl(): string {
    return this.c.baseUrl;
  }

  /** Nothing to fit: the model is remote. */
  async fit(texts: string[]): Promise<void> {
    assertTexts('texts', texts);
  }

  private cache(): Promise<EmbeddingCache> | undefined {
    if (!this.useCache) return undefined;
    this.cacheP ??= EmbeddingCache.open(this.cacheDir, this.c.model);
    return this.cacheP;
  }

  /** Scrubs the API key from an error (message and stack) before it leaves. */
  private scrub(err: unknown): unknown {
    const key = this.c.apiKeyEnv ? process.env[this.c.apiKeyEnv] : undefined;
    if (key && err instanceof Error) {
      const clean = (s: string | undefined) => (s === undefined ? s : s.split(key).join('[redacted]'));
      err.message = clean(err.message)!;
      err.stack = clean(err.stack);
    }
    return err;
  }

  private fail(url: string, why: string): HttpError {
    return new HttpError(`POST ${url}: ${why}`, { url, status: 200, attempts: 1 });
  }

  /** Checks one answer and returns its vectors in input order. */
  private parse(answer: unknown, count: number, url: string): Float32Array[] {
    const a = answer as Answer;
    if (typeof a !== 'object' || a === null || !Array.isArray(a.data)) throw this.fail(url, 'the answer has no "data" array');
    if (a.data.length !== count) throw this.fail(url, `the answer has ${a.data.length} embeddings for ${count} inputs`);
    const withIndex = a.data.filter((d) => d && d.index !== undefined).length;
    if (withIndex !== 0 && withIndex !== count) throw this.fail(url, 'some embeddings have an "index" and some do not');
    const out: (Float32Array | undefined)[] = new Array(count).fill(undefined);
    a.data.forEach((item, pos) => {
      if (typeof item !== 'object' || item === null) throw this.fail(url, `data[${pos}] is not an object`);
      const i = withIndex ? item.index : pos;
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= count) throw this.fail(url, `data[${pos}].index is ${JSON.stringify(i)}, expected an integer in [0, ${count})`);
      if (out[i]) throw this.fail(url, `index ${i} appears twice`);
      let v: Float32Array;
      const e = item.embedding;
      if (typeof e === 'string') {
        const b = Buffer.from(e, 'base64');
        if (b.length === 0 || b.length % 4) throw this.fail(url, `data[${pos}].embedding is base64 of ${b.length} bytes, not a whole number of float32`);
        v = new Float32Array(b.length / 4);
        new Uint8Array(v.buffer).set(b);
      } else if (Array.isArray(e)) {
        v = new Float32Array(e.length);
        for (let j = 0; j < e.length; j++) {
          const x = e[j];
          if (typeof x !== 'number') throw this.fail(url, `data[${pos}].embedding[${j}] is ${JSON.stringify(x)}, not a number`);
          v[j] = x;
        }
      } else {
        throw this.fail(url, `data[${pos}].embedding is missing or not an array`);
      }
      for (let j = 0; j < v.length; j++)
        if (!Number.isFinite(v[j])) throw this.fail(url, `data[${pos}].embedding[${j}] is ${v[j]}, not a finite float32`);
      if (v.length === 0) throw this.fail(url, `data[${pos}].embedding is empty`);
      out[i] = v;
    });
    return out as Float32Array[];
  }

  private checkDim(d: number, where: string): void {
    const want = this.c.dim ?? this.learned;
    if (want === undefined) {
      this.learned = d;
      return;
    }
    if (d !== want)
      throw new HttpError(
        `${where}: embeddings of dimension ${d}, but ${this.c.dim !== undefined ? 'dim is set to' : 'earlier answers had'} ${want} (model ${JSON.stringify(this.c.model)})`,
        { url: `${this.c.baseUrl}/embeddings`, status: 200, attempts: 1 },
      );
  }

  async embed(texts: string[], ctx?: EmbedContext): Promise<Float32Array> {
    assertTexts('texts', texts);
    try {
      return await this.embedChecked(texts, ctx);
    } catch (err) {
      throw this.scrub(err);
    }
  }

  private async embedChecked(texts: string[], ctx?: EmbedContext): Promise<Float32Array> {
    const n = texts.length;
    if (n === 0) return new Float32Array(0);
    // Unique texts, each requested once.
    const slot = new Map<string, number>();
    const uniq: string[] = [];
    const of = new Int32Array(n);
    texts.forEach((t, i) => {
      let u = slot.get(t);
      if (u === undefined) {
        u = uniq.length;
        slot.set(t, u);
        uniq.push(t);
      }
      of[i] = u;
    });
    const keys = uniq.map(textKey);
    const vecs: (Float32Array | undefined)[] = new Array(uniq.length).fill(undefined);
    const cacheP = this.cache();
    const cache = cacheP ? await cacheP : undefined;
    if (cache) {
      if (cache.dim !== undefined) this.checkDim(cache.dim, cache.logPath);
      (await cache.get(keys)).forEach((v, u) => (vecs[u] = v));
    }
    const missing: number[] = [];
    vecs.forEach((v, u) => v === undefined && missing.push(u));
    const progress = ctx?.progress;
    progress?.start(`embedding (${this.c.model})`, n);
    progress?.tick(n - missing.length);
    if (missing.length) {
      const url = `${this.c.baseUrl.replace(/\/+$/, '')}/embeddings`;
      // The first failure aborts the requests still queued or in flight.
      const abort = new AbortController();
      let first: { err: unknown } | undefined;
      const bs = this.c.batchSize;
      const jobs: Promise<void>[] = [];
      for (let b = 0; b < missing.length; b += bs) {
        const part = missing.slice(b, b + bs);
        jobs.push(
          (async () => {
            // Empty inputs are rejected by several servers; a single space embeds "nothing".
            const input = part.map((u) => (uniq[u] === '' ? ' ' : uniq[u]));
            const body: Record<string, unknown> = { model: this.c.model, input };
            if (this.c.encodingFormat === 'base64') body.encoding_format = 'base64';
            this.requests++;
            const answer = await this.client.postJson('embeddings', body, { signal: abort.signal });
            const got = this.parse(answer, part.length, url);
            for (const v of got) this.checkDim(v.length, `POST ${url}`);
            part.forEach((u, k) => (vecs[u] = got[k]));
            if (cache) await cache.put(part.map((u, k) => ({ key: keys[u], vector: got[k] })));
            progress?.tick(part.length);
          })().catch((err: unknown) => {
            first ??= { err };
            abort.abort();
          }),
        );
      }
      await Promise.all(jobs);
      if (cache) await cache.flush();
      if (first) throw first.err;
    }
    progress?.done();
    const d = this.dim;
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const v = vecs[of[i]]!;
      if (v.length !== d) this.checkDim(v.length, cache?.logPath ?? 'cache');
      let s = 0;
      for (let j = 0; j < d; j++) s += v[j] * v[j];
      if (s === 0) throw new HttpError(`the embedding of text ${i} is all zeros and cannot be normalised (model ${JSON.stringify(this.c.model)})`, { url: `${this.c.baseUrl}/embeddings`, status: 200, attempts: 1 });
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < d; j++) out[i * d + j] = v[j] * inv;
    }
    return out;
  }

  state(): EmbedderState {
    const config: Record<string, unknown> = {
      baseUrl: this.c.baseUrl,
      model: this.c.model,
      batchSize: this.c.batchSize,
      concurrency: this.c.concurrency,
      timeoutMs: this.c.timeoutMs,
      maxRetries: this.c.maxRetries,
      encodingFormat: this.c.encodingFormat,
    };
    if (this.c.apiKeyEnv !== undefined) config.apiKeyEnv = this.c.apiKeyEnv;
    if (this.dim) config.dim = this.dim;
    return { kind: 'openai', config, tensors: {} };
  }

  /** Rebuilds the embedder from state(); the key still comes from the environment. */
  static fromState(state: EmbedderState, options: Pick<OpenAIEmbedderOptions, 'cache' | 'cacheDir' | 'http'> = {}): OpenAIEmbedder {
    if (state?.kind !== 'openai') throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `openai embedder state: kind is ${JSON.stringify(state?.kind)}, expected "openai"`);
    const c = assertObject('state.config', state.config) as unknown as OpenAIEmbedderOptions;
    try {
      return new OpenAIEmbedder({ ...c, ...options });
    } catch (err) {
      throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `openai embedder state: ${(err as Error).message}`);
    }
  }
}
