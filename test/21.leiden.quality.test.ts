// graphQuality: exact modularity and CPM on hand-computed graphs, parity with the pure-TS
// definitions on random weighted graphs with self loops, and its argument checks.
import { describe, expect, it } from 'vitest';
import { csrFromEdges } from '../src/graph/csr.js';
import { graphQuality, leidenSync } from '../src/graph/leiden.js';
import { rng } from './helpers.js';
import { cpmRef, modularityRef, sbm } from './helpers-leiden.js';

// Two triangles {0,1,2} and {3,4,5} joined by the edge 2–3: m = 7.
const twoTriangles = csrFromEdges(6, [[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]]);
const split = new Int32Array([0, 0, 0, 1, 1, 1]);

describe('graphQuality', () => {
  it('modularity of two triangles: split 5/14, together 0, singletons −34/196', () => {
    expect(graphQuality(twoTriangles, split)).toBeCloseTo(5 / 14, 15);
    expect(graphQuality(twoTriangles, new Int32Array(6))).toBeCloseTo(0, 15);
    expect(graphQuality(twoTriangles, new Int32Array([0, 1, 2, 3, 4, 5]))).toBeCloseTo(-34 / 196, 15);
    // γ = 0: the fraction of edge weight inside communities; γ = 2 doubles the penalty.
    expect(graphQuality(twoTriangles, split, { resolution: 0 })).toBeCloseTo(12 / 14, 15);
    expect(graphQuality(twoTriangles, split, { resolution: 2 })).toBeCloseTo(12 / 14 - 2 * 2 * 0.25, 15);
  });

  it('CPM of two triangles: e_c − γ n_c(n_c − 1)/2', () => {
    expect(graphQuality(twoTriangles, split, { objective: 'cpm', resolution: 0.5 })).toBe(6 - 0.5 * 6);
    expect(graphQuality(twoTriangles, new Int32Array(6), { objective: 'cpm', resolution: 0.5 })).toBe(7 - 0.5 * 15);
    expect(graphQuality(twoTriangles, new Int32Array([0, 1, 2, 3, 4, 5]), { objective: 'cpm', resolution: 3 })).toBe(0);
  });

  it('labels need not be contiguous: only the partition counts', () => {
    const relabelled = new Int32Array([5, 5, 5, 2, 2, 2]);
    expect(graphQuality(twoTriangles, relabelled)).toBe(graphQuality(twoTriangles, split));
  });

  it('matches the definitions on random weighted graphs with self loops', () => {
    const r = rng(31);
    for (let t = 0; t < 6; t++) {
      const n = 30 + 10 * t;
      const edges: [number, number, number][] = [];
      for (let i = 0; i < n; i++)
        for (let j = i; j < n; j++) if (r() < (i === j ? 0.2 : 0.1)) edges.push([i, j, Math.fround(0.1 + 3 * r())]);
      const g = csrFromEdges(n, edges);
      const memb = Int32Array.from({ length: n }, () => Math.floor(r() * (2 + t)));
      for (const resolution of [0, 0.3, 1, 2.5]) {
        expect(graphQuality(g, memb, { resolution })).toBeCloseTo(modularityRef(g, memb, resolution), 12);
        expect(graphQuality(g, memb, { objective: 'cpm', resolution })).toBeCloseTo(cpmRef(g, memb, resolution), 9);
      }
    }
  });

  it('is the quality leiden reports, and the same for any thread count', () => {
    const { g } = sbm(Array(8).fill(700), 0.01, 0.001, 41, true); // 5600 nodes: several fixed blocks
    const r = leidenSync(g, { resolution: 0.8 });
    const q1 = graphQuality(g, r.membership, { resolution: 0.8, threads: 1 });
    expect(r.quality).toBe(q1);
    for (const threads of [2, 3, 7]) expect(graphQuality(g, r.membership, { resolution: 0.8, threads })).toBe(q1);
    expect(q1).toBeCloseTo(modularityRef(g, r.membership, 0.8), 12);
  });

  it('modularity is NaN without edge weight; CPM is defined', () => {
    const none = csrFromEdges(3, []);
    expect(graphQuality(none, new Int32Array([0, 1, 1]))).toBeNaN();
    expect(graphQuality(none, new Int32Array([0, 1, 1]), { objective: 'cpm', resolution: 2 })).toBe(-2);
    const empty = csrFromEdges(0, []);
    expect(graphQuality(empty, new Int32Array(0))).toBeNaN();
    expect(graphQuality(empty, new Int32Array(0), { objective: 'cpm' })).toBe(0);
  });

  it('rejects a bad membership or options with exact messages', () => {
    expect(() => graphQuality(twoTriangles, [0, 0, 0, 1, 1, 1] as unknown as Int32Array)).toThrow(
      'Expected "membership" to be an Int32Array, received an array of length 6',
    );
    expect(() => graphQuality(twoTriangles, new Int32Array(5))).toThrow('Expected "membership.length" to be g.n = 6, received 5');
    expect(() => graphQuality(twoTriangles, new Int32Array([0, 0, 0, 1, 1, 6]))).toThrow(
      'Expected "membership[5]" to be a community index in [0, 5], received 6',
    );
    expect(() => graphQuality(twoTriangles, new Int32Array([0, -1, 0, 1, 1, 1]))).toThrow(
      'Expected "membership[1]" to be a community index in [0, 5], received -1',
    );
    expect(() => graphQuality(twoTriangles, split, { objective: 'rb' as 'cpm' })).toThrow(
      `Expected "objective" to be one of 'modularity', 'cpm', received "rb"`,
    );
    expect(() => graphQuality(twoTriangles, split, { resolution: -1 })).toThrow('Expected "resolution" to be a number in [0, Infinity], received -1');
    expect(() => graphQuality(twoTriangles, split, { resolution: NaN })).toThrow('Expected "resolution" to be a finite number, received NaN');
  });
});
