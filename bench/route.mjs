// `npm run bench -- route [--small]`: FineRouter end to end on the LLMRouter data.
//   - training time (builtin embedder, full train split; target < 30 s on 2 cores);
//   - routing with precomputed embeddings (estimate + policy) in batches of 4,096
//     (target ≥ 100,000 prompts/s);
//   - end to end with the builtin embedder (embed + estimate + policy), batches of 4,096
//     (target ≥ 10,000 prompts/s);
//   - one prompt through the library API (Router.route), p50 / p99 over 1,000 calls
//     (target p50 < 1 ms).
// A full run appends dated rows to bench/RESULTS.md; --small only prints.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendResults, machine, today } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function main(args) {
  const small = args.includes('--small');
  const { Router, loadRoutingData, withValidation, syntheticRoutingData, info } = await import('../dist/index.js');
  const dataDir = resolve(process.env.TASKROUTE_DATA ?? join(here, '..', '..', 'shared', 'data'), 'llmrouter');
  let data;
  let source;
  if (existsSync(dataDir)) {
    data = await loadRoutingData(dataDir);
    source = 'LLMRouter';
  } else {
    console.log(`bench route: ${dataDir} not found; using the synthetic benchmark`);
    data = syntheticRoutingData({ nTrain: 5600, nTest: 500 });
    source = 'synthetic';
  }
  data = withValidation(data, 0.1, 0);
  const t0 = performance.now();
  const router = await Router.train(data, { method: 'finerouter', seed: 0, ...(small ? { options: { moeFolds: 1, epochs: 5 } } : {}) });
  const trainS = (performance.now() - t0) / 1000;

  const B = 4096;
  const batches = small ? 2 : 12;
  const pool = data.prompts;
  const batchPrompts = Array.from({ length: B }, (_, i) => pool[(i * 7919) % pool.length]);
  const meanChars = batchPrompts.reduce((s, p) => s + p.length, 0) / B;
  const X = await router.embed(batchPrompts);
  await router.routeEmbeddings(X, B, { lambda: 1 }); // warm-up
  let t = performance.now();
  for (let b = 0; b < batches; b++) await router.routeEmbeddings(X, B, { lambda: 1 });
  const preRate = (B * batches) / ((performance.now() - t) / 1000);
  await router.route(batchPrompts, { lambda: 1 });
  t = performance.now();
  for (let b = 0; b < batches; b++) await router.route(batchPrompts, { lambda: 1 });
  const e2eRate = (B * batches) / ((performance.now() - t) / 1000);
  const calls = small ? 100 : 1000;
  const lat = [];
  for (let i = 0; i < 50; i++) await router.route(pool[i], { lambda: 1 });
  for (let i = 0; i < calls; i++) {
    const s = process.hrtime.bigint();
    await router.route(pool[i % pool.length], { lambda: 1 });
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const p50 = lat[Math.floor(lat.length * 0.5)];
  const p99 = lat[Math.floor(lat.length * 0.99)];
  const i = info();
  const rows = [
    ['train FineRouter (builtin embedder)', `${trainS.toFixed(1)} s`, '< 30 s'],
    [`route, precomputed embeddings, batch ${B}`, `${Math.round(preRate).toLocaleString('en-US')} prompts/s`, '≥ 100,000'],
    [`route end to end (builtin embedder), batch ${B}, ${Math.round(meanChars)} chars/prompt`, `${Math.round(e2eRate).toLocaleString('en-US')} prompts/s`, '≥ 10,000'],
    ['one prompt, library API', `p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`, 'p50 < 1 ms'],
  ];
  console.log(`FineRouter on ${source} (${router.training.n} training rows, ${router.diagnostics().tasks} tasks, ${router.diagnostics().moes} MoEs); ${i.variant} addon, gemm ${i.gemm}, ${i.threads} threads`);
  for (const r of rows) console.log(`  ${r[0].padEnd(70)} ${r[1].padEnd(30)} target ${r[2]}`);
  if (small) return;
  appendResults(
    'route: FineRouter end to end',
    '| date | machine | data | measurement | result | target | command |\n| --- | --- | --- | --- | --- | --- | --- |',
    rows.map((r) => `| ${today()} | ${machine()} | ${source} | ${r[0]} | ${r[1]} | ${r[2]} | \`npm run bench -- route\` |`),
  );
}
