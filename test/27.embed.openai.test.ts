// The OpenAI-compatible embedder against a real HTTP server on loopback: batching,
// ordering, concurrency, the cache (no second call; torn and corrupt records), the API
// key (Bearer header; never in the cache, the state or an error), and faults.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddingCache, crc32, textKey } from '../src/embed/cache.js';
import { embedderFromState } from '../src/embed/index.js';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '../src/embed/openai.js';
import { TaskrouteError } from '../src/errors.js';
import { sameBits } from './helpers-embed.js';

interface Req {
  body: { model: string; input: string[]; encoding_format?: string };
  headers: IncomingHttpHeaders;
}
type Handler = (req: Req, res: ServerResponse, n: number) => void | Promise<void>;

interface Fake {
  url: string;
  requests: Req[];
  maxInFlight: number;
  close(): Promise<void>;
}

const servers: Fake[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A deterministic "model": dim values from the text's characters (never all zero). */
function vectorOf(text: string, dim = 8): number[] {
  const v = Array.from({ length: dim }, (_, j) => 0.5 + ((j * 7 + 3) % 5));
  for (let i = 0; i < text.length; i++) v[i % dim] += (text.charCodeAt(i) % 17) - 8;
  return v;
}

function normalised(v: number[]): Float32Array {
  const f = Float32Array.from(v);
  let s = 0;
  for (const x of f) s += x * x;
  return f.map((x) => x / Math.sqrt(s));
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** Answers like a well-behaved server (data in reverse order, with indices). */
const good =
  (dim = 8): Handler =>
  (req, res) =>
    send(res, 200, {
      object: 'list',
      data: req.body.input.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t, dim) })).reverse(),
      model: req.body.model,
    });

async function fake(handler: Handler): Promise<Fake> {
  const requests: Req[] = [];
  let inFlight = 0;
  const f: Fake = { url: '', requests, maxInFlight: 0, close: async () => {} };
  const server: Server = createServer((rq, res) => {
    const chunks: Buffer[] = [];
    rq.on('data', (c: Buffer) => chunks.push(c));
    rq.on('end', async () => {
      const req: Req = { body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: rq.headers };
      requests.push(req);
      inFlight++;
      f.maxInFlight = Math.max(f.maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      await handler(req, res, requests.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  f.url = `http://127.0.0.1:${port}/v1`;
  f.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  servers.push(f);
  return f;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'taskroute-embed-'));

function embedder(f: Fake, o: Partial<OpenAIEmbedderOptions> = {}): OpenAIEmbedder {
  return new OpenAIEmbedder({ baseUrl: f.url, model: 'fake-embed', cacheDir: tmp(), maxRetries: 0, ...o });
}

describe('openai embedder', () => {
  it('batches, keeps input order, bounds concurrency and L2-normalises', async () => {
    const f = await fake(async (req, res) => {
      await new Promise((r) => setTimeout(r, 30));
      good()(req, res, 0);
    });
    const texts = Array.from({ length: 10 }, (_, i) => `prompt number ${i} ${'x'.repeat(i)}`);
    const e = embedder(f, { batchSize: 3, concurrency: 2 });
    const X = await e.embed(texts);
    expect(f.requests.map((r) => r.body.input.length).sort()).toEqual([1, 3, 3, 3]);
    expect(f.requests.flatMap((r) => r.body.input).sort()).toEqual([...texts].sort());
    expect(f.requests.every((r) => r.body.model === 'fake-embed' && r.body.encoding_format === undefined)).toBe(true);
    expect(f.maxInFlight).toBeLessThanOrEqual(2);
    expect(e.dim).toBe(8);
    texts.forEach((t, i) => {
      const want = normalised(vectorOf(t));
      for (let j = 0; j < 8; j++) expect(X[i * 8 + j]).toBeCloseTo(want[j], 6);
    });
  });

  it('serves reruns from the cache with no second call, and requests repeated texts once', async () => {
    const f = await fake(good());
    const dir = tmp();
    const texts = ['alpha', 'beta', 'alpha', '', 'gamma ✓ ünïcode'];
    const a = embedder(f, { cacheDir: dir });
    const X = await a.embed(texts);
    expect(f.requests.length).toBe(1);
    expect(f.requests[0].body.input).toEqual(['alpha', 'beta', ' ', 'gamma ✓ ünïcode']);
    expect(sameBits(X.subarray(0, 8), X.subarray(16, 24))).toBe(true);
    EmbeddingCache.forget(dir, 'fake-embed'); // as a new process would
    const b = embedder(f, { cacheDir: dir });
    const Y = await b.embed(texts);
    expect(f.requests.length).toBe(1);
    expect(b.requests).toBe(0);
    expect(sameBits(X, Y)).toBe(true);
    expect(b.dim).toBe(8);
    // only the new text is requested
    await b.embed(['beta', 'delta']);
    expect(f.requests.length).toBe(2);
    expect(f.requests[1].body.input).toEqual(['delta']);
  });

  it('sends the key as a Bearer header and never writes it to the cache, the state or an error', async () => {
    const key = 'sk-test-Very-Secret-4711';
    process.env.TR_TEST_EMBED_KEY = key;
    try {
      const f = await fake((req, res, n) => {
        if (n === 1) return good()(req, res, n);
        // a server that echoes the request headers in its error
        send(res, 400, { error: `bad request; you sent ${JSON.stringify(req.headers)}` });
      });
      const dir = tmp();
      const e = embedder(f, { apiKeyEnv: 'TR_TEST_EMBED_KEY', cacheDir: dir });
      await e.embed(['one', 'two']);
      expect(f.requests[0].headers.authorization).toBe(`Bearer ${key}`);
      for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(Buffer.from(key))).toBe(false);
      await e.embed(['three']).then(
        () => expect.unreachable(),
        (err: Error) => {
          expect(err.message).toMatch(/HTTP 400/);
          expect(err.message).toContain('[redacted]');
          expect(err.message).not.toContain(key);
          expect(err.stack ?? '').not.toContain(key);
        },
      );
      const s = e.state();
      expect(JSON.stringify(s)).not.toContain(key);
      expect(s.config.apiKeyEnv).toBe('TR_TEST_EMBED_KEY');
      delete process.env.TR_TEST_EMBED_KEY;
      const missing = await embedder(f, { apiKeyEnv: 'TR_TEST_EMBED_KEY' }).embed(['x']).catch((x: unknown) => x);
      expect((missing as TaskrouteError).code).toBe('ERR_TASKROUTE_CONFIG');
      expect((missing as Error).message).toMatch(/TR_TEST_EMBED_KEY is not set/);
    } finally {
      delete process.env.TR_TEST_EMBED_KEY;
    }
  });

  it('honours Retry-After on 429 and retries a 500', async () => {
    const f = await fake((req, res, n) => {
      if (n === 1) return send(res, 429, { error: 'slow down' }, { 'retry-after': '2' });
      if (n === 2) return send(res, 500, { error: 'oops' });
      good()(req, res, n);
    });
    const waits: number[] = [];
    const retries: number[] = [];
    const e = embedder(f, {
      maxRetries: 3,
      http: { sleep: async (ms) => void waits.push(ms), backoffMs: 10, onRetry: (i) => retries.push(i.status) },
    });
    const X = await e.embed(['retry me']);
    expect(f.requests.length).toBe(3);
    expect(retries).toEqual([429, 500]);
    expect(waits[0]).toBe(2000);
    // second retry: backoffMs · 2^(2−1) = 20 ms ± 25% jitter (Retry-After absent)
    expect(waits[1]).toBeGreaterThanOrEqual(15);
    expect(waits[1]).toBeLessThanOrEqual(25);
    expect(Array.from(X)).toEqual(Array.from(normalised(vectorOf('retry me'))));
  });

  it('gives up after maxRetries with the last reason and the URL', async () => {
    const f = await fake((_, res) => send(res, 503, { error: 'overloaded' }));
    const e = embedder(f, { maxRetries: 2, http: { sleep: async () => {} } });
    await expect(e.embed(['x'])).rejects.toThrow(`POST ${f.url}/embeddings failed after 3 attempts: HTTP 503`);
    expect(f.requests.length).toBe(3);
  });

  it('times out a server that does not answer', async () => {
    const f = await fake(() => {}); // never answers
    const e = embedder(f, { timeoutMs: 150 });
    const t0 = Date.now();
    await expect(e.embed(['x'])).rejects.toThrow(`POST ${f.url}/embeddings failed after 1 attempts: no answer within 150 ms`);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('names the URL of an unreachable port', async () => {
    const f = await fake(good());
    const url = f.url;
    await f.close();
    servers.splice(servers.indexOf(f), 1);
    const err = await new OpenAIEmbedder({ baseUrl: url, model: 'm', cacheDir: tmp(), maxRetries: 0 }).embed(['x']).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(TaskrouteError);
    expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_HTTP');
    expect((err as Error).message).toContain(`POST ${url}/embeddings failed`);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('rejects malformed answers: not JSON, wrong count, bad index, non-finite values, changing dim', async () => {
    const answers: ((req: Req) => string | object)[] = [
      () => 'this is not json',
      (req) => ({ data: req.body.input.slice(1).map((t, index) => ({ index, embedding: vectorOf(t) })) }),
      (req) => ({ data: req.body.input.map((t) => ({ index: 0, embedding: vectorOf(t) })) }),
      () => '{"data":[{"index":0,"embedding":[1e999,0.5]}]}',
      () => '{"data":[{"index":0,"embedding":[null,0.5]}]}',
      () => ({ result: [] }),
      () => ({ data: [{ index: 0, embedding: [0, 0, 0] }] }),
    ];
    const msgs = [
      /the answer is not JSON: this is not json/,
      /the answer has 1 embeddings for 2 inputs/,
      /index 0 appears twice/,
      /data\[0\]\.embedding\[0\] is Infinity, not a finite float32/,
      /data\[0\]\.embedding\[0\] is null, not a number/,
      /the answer has no "data" array/,
      /all zeros/,
    ];
    for (let k = 0; k < answers.length; k++) {
      const f = await fake((req, res) => send(res, 200, answers[k](req)));
      const inputs = k === 1 || k === 2 ? ['a', 'b'] : ['a'];
      const err = await embedder(f).embed(inputs).catch((x: unknown) => x);
      expect((err as Error).message, String(k)).toMatch(msgs[k]);
      expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_HTTP');
      expect((err as Error).message).toContain(k === 6 ? 'fake-embed' : `${f.url}/embeddings`);
    }
    // dimension: learned from the first answer, a later one with another is an error
    let dim = 8;
    const f = await fake((req, res) => good(dim)(req, res, 0));
    const e = embedder(f);
    await e.embed(['first']);
    dim = 5;
    await expect(e.embed(['second'])).rejects.toThrow(/embeddings of dimension 5, but earlier answers had 8/);
    await expect(embedder(f, { dim: 4 }).embed(['third'])).rejects.toThrow(/embeddings of dimension 5, but dim is set to 4/);
  });

  it('decodes base64 answers to the same vectors', async () => {
    const f = await fake((req, res) => {
      if (req.body.encoding_format !== 'base64') return good()(req, res, 0);
      send(res, 200, {
        data: req.body.input.map((t, index) => ({ index, embedding: Buffer.from(Float32Array.from(vectorOf(t)).buffer).toString('base64') })),
      });
    });
    const a = await embedder(f, { encodingFormat: 'base64' }).embed(['same text', 'other']);
    const b = await embedder(f).embed(['same text', 'other']);
    expect(f.requests[0].body.encoding_format).toBe('base64');
    expect(sameBits(a, b)).toBe(true);
  });

  it('ignores a torn last record and a corrupt record in the cache', async () => {
    const f = await fake(good());
    const dir = tmp();
    await embedder(f, { cacheDir: dir }).embed(['r0', 'r1', 'r2']);
    EmbeddingCache.forget(dir, 'fake-embed');
    const log = join(dir, readdirSync(dir).find((x) => x.endsWith('.log'))!);
    const recSize = 4 + 32 + 4 * 8 + 4;
    const full = readFileSync(log);
    const header = full.length - 3 * recSize;
    appendFileSync(log, full.subarray(header, header + recSize - 9)); // a killed writer's half record
    const b = embedder(f, { cacheDir: dir });
    await b.embed(['r0', 'r1', 'r2']);
    expect(f.requests.length).toBe(1);
    await b.embed(['r3']); // appended after the torn bytes are cut away
    expect(f.requests.length).toBe(2);
    EmbeddingCache.forget(dir, 'fake-embed');
    expect(readFileSync(log).length).toBe(header + 4 * recSize);
    await embedder(f, { cacheDir: dir }).embed(['r0', 'r1', 'r2', 'r3']);
    expect(f.requests.length).toBe(2);
    // flip a byte of r1's vector: its checksum fails, so only r1 is requested again
    const bytes = readFileSync(log);
    bytes[header + recSize + 40] ^= 0xff;
    writeFileSync(log, bytes);
    EmbeddingCache.forget(dir, 'fake-embed');
    await embedder(f, { cacheDir: dir }).embed(['r0', 'r1', 'r2', 'r3']);
    expect(f.requests.length).toBe(3);
    expect(f.requests[2].body.input).toEqual(['r1']);
    // the records are what the format says
    const rec = readFileSync(log).subarray(header, header + recSize);
    expect(rec.readUInt32LE(0)).toBe(0x31434552);
    expect(rec.subarray(4, 36).equals(textKey('r0'))).toBe(true);
    expect(rec.readUInt32LE(recSize - 4)).toBe(crc32(rec, 4, recSize - 4));
  });

  it('restores its config from the state, never a key', async () => {
    const f = await fake(good());
    const e = embedder(f, { apiKeyEnv: 'SOME_KEY_VAR', batchSize: 7, concurrency: 3, timeoutMs: 1234, dim: 8 });
    const s = e.state();
    expect(s).toEqual({
      kind: 'openai',
      config: { baseUrl: f.url, model: 'fake-embed', apiKeyEnv: 'SOME_KEY_VAR', batchSize: 7, concurrency: 3, timeoutMs: 1234, maxRetries: 0, encodingFormat: 'float', dim: 8 },
      tensors: {},
    });
    const r = embedderFromState(s, { cacheDir: tmp() }) as OpenAIEmbedder;
    expect(r).toBeInstanceOf(OpenAIEmbedder);
    expect(r.state()).toEqual(s);
    expect(r.dim).toBe(8);
  });

  it('validates its options', () => {
    expect(() => new OpenAIEmbedder({ baseUrl: 'ftp://x', model: 'm' })).toThrow('Expected "baseUrl" to be an http(s) URL, received "ftp://x"');
    expect(() => new OpenAIEmbedder({ baseUrl: 'http://x', model: '' })).toThrow('Expected "model" to be a non-empty string');
    expect(() => new OpenAIEmbedder({ baseUrl: 'http://x', model: 'm', batchSize: 0 })).toThrow('Expected "batchSize" to be an integer in [1, 100000], received 0');
    expect(() => new OpenAIEmbedder({ baseUrl: 'http://x', model: 'm', apiKeyEnv: 'sk-abc def' })).toThrow(/name of an environment variable/);
    expect(() => new OpenAIEmbedder({ baseUrl: 'http://x', model: 'm', apiKey: 'k' } as never)).toThrow('unknown openai embedder option "apiKey"');
  });
});
