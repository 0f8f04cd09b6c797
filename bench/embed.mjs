// bench/embed.mjs — the builtin embedder: fit time and embed throughput.
//
//   npm run bench -- embed            full run: fit on the LLMRouter train prompts and on
//                                     100,000 ~500-character prompts; embed 100,000 of
//                                     them on 1 and 2 threads; appends rows to RESULTS.md
//   npm run bench -- embed --small    smoke run (5,000 prompts, nothing appended)
//
// Prompts: the LLMRouter train questions (../shared/data or $TASKROUTE_DATA) and ~500-char
// prompts made by joining them (seeded); without the shared data, generated word salad.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendResults, machine, timeIt, today } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function trainPrompts() {
  const dir = process.env.TASKROUTE_DATA ?? join(here, '..', '..', 'shared', 'data');
  const f = join(dir, 'llmrouter', 'dcrouter_train.json');
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')).map((r) => r.question);
}

function wordSalad(n, seed) {
  const r = mulberry32(seed);
  const syl = ['ka', 'lo', 'mi', 'tur', 'sen', 'qua', 'rix', 'pol', 'dem', 'ast', 'ion', 'ver', 'gal', 'nor'];
  const words = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => syl[Math.floor(r() * syl.length)]).join(''));
  return Array.from({ length: n }, () => Array.from({ length: 30 }, () => words[Math.floor(r() * r() * words.length)]).join(' ') + '?');
}

/** n prompts of about `chars` characters, joined from the sources (seeded). */
function longPrompts(sources, n, chars, seed) {
  const r = mulberry32(seed);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    let t = '';
    while (t.length < chars) t += (t ? ' ' : '') + sources[Math.floor(r() * sources.length)];
    out[i] = t.slice(0, chars - 20 + Math.floor(r() * 40));
  }
  return out;
}

export async function main(args) {
  const small = args.includes('--small');
  const { BuiltinEmbedder, info } = await import('../dist/index.js');
  const n = small ? 5000 : 100_000;
  const train = trainPrompts();
  const source = train ? 'LLMRouter train' : 'generated';
  const base = train ?? wordSalad(6000, 1);
  const prompts = longPrompts(base, n, 500, 2);
  const meanChars = Math.round(prompts.reduce((s, p) => s + p.length, 0) / n);
  const inf = info();
  console.log(`embed bench: ${n} prompts of ~${meanChars} chars (${source}); gemm ${inf.gemm}; ${machine()}`);

  const rows = [];
  const row = (what, count, threads, secs) => {
    const rate = Math.round(count / secs);
    console.log(`${what.padEnd(44)} n=${String(count).padStart(6)} threads=${threads}  ${secs.toFixed(2)} s  ${rate} prompts/s`);
    rows.push(`| ${today()} | ${machine()} | ${what} | ${count} | ${threads} | ${secs.toFixed(2)} | ${rate} |`);
  };

  // fit on the real train prompts (all of them), then on the long prompts
  const fitSet = small ? base.slice(0, 2000) : base;
  let e = new BuiltinEmbedder({ threads: 2 });
  row(`fit builtin (d=256) on ${source} prompts`, fitSet.length, 2, await timeIt(() => e.fit(fitSet), { reps: 1, warmup: 0 }));
  e = new BuiltinEmbedder({ threads: 2 });
  row(`fit builtin (d=256) on ~${meanChars}-char prompts`, n, 2, await timeIt(() => e.fit(prompts), { reps: 1, warmup: 0 }));
  console.log(`  fit: ${JSON.stringify(e.fitInfo)}`);
  for (const threads of [1, 2]) {
    e.threads = threads;
    const secs = await timeIt(() => e.embed(prompts), { reps: small ? 1 : 3, warmup: 1 });
    row(`embed builtin (d=256) ~${meanChars}-char prompts`, n, threads, secs);
  }
  const one = prompts.slice(0, 1);
  const single = await timeIt(() => { for (let i = 0; i < 1000; i++) e.embedSync(one); }, { reps: 3, warmup: 1 });
  console.log(`embedSync of one prompt: ${((single / 1000) * 1e6).toFixed(0)} µs`);

  if (small) {
    console.log('(--small: nothing appended to RESULTS.md)');
    return;
  }
  appendResults('embed: builtin embedder', '| date | machine | what | n | threads | seconds | prompts/s |\n| --- | --- | --- | --- | --- | --- | --- |', rows);
  console.log('appended to bench/RESULTS.md');
}
