// Leiden benchmark: `npm run bench -- leiden [--small] [--no-ref] [--threads N]`.
//  1. the kNN graph (k = 16, cosine, symmetrize 'max') of 100,000 random clustered unit
//     vectors of d = 256, built with knnGraph from dist/ (when that op is missing, a
//     synthetic clustered graph of the same size and degree — the output says which);
//  2. a synthetic clustered sparse graph of 1,000,000 nodes, average degree ~16.
// Prints seconds, communities, modularity, iterations and peak RSS per graph, and, when
// /usr/bin/python3 has igraph (and leidenalg), their time and modularity on the same
// graph. Full-size runs append rows to bench/RESULTS.md; --small (10,000 and 50,000
// nodes) is a smoke test and appends nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendResults, machine, today } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const lib = await import('../dist/index.js');
const { writeFileAtomicSync } = await import('../dist/fsutil.js');
const { leiden, graphQuality, csrFromEdges } = lib;

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

/** n unit vectors of dimension d around `clusters` random centres (centre ~ N(0, I/d), noise ~ N(0, σ²I/d)). */
function clusteredVectors(n, d, clusters, seed, sigma = 0.6) {
  const r = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centres = new Float32Array(clusters * d);
  for (let i = 0; i < centres.length; i++) centres[i] = gauss() / Math.sqrt(d);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * clusters);
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = centres[c * d + j] + (sigma * gauss()) / Math.sqrt(d);
      data[i * d + j] = v;
      norm += v * v;
    }
    const s = 1 / Math.sqrt(norm);
    for (let j = 0; j < d; j++) data[i * d + j] *= s;
  }
  return { data, rows: n, cols: d };
}

/**
 * A clustered sparse graph without vectors: node i belongs to cluster i mod C (sizes
 * ~n/C); each node draws `k` neighbours, 85% inside its cluster; weights look like cosine
 * similarities (0.5–1 inside, 0.1–0.5 across). Edges are undirected; repeats are summed.
 */
function syntheticGraph(n, k, clusters, seed) {
  const r = mulberry32(seed);
  const m = n * k;
  const src = new Int32Array(m);
  const dst = new Int32Array(m);
  const w = new Float32Array(m);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    const size = Math.floor((n - 1 - c) / clusters) + 1;
    for (let t = 0; t < k; t++) {
      let j;
      const inside = r() < 0.85;
      do j = inside ? c + clusters * Math.floor(r() * size) : Math.floor(r() * n);
      while (j === i);
      src[e] = i;
      dst[e] = j;
      w[e++] = inside ? 0.5 + 0.5 * r() : 0.1 + 0.4 * r();
    }
  }
  return csrFromEdges(n, { src, dst, w });
}

function mib(bytes) {
  return Math.round(bytes / 2 ** 20);
}

function peakRssMiB() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Runs igraph / leidenalg on g through /usr/bin/python3; [] when unavailable. */
function reference(g, seed) {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return [];
  const probe = spawnSync(py, ['-c', 'import igraph'], { encoding: 'utf8' });
  if (probe.status !== 0) return [];
  // Each undirected edge once (i < j; loops kept once).
  let m = 0;
  for (let i = 0; i < g.n; i++) for (let p = g.rowPtr[i]; p < g.rowPtr[i + 1]; p++) if (g.colIdx[p] >= i) m++;
  const buf = new ArrayBuffer(8 + 12 * m);
  const head = new Int32Array(buf, 0, 2);
  head[0] = g.n;
  head[1] = m;
  const src = new Int32Array(buf, 8, m);
  const dst = new Int32Array(buf, 8 + 4 * m, m);
  const w = new Float32Array(buf, 8 + 8 * m, m);
  let e = 0;
  for (let i = 0; i < g.n; i++)
    for (let p = g.rowPtr[i]; p < g.rowPtr[i + 1]; p++) {
      const j = g.colIdx[p];
      if (j < i) continue;
      src[e] = i;
      dst[e] = j;
      w[e++] = j === i ? g.weights[p] / 2 : g.weights[p]; // a loop A_ii = 2x is the igraph edge x
    }
  const file = join(tmpdir(), `taskroute-leiden-bench-${process.pid}.bin`);
  writeFileAtomicSync(file, new Uint8Array(buf));
  try {
    const run = spawnSync(py, [join(here, 'leiden-ref.py'), file, String(seed)], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (run.status !== 0) {
      console.error(`reference run failed: ${run.stderr.trim().split('\n').pop()}`);
      return [];
    }
    return run.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const o = JSON.parse(line);
        const membership = Int32Array.from(o.membership);
        return { lib: o.lib, seconds: o.seconds, communities: new Set(o.membership).size, modularity: graphQuality(g, membership) };
      });
  } finally {
    rmSync(file, { force: true });
  }
}

async function runOne(label, g, o) {
  const t0 = process.hrtime.bigint();
  const r = await leiden(g, { seed: 0, threads: o.threads });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const row = {
    graph: label,
    nodes: g.n,
    entries: g.rowPtr[g.n],
    seconds,
    communities: r.communities,
    modularity: r.quality,
    iterations: r.iterations,
    rss: peakRssMiB(),
    refs: o.ref ? reference(g, 0) : [],
  };
  // ratio: the reference's time over ours (> 1: ours is faster)
  for (const x of row.refs) x.ratio = x.seconds / seconds;
  const refText = row.refs
    .map((x) => `${x.lib} ${x.seconds.toFixed(2)} s (ratio ${x.ratio.toFixed(2)}), modularity ${x.modularity.toFixed(4)}, ${x.communities} communities`)
    .join('; ');
  console.log(
    `${label}: n ${g.n}, ${g.rowPtr[g.n]} stored entries — taskroute leiden ${seconds.toFixed(2)} s, ${r.communities} communities, ` +
      `modularity ${r.quality.toFixed(4)}, ${r.iterations} iterations, peak RSS ${row.rss} MiB${refText ? `\n  reference (ratio = its time ÷ ours): ${refText}` : ''}`,
  );
  return row;
}

export async function main(args) {
  const small = args.includes('--small');
  const ref = !args.includes('--no-ref');
  const ti = args.indexOf('--threads');
  const threads = ti >= 0 ? Number(args[ti + 1]) : 0;
  const nKnn = small ? 10_000 : 100_000;
  const nBig = small ? 50_000 : 1_000_000;
  const rows = [];

  let knnLabel;
  let g;
  const t0 = process.hrtime.bigint();
  if (typeof lib.knnGraph === 'function') {
    const X = clusteredVectors(nKnn, 256, Math.round(nKnn / 500), 1);
    g = await lib.knnGraph(X, 16, { metric: 'cosine', symmetrize: 'max', threads });
    knnLabel = `kNN graph k=16 of clustered unit vectors d=256`;
  } else {
    g = syntheticGraph(nKnn, 16, Math.round(nKnn / 500), 1);
    knnLabel = 'synthetic clustered graph, 16 draws/node (knnGraph not in dist/)';
  }
  console.log(`built ${knnLabel} in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s (${mib(g.colIdx.byteLength + g.weights.byteLength)} MiB)`);
  rows.push(await runOne(knnLabel, g, { threads, ref }));
  g = undefined;

  const t1 = process.hrtime.bigint();
  const big = syntheticGraph(nBig, 8, Math.round(nBig / 1000), 2);
  const bigLabel = 'synthetic clustered graph, 8 draws/node (avg degree ~16)';
  console.log(`built ${bigLabel} in ${(Number(process.hrtime.bigint() - t1) / 1e9).toFixed(1)} s`);
  rows.push(await runOne(bigLabel, big, { threads, ref }));

  if (small) {
    console.log('--small: smoke run, nothing appended to bench/RESULTS.md');
    return;
  }
  const refCell = (r, lib) => {
    const x = r.refs.find((y) => y.lib === lib);
    return x ? `${x.seconds.toFixed(2)} s / ${x.modularity.toFixed(4)} (×${x.ratio.toFixed(2)})` : '—';
  };
  appendResults(
    'Leiden',
    '| date | machine | graph | nodes | stored entries | threads | seconds | communities | modularity | iterations | peak RSS MiB | leidenalg s / Q (its time ÷ ours) | igraph s / Q (its time ÷ ours) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    rows.map(
      (r) =>
        `| ${today()} | ${machine()} | ${r.graph} | ${r.nodes} | ${r.entries} | ${threads || 'all'} | ${r.seconds.toFixed(2)} | ${r.communities} | ${r.modularity.toFixed(4)} | ${r.iterations} | ${r.rss} | ${refCell(r, 'leidenalg')} | ${refCell(r, 'igraph')} |`,
    ),
  );
  console.log('appended to bench/RESULTS.md');
}
