// The one HTTP client of taskroute, shared by the OpenAI-compatible embedder and the
// LLM client of the synthesis pipeline: JSON POSTs with bounded concurrency, timeouts,
// and retries with exponential backoff (plus jitter) on 429 / 5xx / network faults,
// honouring Retry-After. API keys come from an environment variable named by the
// caller and never appear in errors or logs.

import pLimit, { type LimitFunction } from 'p-limit';
import { TaskrouteError } from '../errors.js';

export interface HttpClientOptions {
  /** Base URL, e.g. "http://127.0.0.1:8000/v1"; request paths are appended to it. */
  baseUrl: string;
  /** Name of the environment variable holding the API key (sent as a Bearer token); none when unset. */
  apiKeyEnv?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Per-attempt timeout in ms (default 60,000). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors (default 5). */
  maxRetries?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** First backoff in ms; doubles each retry, with ±25% jitter (default 500). */
  backoffMs?: number;
  /** Longest wait between attempts, Retry-After included (default 60,000). */
  maxBackoffMs?: number;
  /** Called before each retry (for progress / tests); never given the API key. */
  onRetry?: (info: RetryInfo) => void;
  /** Sleep function (tests may shorten waits). */
  sleep?: (ms: number) => Promise<void>;
}

export interface RetryInfo {
  url: string;
  attempt: number;
  /** HTTP status, or 0 for a network error / timeout. */
  status: number;
  reason: string;
  waitMs: number;
}

export interface HttpErrorDetails {
  url: string;
  status: number;
  attempts: number;
}

/** A failed HTTP exchange: code ERR_TASKROUTE_HTTP, with the URL, status and attempts. */
export class HttpError extends TaskrouteError {
  readonly url: string;
  readonly status: number;
  readonly attempts: number;
  constructor(message: string, d: HttpErrorDetails, options?: { cause?: unknown }) {
    super('ERR_TASKROUTE_HTTP', message, options);
    this.url = d.url;
    this.status = d.status;
    this.attempts = d.attempts;
  }
}

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Parses Retry-After (seconds or an HTTP date) into ms; undefined when absent or junk. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly o: Required<Omit<HttpClientOptions, 'apiKeyEnv' | 'onRetry' | 'headers'>> &
    Pick<HttpClientOptions, 'apiKeyEnv' | 'onRetry' | 'headers'>;
  private readonly limit: LimitFunction;

  constructor(options: HttpClientOptions) {
    let u: URL;
    try {
      u = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`Expected "baseUrl" to be an http(s) URL, received ${JSON.stringify(options.baseUrl)}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new TypeError(`Expected "baseUrl" to be an http(s) URL, received ${JSON.stringify(options.baseUrl)}`);
    const int = (name: string, v: number | undefined, def: number, min: number) => {
      const x = v ?? def;
      if (!Number.isInteger(x) || x < min) throw new RangeError(`Expected "${name}" to be an integer >= ${min}, received ${x}`);
      return x;
    };
    this.baseUrl = options.baseUrl;
    this.o = {
      baseUrl: options.baseUrl,
      apiKeyEnv: options.apiKeyEnv,
      headers: options.headers,
      timeoutMs: int('timeoutMs', options.timeoutMs, 60_000, 1),
      maxRetries: int('maxRetries', options.maxRetries, 5, 0),
      concurrency: int('concurrency', options.concurrency, 4, 1),
      backoffMs: int('backoffMs', options.backoffMs, 500, 0),
      maxBackoffMs: int('maxBackoffMs', options.maxBackoffMs, 60_000, 0),
      onRetry: options.onRetry,
      sleep: options.sleep ?? defaultSleep,
    };
    this.limit = pLimit(this.o.concurrency);
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...this.o.headers };
    if (this.o.apiKeyEnv) {
      const key = process.env[this.o.apiKeyEnv];
      if (!key)
        throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `the API key variable ${this.o.apiKeyEnv} is not set in the environment`);
      h.authorization = `Bearer ${key}`;
    }
    return h;
  }

  /** Removes the API key from text that came back from the server (an endpoint may echo headers). */
  private scrub(text: string): string {
    const key = this.o.apiKeyEnv ? process.env[this.o.apiKeyEnv] : undefined;
    return key && key.length >= 4 ? text.split(key).join('[redacted]') : text;
  }

  private backoff(attempt: number, retryAfter: number | undefined): number {
    if (retryAfter !== undefined) return Math.min(retryAfter, this.o.maxBackoffMs);
    const base = this.o.backoffMs * 2 ** (attempt - 1);
    const jitter = base * (0.75 + Math.random() * 0.5);
    return Math.min(Math.round(jitter), this.o.maxBackoffMs);
  }

  /** POSTs JSON to baseUrl + path and returns the parsed JSON answer (retrying as configured). */
  postJson<T = unknown>(path: string, body: unknown, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.limit(() => this.attempts<T>(path, body, options.signal));
  }

  private async attempts<T>(path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const url = joinUrl(this.baseUrl, path);
    const payload = JSON.stringify(body);
    const headers = this.headers();
    let last = '';
    let lastStatus = 0;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let reason: string;
      let retryAfter: number | undefined;
      try {
        const timeout = AbortSignal.timeout(this.o.timeoutMs);
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body: payload,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        status = res.status;
        const text = await res.text();
        if (res.ok) {
          try {
            return JSON.parse(text) as T;
          } catch {
            throw new HttpError(`POST ${url}: the answer is not JSON: ${this.scrub(text).slice(0, 200)}`, { url, status, attempts: attempt });
          }
        }
        reason = `HTTP ${status}: ${this.scrub(text).slice(0, 300)}`;
        retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        if (!RETRY_STATUS.has(status)) throw new HttpError(`POST ${url} failed: ${reason}`, { url, status, attempts: attempt });
      } catch (err) {
        if (err instanceof HttpError) throw err;
        if (signal?.aborted) throw new HttpError(`POST ${url}: aborted`, { url, status: 0, attempts: attempt }, { cause: err });
        const e = err as Error & { cause?: { code?: string; message?: string } };
        reason =
          e.name === 'TimeoutError' || e.name === 'AbortError'
            ? `no answer within ${this.o.timeoutMs} ms`
            : `${e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`;
      }
      last = reason;
      lastStatus = status;
      if (attempt > this.o.maxRetries) break;
      const waitMs = this.backoff(attempt, retryAfter);
      this.o.onRetry?.({ url, attempt, status, reason, waitMs });
      await this.o.sleep(waitMs);
    }
    throw new HttpError(`POST ${url} failed after ${this.o.maxRetries + 1} attempts: ${last}`, {
      url,
      status: lastStatus,
      attempts: this.o.maxRetries + 1,
    });
  }
}
