// The routing server on loopback: every endpoint, every error, micro-batching identity,
// a bounded load test and graceful shutdown (in-process and through `taskroute serve`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../src/api.js';
import { withValidation } from '../src/data/index.js';
import { syntheticRoutingData } from '../src/eval/synthetic.js';
import { createRoutingServer, type RoutingServer } from '../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tr-server-'));
const data = withValidation(syntheticRoutingData({ nTrain: 600, nTest: 100, seed: 9 }), 0.1, 0);
const prompts = data.prompts.slice(0, 40);
let router: Router;
let s: RoutingServer;
let url: string;

beforeAll(async () => {
  router = await Router.train(data, { method: 'finerouter', options: { moeFolds: 2, epochs: 10 } });
  await router.save(join(dir, 'r.safetensors'));
  s = createRoutingServer(router, { batchWindowMs: 5, maxBatch: 64, maxBody: '64kb' });
  ({ url } = await s.listen(0, '127.0.0.1'));
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown, raw = false): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

describe('routing server', () => {
  it('routes like the library, one prompt or many, with every policy', async () => {
    const lib = await router.route(prompts, { lambda: 1 });
    const r = await post('/v1/route', { prompts, lambda: 1 });
    expect(r.status).toBe(200);
    expect(r.json.decisions.map((d: { model: string }) => d.model)).toEqual(lib.decisions.map((d) => d.model));
    expect(r.json.decisions[0].quality).toBeCloseTo(lib.decisions[0].quality, 6);
    const one = await post('/v1/route', { prompt: prompts[0] });
    expect(one.json.decisions).toHaveLength(1);
    const b = await post('/v1/route', { prompts, budget: lib.estimatedCost / 2 });
    expect(b.json.estimatedCost).toBeLessThanOrEqual(lib.estimatedCost / 2 + 1e-12);
    const f = await post('/v1/route', { prompts, minQuality: 0.5, explain: true });
    expect(f.json.decisions[0].estimates).toHaveLength(router.models.length);
    expect(f.json.decisions[0].tasks.length).toBeGreaterThan(0);
    const e = await post('/v1/estimate', { prompts: prompts.slice(0, 3) });
    expect(e.json.models).toEqual(router.models);
    expect(e.json.quality).toHaveLength(3);
    expect(e.json.cost[0]).toHaveLength(router.models.length);
  });

  it('coalesces concurrent requests into batches and answers each with its own decisions', async () => {
    const single = await Promise.all(prompts.map((p) => router.route([p], { lambda: 0.5 })));
    const before = s.stats().batches;
    const answers = await Promise.all(prompts.map((p) => post('/v1/route', { prompt: p, lambda: 0.5 })));
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      expect(a.json.decisions[0].model).toBe(single[i].decisions[0].model);
      expect(a.json.decisions[0].quality).toBeCloseTo(single[i].decisions[0].quality, 5);
    });
    expect(s.stats().batches - before).toBeLessThan(prompts.length);
  });

  it('describes the router, reports health and Prometheus metrics', async () => {
    const info = (await (await fetch(`${url}/v1/router`)).json()) as any;
    expect(info.method).toBe('finerouter');
    expect(info.models).toEqual(router.models);
    expect(info.training.sha256).toBe(router.training.sha256);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const m = await (await fetch(`${url}/metrics`)).text();
    expect(m).toMatch(/taskroute_requests_total\{/);
    expect(m).toMatch(/_bucket\{/);
  });

  it('answers bad requests with a JSON error naming the field, and never falls over', async () => {
    const cases: [unknown, boolean, number, RegExp][] = [
      ['{not json', true, 400, /invalid_json/],
      [{}, false, 400, /prompts/],
      [{ prompts: [1] }, false, 400, /prompts\[0\]/],
      [{ prompts: ['a'], lambda: 1, budget: 2 }, false, 400, /lambda|budget/],
      [{ prompts: ['a'], lambda: -1 }, false, 400, /lambda/],
      [{ prompts: Array(65).fill('a') }, false, 400, /too_many_prompts.*at most 64/],
      [{ prompts: ['x'.repeat(70_000)] }, false, 413, /body_too_large/],
      ['null', true, 400, /invalid_request|object/],
    ];
    for (const [body, raw, status, re] of cases) {
      const r = await post('/v1/route', body, raw);
      expect(r.status, JSON.stringify(r.json)).toBe(status);
      expect(JSON.stringify(r.json)).toMatch(re);
      expect(r.json.error.code).toBeTypeOf('string');
    }
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    const wrong = await fetch(`${url}/v1/route`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(((await (await fetch(`${url}/healthz`)).json()) as any).status).toBe("ok");
  });

  it('bounded load: 2,000 requests from 32 concurrent clients, all answered correctly', async () => {
    const expected = new Map((await router.route(prompts, { lambda: 1 })).decisions.map((d, i) => [prompts[i], d.model]));
    let next = 0;
    let ok = 0;
    const client = async () => {
      for (;;) {
        const k = next++;
        if (k >= 2000) return;
        const p = prompts[k % prompts.length];
        const r = await post('/v1/route', { prompt: p, lambda: 1 });
        if (r.status === 200 && r.json.decisions[0].model === expected.get(p)) ok++;
      }
    };
    await Promise.all(Array.from({ length: 32 }, client));
    expect(ok).toBe(2000);
  }, 120_000);

  it('`taskroute serve` serves a router file and exits 0 on SIGTERM after answering', async () => {
    const main = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
    const child = spawn(process.execPath, [main, 'serve', '--router', join(dir, 'r.safetensors'), '--port', '0', '--json-logs'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const at = await new Promise<string>((ok, bad) => {
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        const m = /serving .* on (http:\/\/\S+)/.exec(err);
        if (m) ok(m[1]);
      });
      child.on('exit', (code) => bad(new Error(`serve exited ${code}: ${err}`)));
    });
    const r = await fetch(`${at}/v1/route`, { method: 'POST', body: JSON.stringify({ prompt: prompts[0] }) });
    expect(r.status).toBe(200);
    const code = await new Promise<number | null>((ok) => {
      child.removeAllListeners('exit');
      child.on('exit', (c) => ok(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    const line = err.split('\n').find((l) => l.startsWith('{'));
    expect(JSON.parse(line!).path).toBe('/v1/route');
    expect(err).not.toContain(prompts[0].slice(0, 30));
    // a router file that cannot be loaded: exit code 1 and a clear message
    const bad = spawn(process.execPath, [main, 'serve', '--router', join(dir, 'missing.safetensors'), '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let be = '';
    bad.stderr.on('data', (b: Buffer) => (be += b.toString()));
    expect(await new Promise((ok) => bad.on('exit', ok))).toBe(1);
    expect(be).toMatch(/cannot serve: .*missing\.safetensors: cannot read the router file/);
  }, 60_000);

  it('graceful close answers the requests in flight and refuses new ones', async () => {
    const s2 = createRoutingServer(router, { batchWindowMs: 50 });
    const { url: u2 } = await s2.listen(0, '127.0.0.1');
    const pending = fetch(`${u2}/v1/route`, { method: 'POST', body: JSON.stringify({ prompts }) });
    await new Promise((r) => setTimeout(r, 10));
    const closed = s2.close();
    const res = await pending;
    expect(res.status).toBe(200);
    await closed;
    await expect(fetch(`${u2}/healthz`)).rejects.toThrow();
  });
});
