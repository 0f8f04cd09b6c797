// The CLI end to end: train → route → eval, compare --json, demo (offline, download through
// a loopback server, synthetic fallback), and bad input at every step.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRoutingJsonl } from '../src/data/index.js';
import { syntheticRoutingData } from '../src/eval/synthetic.js';
import { LLMROUTER_FILES } from '../src/cli/demo.js';
import { sharedData } from './helpers.js';

const run = promisify(execFile);
const main = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'tr-cli-'));
const dataFile = join(dir, 'synthetic.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [main, ...args], { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  await writeRoutingJsonl(syntheticRoutingData({ nTrain: 800, nTest: 200, seed: 3 }), dataFile);
});

describe('taskroute CLI', () => {
  it('train → route → eval on canonical JSONL', async () => {
    const router = join(dir, 'r.safetensors');
    const t = await cli(['train', '--method', 'finerouter', '--data', dataFile, '--out', router, '--option', 'moeFolds=2', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const summary = JSON.parse(t.stdout);
    expect(summary.method).toBe('finerouter');
    expect(summary.diagnostics.tasks).toBeGreaterThan(1);
    expect(existsSync(router)).toBe(true);

    const r = await cli(['route', '--router', router, '--json', '--explain', 'Solve for x: 3x + 5 = 20', 'Write a haiku about rain']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(summary.models).toContain(lines[0].model);
    expect(lines[0].estimates).toHaveLength(summary.models.length);
    expect(lines[0].tasks.length).toBeGreaterThan(0);

    // a JSONL input with a budget, written atomically to --out
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, ['{"id":"a","prompt":"What is 2+2?"}', '{"id":"b","prompt":"Translate hello to French"}', ''].join('\n'));
    const out = join(dir, 'decisions.jsonl');
    const b = await cli(['route', '--router', router, '--input', input, '--budget', '0.000001', '--out', out]);
    expect(b.code, b.stderr).toBe(0);
    const dec = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dec.map((d) => d.id)).toEqual(['a', 'b']);

    const e = await cli(['eval', '--router', router, '--data', dataFile, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    expect(ev.routers).toHaveLength(1);
    expect(ev.routers[0].name).toBe('finerouter');
    expect(ev.routers[0].points).toHaveLength(61);
    expect(ev.nTest).toBeGreaterThan(100);
  }, 120_000);

  it('refuses bad input with a clear message and exit code 1, writing nothing partial', async () => {
    const router = join(dir, 'knn.safetensors');
    expect((await cli(['train', '--method', 'knn', '--data', dataFile, '--out', router])).code).toBe(0);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"prompt":"ok"}\n{"prompt": oops}\n');
    const out = join(dir, 'never.jsonl');
    const r = await cli(['route', '--router', router, '--input', bad, '--out', out, '--batch', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl:2: malformed JSON/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, readFileSync(router).subarray(0, 200));
    const c = await cli(['route', '--router', corrupt, 'hi']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/corrupt\.safetensors: truncated/);
    expect((await cli(['route', '--router', router, '--lambda', '-1', 'hi'])).stderr).toMatch(/--lambda must be a number >= 0/);
    expect((await cli(['route', '--router', router, '--lambda', '1', '--budget', '2', 'hi'])).stderr).toMatch(/one of --lambda, --budget, --min-quality/);
    expect((await cli(['train', '--method', 'nope', '--data', dataFile, '--out', join(dir, 'x')])).stderr).toMatch(/"method" to be one of/);
    expect((await cli(['train', '--method', 'oracle', '--data', dataFile, '--out', join(dir, 'x')])).stderr).toMatch(/reads the test labels/);
    expect((await cli(['compare', '--data', join(dir, 'missing.jsonl')])).code).toBe(1);
  }, 120_000);

  it('compare --json prints the documented shape and writes the report and the chart', async () => {
    const r = await cli(['compare', '--data', dataFile, '--methods', 'random,knn,kmeans', '--json', '--report', 'rep.html', '--plot', 'curve.svg']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['data', 'nTrain', 'nTest', 'models', 'bestSingle', 'oracle', 'routers']) expect(j).toHaveProperty(k);
    expect(j.routers.map((x: { name: string }) => x.name)).toEqual(['random', 'knn', 'kmeans']);
    for (const x of j.routers)
      for (const k of ['maxQuality', 'nAUC', 'costToMatchBest', 'gapRecovered', 'utilities', 'points', 'trainSeconds', 'estimateSeconds']) expect(x).toHaveProperty(k);
    expect(readFileSync(join(dir, 'rep.html'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(dir, 'curve.svg'), 'utf8')).toMatch(/^<svg|^<\?xml/);
  }, 120_000);

  it('demo: offline without data runs the labelled synthetic benchmark', async () => {
    const r = await cli(['demo', '--offline', '--methods', 'random,kmeans', '--report', 'demo.html'], { TASKROUTE_DATA: '', TASKROUTE_CACHE: join(dir, 'empty-cache') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/SYNTHETIC/);
    expect(r.stdout).toMatch(/SYNTHETIC, generated/);
    expect(existsSync(join(dir, 'demo.html'))).toBe(true);
  }, 120_000);

  const shared = sharedData();
  it.skipIf(!shared)('demo: downloads the LLMRouter files (from a loopback mirror) into the cache and runs on them', async () => {
    const src = join(shared!, 'llmrouter');
    const byRemote = new Map(LLMROUTER_FILES.map(([remote, local]) => [`/${remote}`, join(src, local)]));
    const server: Server = createServer((req, res) => {
      const f = byRemote.get(req.url ?? '');
      if (!f) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(readFileSync(f));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    try {
      const cache = join(dir, 'cache');
      const r = await cli(['demo', '--methods', 'best-single,knn', '--json'], { TASKROUTE_DATA: '', TASKROUTE_CACHE: cache, TASKROUTE_DATA_URL: `http://127.0.0.1:${port}/` });
      expect(r.code, r.stderr).toBe(0);
      const [res] = JSON.parse(r.stdout);
      expect(res.nTest).toBe(500);
      expect(res.bestSingle.model).toBe('llama-3.1-nemotron-51b-instruct');
      expect(readdirSync(join(cache, 'data', 'llmrouter')).sort()).toEqual(LLMROUTER_FILES.map(([, l]) => l).sort());
    } finally {
      server.close();
    }
  }, 180_000);

  it('demo: an unreachable mirror falls back to the synthetic benchmark and says why', async () => {
    // a port that was just free: nothing listens there
    const probe = createServer();
    await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
    const port = (probe.address() as { port: number }).port;
    await new Promise((ok) => probe.close(ok));
    const r = await cli(['demo', '--methods', 'random', '--report', 'fb.html'], { TASKROUTE_DATA: '', TASKROUTE_CACHE: join(dir, 'cache2'), TASKROUTE_DATA_URL: `http://127.0.0.1:${port}/` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`could not download the public data: GET http://127\\.0\\.0\\.1:${port}/.*ECONNREFUSED`));
    expect(r.stderr).toMatch(/SYNTHETIC/);
  }, 120_000);
});
