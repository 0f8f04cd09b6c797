// Test helpers of the Leiden tests: planted-partition graphs, pure-TS references for
// modularity/CPM and Louvain, partition agreement (NMI, ARI), connectivity by BFS, and
// Zachary's karate club.
import type { Csr } from '../src/ops/types.js';
import { csrFromEdges } from '../src/graph/csr.js';
import { rng } from './helpers.js';

export interface Planted {
  g: Csr;
  truth: Int32Array;
}

/**
 * Stochastic block model: blocks of the given sizes, each pair inside a block linked with
 * probability pIn, across blocks with pOut. weighted: inside weights in [1, 2), across in
 * [0.1, 0.6); else every weight is 1.
 */
export function sbm(sizes: number[], pIn: number, pOut: number, seed: number, weighted = false): Planted {
  const r = rng(seed);
  const n = sizes.reduce((a, b) => a + b, 0);
  const truth = new Int32Array(n);
  let at = 0;
  sizes.forEach((s, b) => {
    truth.fill(b, at, at + s);
    at += s;
  });
  const src: number[] = [];
  const dst: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const same = truth[i] === truth[j];
      if (r() < (same ? pIn : pOut)) {
        src.push(i);
        dst.push(j);
        w.push(weighted ? (same ? 1 + r() : 0.1 + 0.5 * r()) : 1);
      }
    }
  return { g: csrFromEdges(n, { src, dst, w }), truth };
}

/**
 * A sparse planted partition for sizes where sbm() (O(n²)) is too slow: node i is in
 * block i mod blocks; each node draws `inside` random partners in its block and
 * `across` anywhere, with weights in [0.5, 1) and [0.1, 0.5). Repeated pairs are summed.
 */
export function plantedSparse(n: number, blocks: number, inside: number, across: number, seed: number): Planted {
  const r = rng(seed);
  const src: number[] = [];
  const dst: number[] = [];
  const w: number[] = [];
  const truth = Int32Array.from({ length: n }, (_, i) => i % blocks);
  for (let i = 0; i < n; i++) {
    const b = i % blocks;
    const size = Math.floor((n - 1 - b) / blocks) + 1;
    for (let t = 0; t < inside + across; t++) {
      let j = i;
      while (j === i) j = t < inside ? b + blocks * Math.floor(r() * size) : Math.floor(r() * n);
      src.push(i);
      dst.push(j);
      w.push(t < inside ? 0.5 + 0.5 * r() : 0.1 + 0.4 * r());
    }
  }
  return { g: csrFromEdges(n, { src, dst, w }), truth };
}

/** Erdős–Rényi graph with n·avgDegree/2 distinct edges of weight 1 (no self loops). */
export function erdosRenyi(n: number, avgDegree: number, seed: number): Csr {
  const r = rng(seed);
  const m = Math.round((n * avgDegree) / 2);
  const seen = new Set<number>();
  const src: number[] = [];
  const dst: number[] = [];
  while (src.length < m) {
    const i = Math.floor(r() * n);
    const j = Math.floor(r() * n);
    const key = Math.min(i, j) * n + Math.max(i, j);
    if (i === j || seen.has(key)) continue;
    seen.add(key);
    src.push(i);
    dst.push(j);
  }
  return csrFromEdges(n, { src, dst });
}

/** Every partition of {0..n-1} as restricted growth strings (Bell(n) of them; keep n <= 10). */
export function* allPartitions(n: number): Generator<Int32Array> {
  const a = new Int32Array(n);
  const max = new Int32Array(n);
  for (;;) {
    yield a.slice();
    let i = n - 1;
    while (i > 0 && a[i] === max[i - 1] + 1) i--;
    if (i <= 0) return;
    a[i]++;
    max[i] = Math.max(max[i - 1], a[i]);
    for (let j = i + 1; j < n; j++) {
      a[j] = 0;
      max[j] = max[i];
    }
  }
}

/** Modularity straight from the definition's community form: Σ_c [in_c/2m − γ (K_c/2m)²]. */
export function modularityRef(g: Csr, memb: ArrayLike<number>, gamma = 1): number {
  const inside = new Map<number, number>();
  const K = new Map<number, number>();
  let twoM = 0;
  for (let i = 0; i < g.n; i++)
    for (let p = g.rowPtr[i]; p < g.rowPtr[i + 1]; p++) {
      const w = g.weights[p];
      twoM += w;
      K.set(memb[i], (K.get(memb[i]) ?? 0) + w);
      if (memb[g.colIdx[p]] === memb[i]) inside.set(memb[i], (inside.get(memb[i]) ?? 0) + w);
    }
  if (twoM === 0) return NaN;
  let q = 0;
  for (const [c, k] of K) q += (inside.get(c) ?? 0) / twoM - gamma * (k / twoM) ** 2;
  return q;
}

/** CPM from its definition: Σ_c [e_c − γ n_c(n_c − 1)/2], e_c = ½ Σ_{i,j∈c} A_ij. */
export function cpmRef(g: Csr, memb: ArrayLike<number>, gamma: number): number {
  const size = new Map<number, number>();
  for (let i = 0; i < g.n; i++) size.set(memb[i], (size.get(memb[i]) ?? 0) + 1);
  let e = 0;
  for (let i = 0; i < g.n; i++)
    for (let p = g.rowPtr[i]; p < g.rowPtr[i + 1]; p++) if (memb[g.colIdx[p]] === memb[i]) e += g.weights[p] / 2;
  let pairs = 0;
  for (const s of size.values()) pairs += (s * (s - 1)) / 2;
  return e - gamma * pairs;
}

/** Communities whose induced subgraph (edges of positive weight) is not connected, by BFS. */
export function disconnectedCommunities(g: Csr, memb: ArrayLike<number>): number[] {
  const seen = new Uint8Array(g.n);
  const firstSeen = new Map<number, boolean>();
  const bad = new Set<number>();
  const queue = new Int32Array(g.n);
  for (let s = 0; s < g.n; s++) {
    if (seen[s]) continue;
    const c = memb[s];
    if (firstSeen.has(c)) bad.add(c); // a second component of c
    firstSeen.set(c, true);
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    seen[s] = 1;
    while (head < tail) {
      const v = queue[head++];
      for (let p = g.rowPtr[v]; p < g.rowPtr[v + 1]; p++) {
        const u = g.colIdx[p];
        if (!seen[u] && memb[u] === c && g.weights[p] > 0) {
          seen[u] = 1;
          queue[tail++] = u;
        }
      }
    }
  }
  return [...bad].sort((a, b) => a - b);
}

function contingency(a: ArrayLike<number>, b: ArrayLike<number>) {
  const n = a.length;
  const ab = new Map<string, number>();
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = `${a[i]},${b[i]}`;
    ab.set(k, (ab.get(k) ?? 0) + 1);
    ca.set(a[i], (ca.get(a[i]) ?? 0) + 1);
    cb.set(b[i], (cb.get(b[i]) ?? 0) + 1);
  }
  return { n, ab, ca, cb };
}

/** Normalised mutual information (arithmetic mean of the entropies); 1 for identical partitions. */
export function nmi(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { n, ab, ca, cb } = contingency(a, b);
  const h = (m: Map<number, number>) => [...m.values()].reduce((s, c) => s - (c / n) * Math.log(c / n), 0);
  let mi = 0;
  for (const [k, c] of ab) {
    const [x, y] = k.split(',').map(Number);
    mi += (c / n) * Math.log((c * n) / ((ca.get(x) as number) * (cb.get(y) as number)));
  }
  const ha = h(ca);
  const hb = h(cb);
  return ha + hb === 0 ? 1 : (2 * mi) / (ha + hb);
}

/** Adjusted Rand index; 1 for identical partitions. */
export function ari(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { n, ab, ca, cb } = contingency(a, b);
  const c2 = (x: number) => (x * (x - 1)) / 2;
  const sumAB = [...ab.values()].reduce((s, x) => s + c2(x), 0);
  const sumA = [...ca.values()].reduce((s, x) => s + c2(x), 0);
  const sumB = [...cb.values()].reduce((s, x) => s + c2(x), 0);
  const expected = (sumA * sumB) / c2(n);
  const max = (sumA + sumB) / 2;
  return max === expected ? 1 : (sumAB - expected) / (max - expected);
}

/** True when a and b are the same partition up to relabelling. */
export function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

/**
 * Plain Louvain (Blondel et al. 2008) for modularity, as a reference: sweeps in node
 * order, best strictly positive move, aggregate, repeat; no refinement, so it can leave
 * communities disconnected. Returns the membership of the input nodes.
 */
export function louvainRef(g: Csr, gamma = 1, o: { seed?: number; iterations?: number } = {}): Int32Array {
  const order = o.seed === undefined ? undefined : rng(o.seed);
  let result: Int32Array = Int32Array.from({ length: g.n }, (_, i) => i);
  for (let it = 0; it < (o.iterations ?? 1); it++) result = louvainOnce(g, gamma, result, order);
  return result;
}

function louvainOnce(g: Csr, gamma: number, start: Int32Array, random?: () => number): Int32Array {
  // Level graph as adjacency maps.
  let adj: Map<number, number>[] = [];
  for (let i = 0; i < g.n; i++) {
    const m = new Map<number, number>();
    for (let p = g.rowPtr[i]; p < g.rowPtr[i + 1]; p++) m.set(g.colIdx[p], (m.get(g.colIdx[p]) ?? 0) + g.weights[p]);
    adj.push(m);
  }
  const twoM = adj.reduce((s, m) => s + [...m.values()].reduce((a, b) => a + b, 0), 0);
  let k = adj.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  let top = Array.from({ length: g.n }, (_, i) => i); // input node -> level node
  for (let level = 0; ; level++) {
    const n = adj.length;
    const comm = level === 0 ? Array.from(start) : Array.from({ length: n }, (_, i) => i);
    const tot = new Array<number>(n).fill(0);
    for (let v = 0; v < n; v++) tot[comm[v]] += k[v];
    const visit = Array.from({ length: n }, (_, i) => i);
    if (random)
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [visit[i], visit[j]] = [visit[j], visit[i]];
      }
    let movedAny = false;
    for (let improved = true; improved; ) {
      improved = false;
      for (const v of visit) {
        const cur = comm[v];
        tot[cur] -= k[v];
        const to = new Map<number, number>();
        for (const [u, w] of adj[v]) if (u !== v) to.set(comm[u], (to.get(comm[u]) ?? 0) + w);
        let best = cur;
        let bestGain = (to.get(cur) ?? 0) - (gamma * k[v] * tot[cur]) / twoM;
        for (const [c, w] of to) {
          const gain = w - (gamma * k[v] * tot[c]) / twoM;
          if (gain > bestGain + 1e-12) {
            bestGain = gain;
            best = c;
          }
        }
        tot[best] += k[v];
        if (best !== cur) {
          comm[v] = best;
          improved = true;
          movedAny = true;
        }
      }
    }
    if (!movedAny && level > 0) break;
    if (!movedAny && level === 0 && new Set(comm).size === n) break;
    const ids = new Map<number, number>();
    for (const c of comm) if (!ids.has(c)) ids.set(c, ids.size);
    const next: Map<number, number>[] = Array.from({ length: ids.size }, () => new Map());
    const nk = new Array<number>(ids.size).fill(0);
    for (let v = 0; v < n; v++) {
      const a = ids.get(comm[v]) as number;
      nk[a] += k[v];
      for (const [u, w] of adj[v]) {
        const b = ids.get(comm[u]) as number;
        next[a].set(b, (next[a].get(b) ?? 0) + w);
      }
    }
    top = top.map((v) => ids.get(comm[v]) as number);
    adj = next;
    k = nk;
  }
  return Int32Array.from(top);
}

/** Zachary's karate club (34 nodes, 78 edges), 0-based. Best modularity ≈ 0.4198 (4 communities). */
export const KARATE_EDGES: [number, number][] = [
  [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 8], [0, 10], [0, 11], [0, 12], [0, 13], [0, 17],
  [0, 19], [0, 21], [0, 31], [1, 2], [1, 3], [1, 7], [1, 13], [1, 17], [1, 19], [1, 21], [1, 30], [2, 3], [2, 7],
  [2, 27], [2, 28], [2, 32], [2, 9], [2, 8], [2, 13], [3, 7], [3, 12], [3, 13], [4, 6], [4, 10], [5, 6], [5, 10],
  [5, 16], [6, 16], [8, 30], [8, 32], [8, 33], [9, 33], [13, 33], [14, 32], [14, 33], [15, 32], [15, 33], [18, 32],
  [18, 33], [19, 33], [20, 32], [20, 33], [22, 32], [22, 33], [23, 25], [23, 27], [23, 32], [23, 33], [23, 29],
  [24, 25], [24, 27], [24, 31], [25, 31], [26, 29], [26, 33], [27, 33], [28, 31], [28, 33], [29, 32], [29, 33],
  [30, 32], [30, 33], [31, 32], [31, 33], [32, 33],
];
