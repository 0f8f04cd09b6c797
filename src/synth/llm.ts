// The LLM client of the synthesis pipeline: OpenAI-compatible /v1/chat/completions over the
// shared HttpClient (bounded concurrency, timeouts, retries honouring Retry-After). It returns
// the text and the token usage; in JSON mode it asks for a JSON object, reads it out of the
// answer (fences, prose, repairs), checks its shape, and re-asks — quoting the reason — when
// the answer cannot be used. The API key is read from an environment variable at call time
// and scrubbed from every error and every returned text.

import { TaskrouteError } from '../errors.js';
import { HttpClient, HttpError, type HttpClientOptions, type RetryInfo } from '../http/client.js';
import { assertInteger, assertNumber, assertString } from '../validate.js';
import { checkSchema, describeSchema, JsonAnswerError, parseJsonAnswer, type JsonSchema } from './json.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Tokens one call used; `estimated` when the server sent no usage (then ≈ characters / 4). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

export interface ChatOptions {
  /** Sampling temperature (default: the client's, else 0). */
  temperature?: number;
  /** Completion budget in tokens (default: the client's, else the server's). */
  maxTokens?: number;
  /** Sampling seed sent to the server (servers that support it answer deterministically). */
  seed?: number;
  signal?: AbortSignal;
}

export interface ChatResult {
  text: string;
  usage: Usage;
  /** The server's finish_reason ('stop', 'length', …; '' when absent). */
  finishReason: string;
}

export interface JsonChatResult<T> extends ChatResult {
  /** The parsed, shape-checked value. */
  value: T;
  /** How many times the model was asked (1 + re-asks); usage covers all of them. */
  asks: number;
  /** True when the accepted answer needed a repair to parse. */
  repaired: boolean;
}

export interface JsonChatOptions extends ChatOptions {
  /** Extra check after the schema (uniqueness, cross-field rules): a reason string rejects the value. */
  check?: (value: unknown) => string | undefined;
}

export interface LlmClientOptions {
  /** Endpoint base, e.g. "http://127.0.0.1:8000/v1" ("/v1" is added to a bare host; a trailing "/chat/completions" is dropped). */
  baseUrl: string;
  /** Model name sent in the request. */
  model: string;
  /** Name of the environment variable holding the API key (Bearer token); none when unset. */
  apiKeyEnv?: string;
  /** Per-attempt timeout in ms (default 120,000). */
  timeoutMs?: number;
  /** HTTP retries after the first attempt on 429 / 5xx / timeouts / dropped connections (default 5). */
  maxRetries?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** First backoff in ms, doubling each retry (default 500). */
  backoffMs?: number;
  /** Longest wait between attempts, Retry-After included (default 60,000). */
  maxBackoffMs?: number;
  /** Request `response_format: {type: 'json_object'}` in JSON calls (default true). */
  jsonMode?: boolean;
  /** Asks per JSON call, the first included: the rest are re-asks after an unusable answer (default 3). */
  jsonAttempts?: number;
  /** Default temperature (default 0). */
  temperature?: number;
  /** Default completion budget in tokens (default: none sent). */
  maxTokens?: number;
  /** Extra request headers (never put a key here: use apiKeyEnv). */
  headers?: Record<string, string>;
  onRetry?: (info: RetryInfo) => void;
  /** Sleep function for backoff waits (tests record or shorten them). */
  sleep?: (ms: number) => Promise<void>;
}

/** Normalises an OpenAI-compatible endpoint URL to the base that "chat/completions" is appended to. */
export function normaliseLlmUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`Expected "baseUrl" to be an http(s) URL, received ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TypeError(`Expected "baseUrl" to be an http(s) URL, received ${JSON.stringify(url)}`);
  let path = u.pathname.replace(/\/+$/, '');
  path = path.replace(/\/chat\/completions$/, '');
  if (path === '') path = '/v1';
  u.pathname = path;
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

/** Rough token count for text the server has not measured: ≈ 4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function excerpt(s: string, n = 200): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return JSON.stringify(t.length > n ? `${t.slice(0, n)}…` : t);
}

function addUsage(a: Usage, b: Usage): Usage {
  return { promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens, estimated: a.estimated || b.estimated };
}

interface CompletionBody {
  choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
  error?: { message?: unknown };
}

export class LlmClient {
  readonly model: string;
  readonly baseUrl: string;
  readonly apiKeyEnv: string | undefined;
  private readonly http: HttpClient;
  private readonly jsonMode: boolean;
  private readonly jsonAttempts: number;
  private readonly temperature: number;
  private readonly maxTokens: number | undefined;

  constructor(options: LlmClientOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('Expected "options" to be an object');
    this.model = assertString('model', options.model);
    if (!this.model.trim()) throw new RangeError('Expected "model" to be a non-empty string, received ""');
    if (options.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(options.apiKeyEnv)))
      throw new TypeError(`Expected "apiKeyEnv" to be the name of an environment variable, received ${JSON.stringify(options.apiKeyEnv)}`);
    this.apiKeyEnv = options.apiKeyEnv;
    this.baseUrl = normaliseLlmUrl(options.baseUrl);
    this.jsonMode = options.jsonMode ?? true;
    this.jsonAttempts = assertInteger('jsonAttempts', options.jsonAttempts ?? 3, 1, 20);
    this.temperature = assertNumber('temperature', options.temperature ?? 0, 0, 2);
    this.maxTokens = options.maxTokens === undefined ? undefined : assertInteger('maxTokens', options.maxTokens, 1);
    const http: HttpClientOptions = {
      baseUrl: this.baseUrl,
      apiKeyEnv: options.apiKeyEnv,
      headers: options.headers,
      timeoutMs: options.timeoutMs ?? 120_000,
      maxRetries: options.maxRetries,
      concurrency: options.concurrency,
      backoffMs: options.backoffMs,
      maxBackoffMs: options.maxBackoffMs,
      onRetry: options.onRetry,
      sleep: options.sleep,
    };
    this.http = new HttpClient(http);
  }

  /** Removes the API key from any text (answers and errors alike). */
  private scrub(text: string): string {
    const key = this.apiKeyEnv ? process.env[this.apiKeyEnv] : undefined;
    return key && key.length >= 4 ? text.split(key).join('[redacted]') : text;
  }

  private fail(message: string, cause?: unknown): TaskrouteError {
    return new TaskrouteError('ERR_TASKROUTE_LLM', this.scrub(`model ${this.model} at ${this.baseUrl}: ${message}`), cause ? { cause } : undefined);
  }

  private body(messages: ChatMessage[], o: ChatOptions, json: boolean): Record<string, unknown> {
    const b: Record<string, unknown> = {
      model: this.model,
      messages,
      temperature: o.temperature === undefined ? this.temperature : assertNumber('temperature', o.temperature, 0, 2),
    };
    const maxTokens = o.maxTokens ?? this.maxTokens;
    if (maxTokens !== undefined) b.max_tokens = assertInteger('maxTokens', maxTokens, 1);
    if (o.seed !== undefined) b.seed = assertInteger('seed', o.seed, 0);
    if (json && this.jsonMode) b.response_format = { type: 'json_object' };
    return b;
  }

  private validateMessages(messages: unknown): ChatMessage[] {
    if (!Array.isArray(messages) || messages.length === 0)
      throw new TypeError(`Expected "messages" to be a non-empty array of {role, content}, received ${Array.isArray(messages) ? 'an empty array' : typeof messages}`);
    messages.forEach((m, i) => {
      const r = (m as ChatMessage | null)?.role;
      if (r !== 'system' && r !== 'user' && r !== 'assistant')
        throw new TypeError(`Expected "messages[${i}].role" to be one of 'system', 'user', 'assistant', received ${JSON.stringify(r)}`);
      if (typeof (m as ChatMessage).content !== 'string')
        throw new TypeError(`Expected "messages[${i}].content" to be a string, received ${typeof (m as ChatMessage).content}`);
    });
    return messages as ChatMessage[];
  }

  private async send(messages: ChatMessage[], o: ChatOptions, json: boolean): Promise<ChatResult> {
    let res: CompletionBody;
    try {
      res = await this.http.postJson<CompletionBody>('chat/completions', this.body(messages, o, json), { signal: o.signal });
    } catch (err) {
      if (err instanceof HttpError) {
        const e = new HttpError(this.scrub(`model ${this.model}: ${err.message}`), { url: err.url, status: err.status, attempts: err.attempts });
        throw e;
      }
      throw err;
    }
    const choice = Array.isArray(res?.choices) ? res.choices[0] : undefined;
    const content = choice?.message?.content;
    if (typeof content !== 'string' && content !== null) {
      const msg = typeof res?.error?.message === 'string' ? `the server answered with an error: ${excerpt(res.error.message)}` : `the answer has no choices[0].message.content: ${excerpt(JSON.stringify(res ?? null))}`;
      throw this.fail(msg);
    }
    const text = this.scrub(content ?? '');
    const u = res.usage;
    const pt = Number(u?.prompt_tokens);
    const ct = Number(u?.completion_tokens);
    const measured = Number.isFinite(pt) && pt >= 0 && Number.isFinite(ct) && ct >= 0;
    const usage: Usage = measured
      ? { promptTokens: pt, completionTokens: ct, estimated: false }
      : { promptTokens: estimateTokens(messages.map((m) => m.content).join('\n')), completionTokens: estimateTokens(text), estimated: true };
    return { text, usage, finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : '' };
  }

  /** One chat completion: the answer's text and usage. */
  async chat(messages: ChatMessage[], options: ChatOptions = {}): Promise<ChatResult> {
    return this.send(this.validateMessages(messages), options, false);
  }

  /**
   * A chat completion whose answer must be JSON of the given shape. An unusable answer
   * (no JSON, unrepairable, wrong shape, rejected by `check`) is re-asked with the reason,
   * up to `jsonAttempts` asks in all; then ERR_TASKROUTE_LLM with the model and an excerpt.
   */
  async chatJson<T = unknown>(messages: ChatMessage[], schema: JsonSchema, options: JsonChatOptions = {}): Promise<JsonChatResult<T>> {
    let convo = this.validateMessages(messages);
    let usage: Usage = { promptTokens: 0, completionTokens: 0, estimated: false };
    let lastReason = '';
    let lastText = '';
    for (let ask = 1; ask <= this.jsonAttempts; ask++) {
      const r = await this.send(convo, options, true);
      usage = addUsage(usage, r.usage);
      let reason: string | undefined;
      let value: unknown;
      let repaired = false;
      try {
        ({ value, repaired } = parseJsonAnswer(r.text));
        reason = checkSchema(value, schema) ?? options.check?.(value);
      } catch (err) {
        if (!(err instanceof JsonAnswerError)) throw err;
        reason = err.message;
      }
      if (reason === undefined) return { text: r.text, usage, finishReason: r.finishReason, value: value as T, asks: ask, repaired };
      if (r.finishReason === 'length') reason += ' (the answer was cut off at the token limit)';
      lastReason = reason;
      lastText = r.text;
      convo = [
        ...messages,
        { role: 'assistant', content: r.text.length > 4000 ? `${r.text.slice(0, 4000)}…` : r.text },
        {
          role: 'user',
          content: `Your previous answer could not be used: ${reason}. Reply again with only a JSON value of the form ${describeSchema(schema)}, with no other text.`,
        },
      ];
    }
    throw this.fail(`no usable JSON after ${this.jsonAttempts} ask${this.jsonAttempts === 1 ? '' : 's'}: ${lastReason}; last answer ${excerpt(lastText)}`);
  }
}
