// Leiden: planted partitions recovered, the returned quality matches an independent
// computation, the paper's guarantees (connected, γ-separated, node-optimal communities)
// hold, resolution moves the community count the right way, and results are seeded and
// independent of the thread count.
import { describe, expect, it } from 'vitest';
import { csrFromEdges } from '../src/graph/csr.js';
import { leiden, leidenSync, type LeidenOptions, type LeidenResult } from '../src/graph/leiden.js';
import type { Csr } from '../src/ops/types.js';
import {
  KARATE_EDGES,
  ari,
  cpmRef,
  disconnectedCommunities,
  erdosRenyi,
  louvainRef,
  modularityRef,
  nmi,
  plantedSparse,
  samePartition,
  sbm,
} from './helpers-leiden.js';

function refQuality(g: Csr, memb: ArrayLike<number>, o: LeidenOptions = {}): number {
  return o.objective === 'cpm' ? cpmRef(g, memb, o.resolution ?? 1) : modularityRef(g, memb, o.resolution ?? 1);
}

/** Communities numbered 0..C-1 by decreasing size, ties by smallest node id. */
function expectCanonical(r: LeidenResult): void {
  const size = new Array<number>(r.communities).fill(0);
  const first = new Array<number>(r.communities).fill(-1);
  r.membership.forEach((c, i) => {
    expect(c).toBeGreaterThanOrEqual(0);
    expect(c).toBeLessThan(r.communities);
    size[c]++;
    if (first[c] < 0) first[c] = i;
  });
  for (let c = 1; c < r.communities; c++) {
    expect(size[c]).toBeGreaterThan(0);
    expect(size[c - 1] > size[c] || (size[c - 1] === size[c] && first[c - 1] < first[c])).toBe(true);
  }
}

/** No single node can move to another (or a new) community with a strict gain. */
function expectNodeOptimal(g: Csr, r: LeidenResult, o: LeidenOptions): void {
  const m = Int32Array.from(r.membership);
  const q = refQuality(g, m, o);
  const tol = 1e-9 * Math.max(1, Math.abs(q));
  for (let v = 0; v < g.n; v++) {
    const own = m[v];
    const targets = new Set<number>([r.communities]); // r.communities: a new, empty community
    for (let p = g.rowPtr[v]; p < g.rowPtr[v + 1]; p++) targets.add(m[g.colIdx[p]]);
    targets.delete(own);
    for (const c of targets) {
      m[v] = c;
      expect(refQuality(g, m, o), `moving node ${v} to ${c}`).toBeLessThanOrEqual(q + tol);
    }
    m[v] = own;
  }
}

/** Merging any two communities does not increase the quality (γ-separation). */
function expectSeparated(g: Csr, r: LeidenResult, o: LeidenOptions): void {
  const q = refQuality(g, r.membership, o);
  for (let a = 0; a < r.communities; a++)
    for (let b = a + 1; b < r.communities; b++) {
      const m = r.membership.map((c) => (c === b ? a : c));
      expect(refQuality(g, m, o), `merging ${a} and ${b}`).toBeLessThanOrEqual(q + 1e-9 * Math.max(1, Math.abs(q)));
    }
}

describe('leiden on planted partitions', () => {
  it('recovers an unweighted stochastic block model exactly', async () => {
    const { g, truth } = sbm([60, 60, 60, 60, 60], 0.3, 0.01, 1);
    const r = await leiden(g);
    expect(r.communities).toBe(5);
    expect(samePartition(r.membership, truth)).toBe(true);
    expect(r.quality).toBeCloseTo(modularityRef(g, r.membership), 12);
    expectCanonical(r);
  });

  it('recovers a sparse planted partition of 20,000 nodes', async () => {
    const { g, truth } = plantedSparse(20000, 40, 6, 2, 8);
    const r = await leiden(g);
    expect(ari(r.membership, truth)).toBeGreaterThan(0.99);
    expect(r.quality).toBeCloseTo(modularityRef(g, r.membership), 12);
    expect(disconnectedCommunities(g, r.membership)).toEqual([]);
  });

  it('recovers a weighted block model of unequal blocks (NMI and ARI > 0.95)', async () => {
    const { g, truth } = sbm([40, 80, 120, 60], 0.2, 0.05, 2, true);
    const r = await leiden(g, { seed: 3 });
    expect(nmi(r.membership, truth)).toBeGreaterThan(0.95);
    expect(ari(r.membership, truth)).toBeGreaterThan(0.95);
    expect(r.quality).toBeCloseTo(modularityRef(g, r.membership), 12);
    // every community is one block here, so the sizes say the numbering too
    expect(Array.from(new Set(r.membership))).toHaveLength(4);
    expect(r.membership[150]).toBe(0); // the 120-block is the largest
  });

  it('CPM at a resolution between the block densities gives the planted clusters', async () => {
    const { g, truth } = sbm([30, 30, 30, 30, 30, 30], 0.5, 0.02, 3);
    const o: LeidenOptions = { objective: 'cpm', resolution: 0.1 };
    const r = await leiden(g, o);
    expect(samePartition(r.membership, truth)).toBe(true);
    expect(r.quality).toBeCloseTo(cpmRef(g, r.membership, 0.1), 9);
  });

  it('higher resolution never gives fewer communities (modularity and CPM)', () => {
    const { g } = sbm(Array(16).fill(25), 0.4, 0.01, 4, true);
    const mod = [0.05, 0.1, 0.25, 1, 4, 16].map((resolution) => leidenSync(g, { resolution }).communities);
    for (let i = 1; i < mod.length; i++) expect(mod[i]).toBeGreaterThanOrEqual(mod[i - 1]);
    expect(mod[0]).toBeLessThan(16);
    expect(mod[3]).toBe(16);
    expect(mod[5]).toBeGreaterThan(16);
    const cpm = [0.001, 0.05, 0.3, 1.5].map((resolution) => leidenSync(g, { objective: 'cpm', resolution }).communities);
    for (let i = 1; i < cpm.length; i++) expect(cpm[i]).toBeGreaterThanOrEqual(cpm[i - 1]);
    expect(cpm[0]).toBe(1);
    expect(cpm[3]).toBeGreaterThan(16);
  });
});

describe('leiden guarantees', () => {
  // A sparse random graph on which plain Louvain, iterated, leaves communities disconnected.
  const er = erdosRenyi(5000, 4, 1);

  it('the reference Louvain does leave disconnected communities on this graph', () => {
    expect(disconnectedCommunities(er, louvainRef(er, 1, { iterations: 2 })).length).toBeGreaterThan(0);
  });

  it('every Leiden community is connected there, whatever the seed and randomness', () => {
    for (const o of [{ seed: 0 }, { seed: 1 }, { seed: 2, randomness: 1 }, { seed: 3, randomness: 100 }, { seed: 4, iterations: 1 }]) {
      const r = leidenSync(er, o);
      expect(disconnectedCommunities(er, r.membership), JSON.stringify(o)).toEqual([]);
      expect(r.quality).toBeCloseTo(modularityRef(er, r.membership), 12);
      expectCanonical(r);
    }
  });

  it('beats the reference Louvain on modularity there', () => {
    const louvain = modularityRef(er, louvainRef(er, 1, { iterations: 2 }));
    expect(leidenSync(er).quality).toBeGreaterThan(louvain);
  });

  for (const o of [{}, { resolution: 0.5 }, { objective: 'cpm', resolution: 0.05 }, { objective: 'cpm', resolution: 0.3 }] as LeidenOptions[]) {
    it(`after a stable iteration every node is locally optimal and communities are separated (${JSON.stringify(o)})`, () => {
      const { g } = sbm([20, 25, 30, 15, 10], 0.25, 0.05, 9, true);
      const r = leidenSync(g, o);
      expect(disconnectedCommunities(g, r.membership)).toEqual([]);
      expectNodeOptimal(g, r, o);
      expectSeparated(g, r, o);
    });
  }
});

describe('leiden on known graphs and edge cases', () => {
  const karate = csrFromEdges(34, KARATE_EDGES);

  it("reaches the best-known modularity of Zachary's karate club (0.4198)", () => {
    for (let seed = 0; seed < 5; seed++) {
      const r = leidenSync(karate, { seed });
      expect(r.quality).toBeGreaterThanOrEqual(0.4188);
      expect(r.quality).toBeCloseTo(modularityRef(karate, r.membership), 12);
      expect(r.communities).toBe(4);
      expectCanonical(r);
    }
  });

  it('the empty graph gives an empty partition', async () => {
    const g = { n: 0, rowPtr: new Int32Array([0]), colIdx: new Int32Array(0), weights: new Float32Array(0) };
    const r = await leiden(g);
    expect(r.membership).toEqual(new Int32Array(0));
    expect(r.communities).toBe(0);
    expect(r.iterations).toBe(0);
    expect(r.quality).toBeNaN(); // modularity is undefined without edge weight
    expect(leidenSync(g, { objective: 'cpm' }).quality).toBe(0);
  });

  it('a single node, with and without a self loop', () => {
    const lone = csrFromEdges(1, []);
    expect(leidenSync(lone)).toMatchObject({ membership: new Int32Array([0]), communities: 1 });
    expect(leidenSync(lone).quality).toBeNaN();
    expect(leidenSync(lone, { objective: 'cpm' }).quality).toBe(0);
    const loop = csrFromEdges(1, [[0, 0, 3]]);
    // Q = (A_00 − k_0² / 2m) / 2m = (6 − 36/6) / 6 = 0; CPM: e = 3
    expect(leidenSync(loop).quality).toBe(0);
    expect(leidenSync(loop, { objective: 'cpm' }).quality).toBe(3);
  });

  it('isolated nodes stay alone; edgeless graphs give singletons', () => {
    const g = csrFromEdges(7, [[1, 2], [2, 3], [1, 3], [5, 6]]);
    const r = leidenSync(g);
    expect(Array.from(r.membership)).toEqual([2, 0, 0, 0, 3, 1, 1]);
    expect(r.communities).toBe(4);
    const none = csrFromEdges(5, []);
    expect(Array.from(leidenSync(none).membership)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(leidenSync(none, { objective: 'cpm', resolution: 0 }).membership)).toEqual([0, 1, 2, 3, 4]);
  });

  it('self loops count in degrees: heavy loops split what plain edges would join', () => {
    const tri = (base: number): [number, number, number][] => [[base, base + 1, 1], [base + 1, base + 2, 1], [base, base + 2, 1]];
    const plain = csrFromEdges(6, [...tri(0), ...tri(3), [2, 3, 1]]);
    const r0 = leidenSync(plain);
    expect(Array.from(r0.membership)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(r0.quality).toBeCloseTo(5 / 14, 14);
    // The same graph with a loop of weight 10 on every node: singletons win.
    const loops = csrFromEdges(6, [...tri(0), ...tri(3), [2, 3, 1], ...[0, 1, 2, 3, 4, 5].map((i) => [i, i, 10] as [number, number, number])]);
    const r1 = leidenSync(loops);
    expect(r1.quality).toBeCloseTo(modularityRef(loops, r1.membership), 12);
    expect(Array.from(r1.membership)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r1.quality).toBeGreaterThan(modularityRef(loops, [0, 0, 0, 1, 1, 1]));
    expectNodeOptimal(loops, r1, {});
    // CPM counts a loop as internal weight of any community: the partition is unchanged by loops.
    const c0 = leidenSync(plain, { objective: 'cpm', resolution: 0.5 });
    const c1 = leidenSync(loops, { objective: 'cpm', resolution: 0.5 });
    expect(Array.from(c1.membership)).toEqual(Array.from(c0.membership));
    expect(c1.quality - c0.quality).toBeCloseTo(60, 4);
  });

  it('iterations: 0 returns singletons; 1 runs exactly one; -1 runs until stable', () => {
    const { g } = sbm([30, 30, 30], 0.3, 0.05, 11);
    const r0 = leidenSync(g, { iterations: 0 });
    expect(r0.iterations).toBe(0);
    expect(r0.communities).toBe(90);
    expect(Array.from(r0.membership)).toEqual(Array.from({ length: 90 }, (_, i) => i));
    expect(leidenSync(g, { iterations: 1 }).iterations).toBe(1);
    expect(leidenSync(g, { iterations: 3 }).iterations).toBe(3);
    const stable = leidenSync(g, { iterations: -1 });
    expect(stable.iterations).toBeGreaterThanOrEqual(2); // the last one changed nothing
    expect(stable.quality).toBeGreaterThanOrEqual(leidenSync(g, { iterations: 1 }).quality - 1e-12);
  });
});

describe('leiden determinism', () => {
  const { g } = sbm(Array(12).fill(40), 0.15, 0.03, 21, true);

  it('same seed, same partition (sync and async); any thread count, same partition', async () => {
    const a = leidenSync(g, { seed: 7, threads: 1 });
    const b = leidenSync(g, { seed: 7, threads: 1 });
    expect(b).toEqual(a);
    for (const threads of [2, 3, 4, 8]) expect(leidenSync(g, { seed: 7, threads }), `threads ${threads}`).toEqual(a);
    expect(await leiden(g, { seed: 7, threads: 2 })).toEqual(a);
  });

  it('bit-identical across thread counts on a graph of several 4096-node work blocks', async () => {
    const big = plantedSparse(20000, 40, 6, 2, 8).g;
    const one = leidenSync(big, { threads: 1 });
    for (const threads of [2, 3, 8]) expect(leidenSync(big, { threads }), `threads ${threads}`).toEqual(one);
    expect(await leiden(big, { threads: 5 })).toEqual(one);
  });

  it('randomness θ is used: a large θ gives another partition than the default', () => {
    const er = erdosRenyi(2000, 4, 5);
    const a = leidenSync(er, { seed: 1 });
    const b = leidenSync(er, { seed: 1, randomness: 50 });
    expect(samePartition(a.membership, b.membership)).toBe(false);
    expect(disconnectedCommunities(er, b.membership)).toEqual([]);
    const greedy = leidenSync(er, { seed: 1, randomness: 1e-300 }); // exp underflow: the argmax
    expect(greedy.quality).toBeCloseTo(modularityRef(er, greedy.membership), 12);
  });

  it('the seed matters on a graph with many near-ties', () => {
    const er = erdosRenyi(2000, 4, 5);
    const parts = [0, 1, 2, 3].map((seed) => leidenSync(er, { seed }).membership);
    expect(parts.some((p) => !samePartition(p, parts[0]))).toBe(true);
    expect(samePartition(leidenSync(er, { seed: 2, threads: 1 }).membership, leidenSync(er, { seed: 2, threads: 2 }).membership)).toBe(true);
  });

  it('concurrent async calls do not interfere', async () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const together = await Promise.all(seeds.map((seed) => leiden(g, { seed })));
    seeds.forEach((seed, i) => expect(together[i]).toEqual(leidenSync(g, { seed })));
  });
});
