// Data loading throughput: canonical JSONL read (streamed) and written (atomic), on a
// generated file of N records × M models, plus the real RouterBench and LLMRouter sets
// when ../shared/data (or $TASKROUTE_DATA) is present.
//
//   node --expose-gc bench/run.mjs data   # 1,000,000 records × 11 models, appends to RESULTS.md
//                                          (npm run bench -- data works too, without the heap column)
//   npm run bench -- data --smoke         # 20,000 records, prints only
//   npm run bench -- data --records 200000 --models 4
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendResults, machine, timeIt, today } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function generate(path, n, M) {
  const models = Array.from({ length: M }, (_, m) => `provider/model-${m}`);
  await new Promise((res, rej) => {
    const ws = createWriteStream(path);
    ws.on('error', rej);
    let i = 0;
    let seed = 1;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const step = () => {
      let ok = true;
      while (i < n && ok) {
        let chunk = '';
        for (let k = 0; k < 2000 && i < n; k++, i++) {
          const scores = models.map((m) => `"${m}":${rand() < 0.5 ? Math.round(rand()) : rand().toFixed(4)}`).join(',');
          const costs = models.map((m) => `"${m}":${(rand() * 1e-3).toPrecision(4)}`).join(',');
          chunk += `{"id":"gen-${i}","prompt":"Question ${i}: ${'lorem ipsum dolor sit amet '.repeat(6)}?","task":"task-${i % 14}","scores":{${scores}},"costs":{${costs}}}\n`;
        }
        ok = ws.write(chunk);
      }
      if (i < n) ws.once('drain', step);
      else ws.end(res);
    };
    step();
  });
}

export async function main(args) {
  const smoke = args.includes('--smoke');
  const n = arg(args, '--records', smoke ? 20_000 : 1_000_000);
  const M = arg(args, '--models', 11);
  const { loadRoutingData, writeRoutingJsonl } = await import('../dist/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'taskroute-bench-data-'));
  const rows = [];
  try {
    const src = join(dir, 'gen.jsonl');
    await generate(src, n, M);
    const mib = statSync(src).size / 2 ** 20;
    let data;
    // the heap column needs node --expose-gc (see the command in the header)
    globalThis.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const tLoad = await timeIt(async () => {
      data = await loadRoutingData(src);
    }, { reps: smoke ? 1 : 3, warmup: 0 });
    globalThis.gc?.();
    const heap = globalThis.gc ? `+${((process.memoryUsage().heapUsed - heap0) / 2 ** 20).toFixed(0)} MiB` : '-';
    const tWrite = await timeIt(() => writeRoutingJsonl(data, join(dir, 'out.jsonl')), { reps: 1, warmup: 0 });
    const line = `| ${today()} | jsonl generated | ${n} × ${M} | ${mib.toFixed(0)} MiB | ${tLoad.toFixed(2)} s (${Math.round(n / tLoad)} rec/s) | ${tWrite.toFixed(2)} s | ${heap} | ${machine()} |`;
    rows.push(line);

    const shared = process.env.TASKROUTE_DATA ? resolve(process.env.TASKROUTE_DATA) : resolve(here, '..', '..', 'shared', 'data');
    for (const name of ['routerbench', 'llmrouter']) {
      const p = join(shared, name);
      if (!existsSync(p)) continue;
      let d;
      const t = await timeIt(async () => {
        d = await loadRoutingData(p);
      }, { reps: smoke ? 1 : 3, warmup: 1 });
      rows.push(`| ${today()} | ${name} (shared/data) | ${d.n} × ${d.models.length} | - | ${t.toFixed(2)} s (${Math.round(d.n / t)} rec/s) | - | - | ${machine()} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const header = '| date | data | records × models | size | load | write | heap | machine |\n| --- | --- | --- | --- | --- | --- | --- | --- |';
  console.log(header);
  for (const r of rows) console.log(r);
  if (!smoke) appendResults('Data loading (npm run bench -- data)', header, rows);
}
