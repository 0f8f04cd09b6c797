// Request bodies of the routing server: JSON parsing and field-by-field validation with
// the library's exact messages (`Expected "lambda" to be a finite number >= 0, received
// -1`), so a client learns which field was wrong. Every failure is a RequestError
// carrying the HTTP status and an error code for the `{ "error": { code, message } }` body.

import { invalidParameter, outOfRange } from '../validate.js';

/** The error codes of the server's JSON error bodies (also the `code` label of taskroute_errors_total). */
export type ServerErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'too_many_prompts'
  | 'body_too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'overloaded'
  | 'shutting_down'
  | 'internal';

/** A request the server answers with an error status and a JSON error body. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: ServerErrorCode,
    message: string,
    /** The request field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** The routing policy of one request: exactly one mode, λ = 0 when none is given. */
export type Policy = { mode: 'lambda'; lambda: number } | { mode: 'budget'; budget: number } | { mode: 'minQuality'; minQuality: number };

export interface RouteRequest {
  prompts: string[];
  /** [prompts.length × dim] row-major, for routers with the precomputed embedder. */
  embeddings?: Float32Array;
  policy: Policy;
  explain: boolean;
  /** Tasks listed per decision with explain (default 3). */
  topTasks: number;
}

export interface EstimateRequest {
  prompts: string[];
  embeddings?: Float32Array;
}

/** What validation needs to know about the router and the server's limits. */
export interface RequestLimits {
  maxBatch: number;
  embedder: { kind: string; dim: number };
}

const ROUTE_FIELDS = ['prompts', 'prompt', 'lambda', 'budget', 'minQuality', 'explain', 'topTasks', 'embeddings'];
const ESTIMATE_FIELDS = ['prompts', 'prompt', 'embeddings'];
const MAX_TOP_TASKS = 100;

function fieldError(field: string, err: Error): RequestError {
  return new RequestError(400, 'invalid_request', err.message, field);
}

/** Parses a request body as JSON (UTF-8); an empty body is an error too. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new RequestError(400, 'invalid_json', 'the request body is empty; expected a JSON object');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new RequestError(400, 'invalid_json', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RequestError(400, 'invalid_json', `the request body is not valid JSON (${(err as Error).message})`);
  }
}

function asObject(body: unknown, known: string[], what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fieldError('body', invalidParameter('body', 'a JSON object', body));
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!known.includes(k)) throw new RequestError(400, 'invalid_request', `unknown field ${JSON.stringify(k)} in a ${what} request (known: ${known.join(', ')})`, k);
  return o;
}

function finiteNumber(o: Record<string, unknown>, field: string, min: number, max = Infinity): number {
  const v = o[field];
  if (typeof v !== 'number') throw fieldError(field, invalidParameter(field, 'a number', v));
  if (!Number.isFinite(v) || v < min || v > max)
    throw fieldError(field, outOfRange(field, max === Infinity ? `a finite number >= ${min}` : `a number in [${min}, ${max}]`, v));
  return v;
}

function promptsOf(o: Record<string, unknown>, limits: RequestLimits): string[] {
  const hasMany = o.prompts !== undefined;
  const hasOne = o.prompt !== undefined;
  if (hasMany && hasOne) throw new RequestError(400, 'invalid_request', 'give "prompts" (an array) or "prompt" (a string), not both', 'prompts');
  if (!hasMany && !hasOne) throw new RequestError(400, 'invalid_request', 'missing "prompts": give "prompts" (an array of strings) or "prompt" (a string)', 'prompts');
  if (hasOne) {
    if (typeof o.prompt !== 'string') throw fieldError('prompt', invalidParameter('prompt', 'a string', o.prompt));
    return [o.prompt];
  }
  const list = o.prompts;
  if (!Array.isArray(list)) throw fieldError('prompts', invalidParameter('prompts', 'an array of strings', list));
  if (list.length === 0) throw fieldError('prompts', outOfRange('prompts', 'a non-empty array of strings', list));
  if (list.length > limits.maxBatch)
    throw new RequestError(400, 'too_many_prompts', `Expected "prompts" to hold at most ${limits.maxBatch} prompts (the server's --max-batch), received ${list.length}`, 'prompts');
  for (let i = 0; i < list.length; i++)
    if (typeof list[i] !== 'string') throw fieldError(`prompts[${i}]`, invalidParameter(`prompts[${i}]`, 'a string', list[i]));
  return list as string[];
}

/** [n × dim] from `embeddings`: n rows of finite numbers, one width (the embedder's when known). */
function embeddingsOf(o: Record<string, unknown>, n: number, limits: RequestLimits): Float32Array | undefined {
  const precomputed = limits.embedder.kind === 'precomputed';
  const v = o.embeddings;
  if (v === undefined) {
    if (precomputed)
      throw new RequestError(400, 'invalid_request', `missing "embeddings": this router uses precomputed embeddings, so give one vector per prompt (an array of ${n} arrays of numbers)`, 'embeddings');
    return undefined;
  }
  if (!precomputed)
    throw new RequestError(400, 'invalid_request', `"embeddings" is only accepted by routers with the precomputed embedder; this router embeds the prompts itself (${limits.embedder.kind})`, 'embeddings');
  if (!Array.isArray(v)) throw fieldError('embeddings', invalidParameter('embeddings', `an array of ${n} arrays of numbers`, v));
  if (v.length !== n) throw fieldError('embeddings', outOfRange('embeddings', `an array of ${n} vectors (one per prompt)`, v));
  const first = v[0];
  if (!Array.isArray(first)) throw fieldError('embeddings[0]', invalidParameter('embeddings[0]', 'an array of numbers', first));
  const dim = limits.embedder.dim > 0 ? limits.embedder.dim : first.length;
  if (dim < 1) throw fieldError('embeddings[0]', outOfRange('embeddings[0]', 'a non-empty array of numbers', first));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const row = v[i];
    const name = `embeddings[${i}]`;
    if (!Array.isArray(row)) throw fieldError(name, invalidParameter(name, 'an array of numbers', row));
    if (row.length !== dim) throw fieldError(name, outOfRange(`${name}.length`, `${dim} (the embedding dimension)`, row.length));
    for (let j = 0; j < dim; j++) {
      const x = row[j];
      if (typeof x !== 'number') throw fieldError(`${name}[${j}]`, invalidParameter(`${name}[${j}]`, 'a number', x));
      if (!Number.isFinite(x)) throw fieldError(`${name}[${j}]`, outOfRange(`${name}[${j}]`, 'a finite number', x));
      out[i * dim + j] = x;
    }
  }
  return out;
}

/** Validates a POST /v1/route body. */
export function parseRouteRequest(body: unknown, limits: RequestLimits): RouteRequest {
  const o = asObject(body, ROUTE_FIELDS, '/v1/route');
  const prompts = promptsOf(o, limits);
  const modes = (['lambda', 'budget', 'minQuality'] as const).filter((k) => o[k] !== undefined);
  if (modes.length > 1)
    throw new RequestError(400, 'invalid_request', `Expected at most one of "lambda", "budget", "minQuality", received ${modes.join(', ')}`, modes[1]);
  let policy: Policy;
  if (modes[0] === 'budget') policy = { mode: 'budget', budget: finiteNumber(o, 'budget', 0) };
  else if (modes[0] === 'minQuality') policy = { mode: 'minQuality', minQuality: finiteNumber(o, 'minQuality', 0, 1) };
  else policy = { mode: 'lambda', lambda: o.lambda === undefined ? 0 : finiteNumber(o, 'lambda', 0) };
  let explain = false;
  if (o.explain !== undefined) {
    if (typeof o.explain !== 'boolean') throw fieldError('explain', invalidParameter('explain', 'a boolean', o.explain));
    explain = o.explain;
  }
  let topTasks = 3;
  if (o.topTasks !== undefined) {
    const t = o.topTasks;
    if (typeof t !== 'number') throw fieldError('topTasks', invalidParameter('topTasks', 'an integer', t));
    if (!Number.isInteger(t) || t < 1 || t > MAX_TOP_TASKS) throw fieldError('topTasks', outOfRange('topTasks', `an integer in [1, ${MAX_TOP_TASKS}]`, t));
    topTasks = t;
  }
  return { prompts, embeddings: embeddingsOf(o, prompts.length, limits), policy, explain, topTasks };
}

/** Validates a POST /v1/estimate body. */
export function parseEstimateRequest(body: unknown, limits: RequestLimits): EstimateRequest {
  const o = asObject(body, ESTIMATE_FIELDS, '/v1/estimate');
  const prompts = promptsOf(o, limits);
  return { prompts, embeddings: embeddingsOf(o, prompts.length, limits) };
}

/** Parses a byte size: 1048576, "512kb", "16mb", "1gb" (k/m/g = 1024-based; "b" optional). */
export function parseByteSize(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1) throw outOfRange('maxBodyBytes', 'an integer >= 1', v);
    return v;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|kib|mb|m|mib|gb|g|gib)?\s*$/i.exec(v);
  if (!m) throw new RangeError(`Expected a byte size such as 1048576, "512kb" or "16mb", received ${JSON.stringify(v)}`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const bytes = Math.floor(Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1));
  if (bytes < 1) throw new RangeError(`Expected a byte size of at least 1 byte, received ${JSON.stringify(v)}`);
  return bytes;
}
