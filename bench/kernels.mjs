// Kernel benchmark: fused exact top-k and the kNN graph, for each GEMM backend, against
// usearch's exact search (and faiss-node's flat index when it is installed).
//
//   npm run bench -- kernels            full size: topk 20,000 × 20,000 × 384, k = 16;
//                                       knnGraph 100,000 × 256, k = 16 (symmetrize 'max')
//   npm run bench -- kernels --small    smoke size (nothing is written to RESULTS.md)
//   options: --only topk|graph, --reps N (topk timing runs, default 3), --no-usearch-graph,
//            --tiles QxB (top-k tile rows, e.g. 256x1024)
//
// Data: random unit vectors (seeded), metric 'ip' for topk (equal to cosine on unit rows,
// and what usearch/faiss compute) and 'cosine' for the graph (what FineRouter uses).
// The graph's usearch time is measured on a tenth of the queries and scaled (noted).
// Effective GFLOP/s = 2·nq·nb·d / seconds; "× usearch" = usearch's seconds / ours (> 1: faster). The graph runs in a child process so its peak
// RSS (process.resourceUsage().maxRSS) is the graph's alone. Full-size runs append one
// dated row per measurement, with the machine, to bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { appendResults, machine, timeIt, today } from './lib.mjs';

const here = fileURLToPath(import.meta.url);
const distUrl = (p) => pathToFileURL(fileURLToPath(new URL(`../dist/${p}`, import.meta.url))).href;

/** Seeded unit vectors: mulberry32 → Box–Muller → row normalisation. */
function unitVectors(rows, cols, seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const th = 2 * Math.PI * next();
    data[i] = r * Math.cos(th);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(th);
  }
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += data[i * cols + j] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < cols; j++) data[i * cols + j] *= inv;
  }
  return { data, rows, cols };
}

function parseArgs(args) {
  const o = { small: false, only: undefined, reps: 3, usearchGraph: true, tiles: undefined };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--small') o.small = true;
    else if (a === '--only') o.only = args[++i];
    else if (a === '--reps') o.reps = Number(args[++i]);
    else if (a === '--no-usearch-graph') o.usearchGraph = false;
    else if (a === '--tiles') o.tiles = args[++i];
    else throw new Error(`kernels: unknown argument ${a}`);
  }
  if (o.only !== undefined && !['topk', 'graph'].includes(o.only)) throw new Error('kernels: --only takes topk or graph');
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('kernels: --reps takes an integer >= 1');
  return o;
}

async function loadOptional(name) {
  try {
    return await import(name);
  } catch {
    return undefined;
  }
}

/** Fraction of our neighbour indices that the other search also returned (ties make it < 1 only marginally). */
function agreement(ours, k, theirs, theirK) {
  let hit = 0;
  const n = ours.length / k;
  for (let i = 0; i < n; i++) {
    const set = new Set();
    for (let j = 0; j < theirK; j++) set.add(Number(theirs[i * theirK + j]));
    for (let j = 0; j < k; j++) if (set.has(ours[i * k + j])) hit++;
  }
  return hit / ours.length;
}

async function usearchExact(X, Q, k, threads) {
  const usearch = await loadOptional('usearch');
  if (!usearch) return undefined;
  const mod = usearch.default ?? usearch;
  const run = () => mod.exactSearch(X.data, Q.data, X.cols, k, mod.MetricKind.IP, threads);
  let result;
  const t0 = process.hrtime.bigint();
  result = run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, keys: result.keys };
}

async function faissFlat(X, k) {
  const faiss = await loadOptional('faiss-node');
  if (!faiss) return undefined;
  const { IndexFlatIP } = faiss.default ?? faiss;
  const index = new IndexFlatIP(X.cols);
  index.add(Array.from(X.data));
  const t0 = process.hrtime.bigint();
  index.search(Array.from(X.data), k);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function backends(binding) {
  const out = [];
  if (binding.info().blas === 'openblas') out.push({ name: 'openblas', set: () => binding.setGemmBackend('openblas') });
  out.push({ name: `builtin (${binding.gemmIsa()})`, set: () => binding.setGemmBackend('builtin') });
  return out;
}

async function benchTopk(o, tr, binding, results) {
  const n = o.small ? 2000 : 20000;
  const d = 384;
  const k = 16;
  const threads = cpus().length;
  const X = unitVectors(n, d, 1);
  const flops = 2 * n * n * d;
  console.log(`topk: ${n} × ${n} × ${d}, k = ${k}, metric ip, ${threads} threads`);
  const ref = await usearchExact(X, X, k, threads);
  const faiss = await faissFlat(X, k);
  console.log(`  usearch exactSearch: ${ref ? `${ref.seconds.toFixed(3)} s (${(flops / ref.seconds / 1e9).toFixed(1)} GFLOP/s)` : 'not installed'}`);
  console.log(`  faiss-node IndexFlatIP: ${faiss ? `${faiss.seconds.toFixed(3)} s` : 'not installed'}`);
  for (const b of backends(binding)) {
    b.set();
    let last;
    const seconds = await timeIt(async () => {
      last = await tr.topk(X, X, k, { metric: 'ip', threads: 0, backend: 'cpu' });
    }, { reps: o.reps, warmup: o.small ? 1 : 1 });
    const agree = ref ? agreement(last.indices, k, ref.keys, k) : undefined;
    results.push({
      op: 'topk',
      size: `${n}×${n}×${d} k=${k}`,
      backend: b.name,
      seconds,
      gflops: flops / seconds / 1e9,
      rss: process.resourceUsage().maxRSS / 1024,
      usearch: ref ? ref.seconds / seconds : undefined,
      faiss: faiss ? faiss.seconds / seconds : undefined,
      note: agree === undefined ? '' : `agreement with usearch ${(agree * 100).toFixed(2)}%`,
    });
  }
}

function runGraphChild(o, backend) {
  const args = [here, '--child-graph', backend, o.small ? 'small' : 'full', o.tiles ?? ''];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`graph child failed (${backend}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function benchGraph(o, binding, results) {
  const n = o.small ? 5000 : 100000;
  const d = 256;
  const k = 16;
  const threads = cpus().length;
  const flops = 2 * n * n * d;
  console.log(`knnGraph: ${n} × ${d}, k = ${k}, metric cosine, symmetrize max, ${threads} threads (child process)`);
  // usearch's exact search is a brute-force scan (time linear in the queries): on the full
  // graph it takes many minutes, so it searches the first tenth of the rows against all
  // of them and its time is scaled by 10 (stated in the row's note).
  let ref;
  let refNote = '';
  if (o.usearchGraph) {
    const X = unitVectors(n, d, 2);
    const sub = o.small ? n : n / 10;
    const Q = { data: X.data.subarray(0, sub * d), rows: sub, cols: d };
    const r = await usearchExact(X, Q, k + 1, threads);
    if (r) {
      ref = { seconds: (r.seconds * n) / sub };
      refNote = sub === n ? '' : `; usearch timed on ${sub} queries × ${n / sub}`;
    }
    console.log(`  usearch exactSearch (k + 1, self included): ${ref ? `${ref.seconds.toFixed(2)} s${refNote}` : 'not installed'}`);
  }
  for (const b of backends(binding)) {
    const child = runGraphChild(o, b.name.startsWith('openblas') ? 'openblas' : 'builtin');
    results.push({
      op: 'knnGraph',
      size: `${n}×${d} k=${k}`,
      backend: b.name,
      seconds: child.seconds,
      gflops: flops / child.seconds / 1e9,
      rss: child.maxRssMiB,
      usearch: ref ? ref.seconds / child.seconds : undefined,
      faiss: undefined,
      note: `nnz ${child.nnz}${refNote}`,
    });
  }
}

async function graphChild([backend, size, tiles]) {
  const tr = await import(distUrl('index.js'));
  const { native } = await import(distUrl('native.js'));
  const binding = native();
  binding.setGemmBackend(backend);
  if (tiles) binding.topkTiles(...tiles.split('x').map(Number));
  const n = size === 'small' ? 5000 : 100000;
  const X = unitVectors(n, 256, 2);
  const t0 = process.hrtime.bigint();
  const g = await tr.knnGraph(X, 16, { metric: 'cosine', symmetrize: 'max', backend: 'cpu' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ seconds, maxRssMiB, nnz: g.rowPtr[n] })}\n`);
}

const fmt = (v, digits) => (v === undefined ? '—' : v.toFixed(digits));

export async function main(args) {
  const o = parseArgs(args);
  const tr = await import(distUrl('index.js'));
  const { native } = await import(distUrl('native.js'));
  const binding = native();
  if (o.tiles) {
    const [q, b] = o.tiles.split('x').map(Number);
    binding.topkTiles(q, b);
  }
  const results = [];
  if (o.only !== 'graph') await benchTopk(o, tr, binding, results);
  if (o.only !== 'topk') await benchGraph(o, binding, results);
  const m = machine();
  console.log(`\n${m}; tiles ${JSON.stringify(binding.topkTiles())}\n`);
  const header = '| date | machine | op | size | GEMM | seconds | GFLOP/s | peak RSS MiB | × usearch | × faiss | note |\n| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |';
  const rows = results.map(
    (r) =>
      `| ${today()} | ${m} | ${r.op} | ${r.size} | ${r.backend} | ${fmt(r.seconds, 3)} | ${fmt(r.gflops, 1)} | ${fmt(r.rss, 0)} | ${fmt(r.usearch, 2)} | ${r.faiss === undefined ? 'not installed' : fmt(r.faiss, 2)} | ${r.note} |`,
  );
  console.log(header);
  for (const r of rows) console.log(r);
  if (!o.small) appendResults('kernels', header, rows);
  else console.log('\n(--small: nothing written to RESULTS.md)');
}

if (process.argv[1] === here && process.argv[2] === '--child-graph') await graphChild(process.argv.slice(3));
