// The routing server: a node:http server over one loaded router. POST /v1/route and
// POST /v1/estimate go through the micro-batcher (one native batch for many small
// requests); GET /v1/router, /healthz and /metrics describe the router and the server.
// Every failure is a JSON error body with a code; nothing a client sends can crash the
// process. close() drains: it stops accepting, runs what is queued, answers every request
// in flight, then resolves.
//
//   const router = await Router.load('router.safetensors');
//   const s = createRoutingServer(router, { batchWindowMs: 2 });
//   const { url } = await s.listen(8080, '127.0.0.1');
//   …
//   await s.close();

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from '../api.js';
import { TaskrouteError } from '../errors.js';
import { version } from '../info.js';
import { assertInteger, assertNumber, assertString, invalidParameter } from '../validate.js';
import { MicroBatcher, QueueFullError, type BatchInput, type BatchOutput } from './batcher.js';
import { decide } from './decide.js';
import { ServerMetrics } from './metrics.js';
import {
  RequestError,
  parseByteSize,
  parseEstimateRequest,
  parseJsonBody,
  parseRouteRequest,
  type RequestLimits,
  type ServerErrorCode,
} from './request.js';

export { MicroBatcher, QueueFullError, sliceEstimate, type BatchInput, type BatchOutput, type BatchRunner, type MicroBatcherOptions } from './batcher.js';
export { ServerMetrics, LATENCY_BUCKETS, BATCH_SIZE_BUCKETS } from './metrics.js';
export { RequestError, parseByteSize, parseRouteRequest, parseEstimateRequest, type ServerErrorCode, type Policy, type RouteRequest, type EstimateRequest } from './request.js';
export { decide } from './decide.js';

/** What the server uses of a Router (a loaded or freshly trained one). */
export type ServableRouter = Pick<Router, 'method' | 'models' | 'costRef' | 'embedder' | 'training' | 'trainMeans' | 'diagnostics' | 'estimate' | 'route'>;

export interface RoutingServerOptions {
  /** Most prompts in one native batch, and in one request (default 4096). */
  maxBatch?: number;
  /** Largest request body: bytes, or a size such as "16mb" (default 16 MiB); larger → 413. */
  maxBody?: number | string;
  /** Native batches running at once (default 1: each batch already uses every core). */
  concurrency?: number;
  /** How long an idle server waits to coalesce requests into one batch, in ms (default 2; 0: same event-loop turn only). */
  batchWindowMs?: number;
  /** Most prompts waiting for a batch; beyond it requests get 503 "overloaded" (default 16 × maxBatch). */
  maxQueuedPrompts?: number;
  /** close(): how long in-flight requests may take before their connections are cut, in ms (default 30,000; 0: no limit). */
  shutdownTimeoutMs?: number;
  /** Time allowed to receive one whole request, in ms (default 60,000). */
  requestTimeoutMs?: number;
  /** Called once per request after its response (or the client's disconnect); none by default. */
  log?: (entry: RequestLogEntry) => void;
  /** Put the prompts into the log entries (default false: prompts never reach the log). */
  logPrompts?: boolean;
}

/** One request, as logged. */
export interface RequestLogEntry {
  /** ISO time the request arrived. */
  time: string;
  method: string;
  path: string;
  /** HTTP status; 0 when the client went away before the answer. */
  status: number;
  /** Milliseconds from arrival to the last byte of the answer. */
  ms: number;
  remote?: string;
  /** Prompts in the request (route / estimate). */
  prompts?: number;
  /** Prompts and requests of the native batch the request rode in. */
  batchPrompts?: number;
  batchRequests?: number;
  /** Error code and message of an error answer. */
  code?: ServerErrorCode;
  error?: string;
  /** The stack of an internal error (never sent to the client). */
  stack?: string;
  /** The prompts themselves, only with logPrompts. */
  promptTexts?: string[];
}

export interface RoutingServerStats {
  inflightRequests: number;
  queuedPrompts: number;
  queuedRequests: number;
  inflightBatches: number;
  batches: number;
  closing: boolean;
}

export interface RoutingServer {
  /** The node:http server (not listening until listen()). */
  readonly server: Server;
  readonly metrics: ServerMetrics;
  /** Starts listening (default 127.0.0.1:8080; port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<{ host: string; port: number; url: string }>;
  /** Graceful stop: refuse new connections, run the queue, answer in-flight requests, then resolve. */
  close(): Promise<void>;
  stats(): RoutingServerStats;
}

type RouteName = '/v1/route' | '/v1/estimate' | '/v1/router' | '/healthz' | '/metrics';
const ROUTES: Record<RouteName, string[]> = {
  '/v1/route': ['POST'],
  '/v1/estimate': ['POST'],
  '/v1/router': ['GET', 'HEAD'],
  '/healthz': ['GET', 'HEAD'],
  '/metrics': ['GET', 'HEAD'],
};

interface Ctx {
  entry: RequestLogEntry;
  route: string;
  closing: boolean;
}

function checkOptions(o: RoutingServerOptions): Required<Omit<RoutingServerOptions, 'log' | 'maxBody'>> & { maxBodyBytes: number; log?: RoutingServerOptions['log'] } {
  if (typeof o !== 'object' || o === null) throw invalidParameter('options', 'an object', o);
  const maxBatch = assertInteger('maxBatch', o.maxBatch ?? 4096, 1, 1 << 20);
  let maxBodyBytes: number;
  try {
    maxBodyBytes = parseByteSize(o.maxBody ?? 16 * 1024 * 1024);
  } catch (err) {
    throw new RangeError(`"maxBody": ${(err as Error).message}`);
  }
  if (o.log !== undefined && typeof o.log !== 'function') throw invalidParameter('log', 'a function', o.log);
  if (o.logPrompts !== undefined && typeof o.logPrompts !== 'boolean') throw invalidParameter('logPrompts', 'a boolean', o.logPrompts);
  return {
    maxBatch,
    maxBodyBytes,
    concurrency: assertInteger('concurrency', o.concurrency ?? 1, 1, 1024),
    batchWindowMs: assertNumber('batchWindowMs', o.batchWindowMs ?? 2, 0, 10_000),
    maxQueuedPrompts: assertInteger('maxQueuedPrompts', o.maxQueuedPrompts ?? 16 * maxBatch, maxBatch),
    shutdownTimeoutMs: assertInteger('shutdownTimeoutMs', o.shutdownTimeoutMs ?? 30_000, 0),
    requestTimeoutMs: assertInteger('requestTimeoutMs', o.requestTimeoutMs ?? 60_000, 1),
    logPrompts: o.logPrompts ?? false,
    log: o.log,
  };
}

/** Reads the whole body, at most `limit` bytes; a larger one is a 413 (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new RequestError(413, 'body_too_large', `the request body is ${declared} bytes; the limit is ${limit} (--max-body)`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (over) return;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        // Answer now; the rest of the body is read and dropped so the client sees the 413.
        reject(new RequestError(413, 'body_too_large', `the request body exceeds the limit of ${limit} bytes (--max-body)`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => reject(err));
    req.on('aborted', () => reject(new Error('the client aborted the request')));
  });
}

function statusFor(err: unknown): { status: number; code: ServerErrorCode; message: string; field?: string; stack?: string } {
  if (err instanceof RequestError) return { status: err.status, code: err.code, message: err.message, field: err.field };
  if (err instanceof QueueFullError) return { status: 503, code: 'overloaded', message: err.message };
  if (err instanceof TaskrouteError && err.code === 'ERR_TASKROUTE_DATA') return { status: 400, code: 'invalid_request', message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  const code = err instanceof TaskrouteError ? ` (${err.code})` : '';
  return { status: 500, code: 'internal', message: `internal error${code}: ${e.message}`, stack: e.stack };
}

/** Text log line: time, method, path, status, ms, then key=value fields. */
export function formatLogEntry(e: RequestLogEntry, json = false): string {
  if (json) return JSON.stringify(e);
  const parts = [e.time, e.method, e.path, String(e.status || 'aborted'), `${e.ms.toFixed(2)}ms`];
  if (e.prompts !== undefined) parts.push(`prompts=${e.prompts}`);
  if (e.batchPrompts !== undefined) parts.push(`batch=${e.batchPrompts}/${e.batchRequests}req`);
  if (e.code) parts.push(`code=${e.code}`);
  if (e.error) parts.push(`error=${JSON.stringify(e.error)}`);
  if (e.promptTexts) parts.push(`prompts_text=${JSON.stringify(e.promptTexts)}`);
  return parts.join(' ');
}

/** A routing server over `router` (call listen() to start it). */
export function createRoutingServer(router: ServableRouter, options: RoutingServerOptions = {}): RoutingServer {
  if (typeof router !== 'object' || router === null || typeof router.estimate !== 'function' || typeof router.route !== 'function')
    throw invalidParameter('router', 'a Router (Router.load or Router.train)', router);
  const o = checkOptions(options);
  const models = [...router.models];
  const limits: RequestLimits = { maxBatch: o.maxBatch, embedder: { kind: router.embedder.kind, dim: router.embedder.dim } };
  let inflight = 0;
  let closing = false;
  let closePromise: Promise<void> | undefined;

  const runBatch = async (input: BatchInput): Promise<BatchOutput> => {
    if (input.explainTop === 0) return { est: await router.estimate(input.prompts, input.embeddings) };
    // Explain needs the router's task posterior, which only route() exposes; its every-model
    // estimates are the float32 values of the batch estimate, so the policy is re-applied exactly.
    const r = await router.route(input.prompts, { explain: true, topTasks: input.explainTop, embeddings: input.embeddings });
    const n = r.decisions.length;
    const M = models.length;
    const quality = new Float32Array(n * M);
    const cost = new Float32Array(n * M);
    r.decisions.forEach((d, i) => {
      d.estimates!.forEach((e, j) => {
        quality[i * M + j] = e.quality;
        cost[i * M + j] = e.cost;
      });
    });
    const tasks = r.decisions.every((d) => d.tasks) ? r.decisions.map((d) => d.tasks!) : undefined;
    return { est: { quality, cost, n, models: M }, tasks };
  };

  const metrics = new ServerMetrics({ method: router.method, version: version(), models: models.length }, () => ({
    inflightRequests: inflight,
    queuedPrompts: batcher.queuedPrompts,
    inflightBatches: batcher.inflightBatches,
  }));
  const batcher = new MicroBatcher(runBatch, {
    maxBatch: o.maxBatch,
    windowMs: o.batchWindowMs,
    concurrency: o.concurrency,
    maxQueuedPrompts: o.maxQueuedPrompts,
    onBatch: (b) => {
      metrics.batches.inc({ status: b.ok ? 'ok' : 'error' });
      metrics.batchSize.observe(b.prompts);
      metrics.batchSeconds.observe(b.seconds);
    },
  });

  const send = (res: ServerResponse, ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.headersSent || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.statusCode = status;
    res.setHeader('content-type', typeof body === 'string' ? 'text/plain; version=0.0.4; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('content-length', Buffer.byteLength(text));
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (closing || ctx.closing) res.setHeader('connection', 'close');
    res.end(text);
  };

  const fail = (res: ServerResponse, ctx: Ctx, err: unknown) => {
    const s = statusFor(err);
    ctx.entry.code = s.code;
    ctx.entry.error = s.message;
    if (s.stack) ctx.entry.stack = s.stack;
    metrics.errors.inc({ code: s.code });
    const headers: Record<string, string> = {};
    if (s.code === 'overloaded' || s.code === 'shutting_down') headers['retry-after'] = '1';
    if (s.code === 'body_too_large') ctx.closing = true;
    if (s.code === 'method_not_allowed') headers.allow = ROUTES[ctx.route as RouteName].join(', ');
    send(res, ctx, s.status, { error: { code: s.code, message: s.message, ...(s.field !== undefined ? { field: s.field } : {}) } }, headers);
  };

  const routerInfo = () => ({
    method: router.method,
    models,
    costRef: router.costRef,
    embedder: { kind: router.embedder.kind, dim: router.embedder.dim },
    training: router.training,
    trainMeans: router.trainMeans,
    diagnostics: router.diagnostics(),
    server: {
      taskrouteVersion: version(),
      maxBatch: o.maxBatch,
      maxBodyBytes: o.maxBodyBytes,
      batchWindowMs: o.batchWindowMs,
      concurrency: o.concurrency,
    },
  });

  async function handle(req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
    const path = ctx.entry.path;
    if (!(path in ROUTES)) throw new RequestError(404, 'not_found', `no such endpoint: ${req.method} ${path} (endpoints: ${Object.keys(ROUTES).join(', ')})`);
    ctx.route = path;
    const allowed = ROUTES[path as RouteName];
    if (!allowed.includes(req.method ?? '')) throw new RequestError(405, 'method_not_allowed', `${path} accepts ${allowed.join(', ')}, not ${req.method}`);
    if (closing && path !== '/healthz' && path !== '/metrics') throw new RequestError(503, 'shutting_down', 'the server is shutting down');
    switch (path as RouteName) {
      case '/healthz':
        return send(res, ctx, closing ? 503 : 200, { status: closing ? 'shutting_down' : 'ok' });
      case '/metrics':
        return send(res, ctx, 200, metrics.render());
      case '/v1/router':
        return send(res, ctx, 200, routerInfo());
      case '/v1/route': {
        const body = parseJsonBody(await readBody(req, o.maxBodyBytes));
        const r = parseRouteRequest(body, limits);
        ctx.entry.prompts = r.prompts.length;
        if (o.logPrompts) ctx.entry.promptTexts = r.prompts;
        const out = await batcher.submit({ prompts: r.prompts, embeddings: r.embeddings, explainTop: r.explain ? r.topTasks : 0 });
        ctx.entry.batchPrompts = out.batchPrompts;
        ctx.entry.batchRequests = out.batchRequests;
        const result = decide(models, router.costRef, out.est, r.policy, r.explain, out.tasks);
        metrics.prompts.inc({ route: path }, r.prompts.length);
        for (const d of result.decisions) metrics.choices.inc({ model: d.model });
        return send(res, ctx, 200, result);
      }
      case '/v1/estimate': {
        const body = parseJsonBody(await readBody(req, o.maxBodyBytes));
        const r = parseEstimateRequest(body, limits);
        ctx.entry.prompts = r.prompts.length;
        if (o.logPrompts) ctx.entry.promptTexts = r.prompts;
        const out = await batcher.submit({ prompts: r.prompts, embeddings: r.embeddings, explainTop: 0 });
        ctx.entry.batchPrompts = out.batchPrompts;
        ctx.entry.batchRequests = out.batchRequests;
        const M = out.est.models;
        const rows = (a: Float32Array) => Array.from({ length: out.est.n }, (_, i) => Array.from(a.subarray(i * M, i * M + M)));
        metrics.prompts.inc({ route: path }, r.prompts.length);
        return send(res, ctx, 200, { models, quality: rows(out.est.quality), cost: rows(out.est.cost) });
      }
    }
  }

  const server = createServer((req, res) => {
    const t0 = process.hrtime.bigint();
    inflight++;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const ctx: Ctx = {
      entry: { time: new Date().toISOString(), method: req.method ?? '', path: q >= 0 ? url.slice(0, q) : url, status: 0, ms: 0, remote: req.socket.remoteAddress },
      route: 'other',
      closing: false,
    };
    res.on('close', () => {
      inflight--;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      ctx.entry.ms = seconds * 1000;
      ctx.entry.status = res.writableFinished ? res.statusCode : 0;
      metrics.requests.inc({ route: ctx.route, status: String(ctx.entry.status) });
      metrics.latency.observe(seconds, { route: ctx.route });
      if (o.log) {
        try {
          o.log(ctx.entry);
        } catch {
          // a failing logger must not take the server down
        }
      }
      if (closing) server.closeIdleConnections();
    });
    handle(req, res, ctx).catch((err: unknown) => {
      try {
        fail(res, ctx, err);
      } catch {
        res.destroy();
      }
    });
  });
  server.requestTimeout = o.requestTimeoutMs;
  server.headersTimeout = Math.min(o.requestTimeoutMs, 60_000);

  return {
    server,
    metrics,
    listen(port = 8080, host = '127.0.0.1') {
      assertInteger('port', port, 0, 65535);
      assertString('host', host);
      if (closing) return Promise.reject(new TaskrouteError('ERR_TASKROUTE_CONFIG', 'the routing server was closed; create a new one'));
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          const why = err.code === 'EADDRINUSE' ? 'the address is already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
          reject(new TaskrouteError('ERR_TASKROUTE_CONFIG', `cannot listen on ${host}:${port}: ${why}`, { cause: err }));
        };
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const a = server.address() as AddressInfo;
          const h = a.address.includes(':') ? `[${a.address}]` : a.address;
          resolve({ host: a.address, port: a.port, url: `http://${h}:${a.port}` });
        });
      });
    },
    close() {
      closePromise ??= new Promise<void>((resolve) => {
        closing = true;
        batcher.flush();
        const cut = o.shutdownTimeoutMs > 0 ? setTimeout(() => server.closeAllConnections(), o.shutdownTimeoutMs) : undefined;
        cut?.unref();
        server.close(() => {
          if (cut) clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closePromise;
    },
    stats: () => ({
      inflightRequests: inflight,
      queuedPrompts: batcher.queuedPrompts,
      queuedRequests: batcher.queuedRequests,
      inflightBatches: batcher.inflightBatches,
      batches: batcher.batches,
      closing,
    }),
  };
}
