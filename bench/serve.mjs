// `npm run bench -- serve [--small]`: the routing server (FineRouter trained on the LLMRouter
// data, else the synthetic benchmark) on loopback, load from in-process keep-alive clients:
// requests/s, prompts/s and latency p50 / p99 at concurrency 1, 16 and 64, for one-prompt
// and 256-prompt requests. A full run appends dated rows to bench/RESULTS.md.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendResults, machine, today } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function main(args) {
  const small = args.includes('--small');
  const { Router, loadRoutingData, withValidation, syntheticRoutingData, createRoutingServer } = await import('../dist/index.js');
  const path = resolve(process.env.TASKROUTE_DATA ?? join(here, '..', '..', 'shared', 'data'), 'llmrouter');
  const source = existsSync(path) ? 'LLMRouter' : 'synthetic';
  const data = withValidation(source === 'LLMRouter' ? await loadRoutingData(path) : syntheticRoutingData({}), 0.1, 0);
  const router = await Router.train(data, { method: 'finerouter', ...(small ? { options: { moeFolds: 1, epochs: 5 } } : {}) });
  const s = createRoutingServer(router, { batchWindowMs: 1 });
  const { url } = await s.listen(0, '127.0.0.1');
  const pool = data.prompts;
  const rows = [];
  for (const size of [1, 256]) {
    for (const conc of [1, 16, 64]) {
      const total = small ? Math.max(conc * 2, 20) : size === 1 ? 4000 : 200;
      let next = 0;
      const lat = [];
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: conc }, async () => {
          for (;;) {
            const k = next++;
            if (k >= total) return;
            const prompts = Array.from({ length: size }, (_, j) => pool[(k * size + j) % pool.length]);
            const t = performance.now();
            const res = await fetch(`${url}/v1/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompts, lambda: 1 }) });
            if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
            await res.arrayBuffer();
            lat.push(performance.now() - t);
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      lat.sort((a, b) => a - b);
      const r = {
        size,
        conc,
        rps: total / secs,
        pps: (total * size) / secs,
        p50: lat[Math.floor(lat.length * 0.5)],
        p99: lat[Math.floor(lat.length * 0.99)],
      };
      rows.push(r);
      console.log(`${size} prompt(s)/request, concurrency ${String(conc).padStart(2)}: ${r.rps.toFixed(0)} req/s, ${r.pps.toFixed(0)} prompts/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
    }
  }
  await s.close();
  if (small) return;
  appendResults(
    'serve: routing server on loopback (in-process keep-alive clients)',
    '| date | machine | router | prompts/request | concurrency | requests/s | prompts/s | p50 ms | p99 ms | command |\n| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
    rows.map((r) => `| ${today()} | ${machine()} | finerouter (${source}) | ${r.size} | ${r.conc} | ${r.rps.toFixed(0)} | ${r.pps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | \`npm run bench -- serve\` |`),
  );
}
