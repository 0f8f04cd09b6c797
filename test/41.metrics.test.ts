// Metrics against an independent reference on seeded random inputs: the hull as the
// supremum over convex combinations of two points, nAUC by dense numerical integration,
// costToMatchBest by bisection, utilities and the oracle by direct loops; plus bad input.
import { describe, expect, it } from 'vitest';
import { evaluate, type EvalSet } from '../src/eval/metrics.js';
import { lambdaGrid } from '../src/policy/index.js';
import type { Estimate } from '../src/routers/types.js';
import { estimateOf } from './helpers-eval.js';
import { rng } from './helpers.js';

interface P {
  cost: number;
  quality: number;
}

/** sup { q : (c, q) in the convex hull of the points, c ≤ x }, 0 below the cheapest point. */
function refHull(points: P[], x: number): number {
  let best = -Infinity;
  for (const a of points)
    for (const b of points) {
      if (a.cost > x || a.cost > b.cost) continue;
      if (b.cost <= x) best = Math.max(best, a.quality, b.quality);
      else best = Math.max(best, a.quality, a.quality + ((b.quality - a.quality) * (x - a.cost)) / (b.cost - a.cost));
    }
  return best === -Infinity ? 0 : best;
}

function refArea(points: P[], lo: number, hi: number, steps = 4000): number {
  let s = 0;
  const h = (hi - lo) / steps;
  let prev = refHull(points, lo);
  for (let k = 1; k <= steps; k++) {
    const cur = refHull(points, lo + k * h);
    s += ((prev + cur) / 2) * h;
    prev = cur;
  }
  return s / (hi - lo);
}

function refReach(points: P[], target: number): number | null {
  const costs = points.map((p) => p.cost);
  let lo = Math.min(...costs);
  let hi = Math.max(...costs);
  if (refHull(points, hi) < target) return null;
  if (refHull(points, lo) >= target) return lo;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (refHull(points, mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A random routing problem whose estimates are noisy true scores. */
function problem(n: number, M: number, seed: number, noise: number, dearIsWorse = false) {
  const r = rng(seed);
  const scores = new Float32Array(n * M);
  const costs = new Float32Array(n * M);
  const quality = new Float32Array(n * M);
  const cost = new Float32Array(n * M);
  const price = Array.from({ length: M }, (_, m) => 1e-4 * 3 ** m);
  const tasks: string[] = [];
  for (let i = 0; i < n; i++) {
    tasks.push(['alpha', 'beta', 'gamma'][Math.floor(r() * 3)]);
    const len = 0.5 + r();
    for (let m = 0; m < M; m++) {
      const k = i * M + m;
      scores[k] = r() < (dearIsWorse ? 0.8 - 0.12 * m : 0.3 + 0.12 * m) ? 1 : r() < 0.2 ? 0.5 : 0;
      costs[k] = price[m] * len;
      quality[k] = Math.min(1, Math.max(0, scores[k] + noise * (r() - 0.5)));
      cost[k] = price[m] * (0.75 + 0.5 * r());
    }
  }
  const est: Estimate = { quality, cost, n, models: M };
  const test: EvalSet = { scores, costs, tasks, models: Array.from({ length: M }, (_, m) => `model-${m}`) };
  return { est, test, n, M };
}

describe('evaluate agrees with an independent reference', () => {
  for (const [seed, noise, dearIsWorse] of [
    [1, 0.6, false],
    [2, 1.2, false],
    [3, 0.2, false],
    [4, 1.0, true], // the hull peaks before the dearest point
  ] as const) {
    it(`seed ${seed}, estimate noise ${noise}${dearIsWorse ? ', dearer models worse' : ''}`, () => {
      const { est, test, n, M } = problem(160, 5, seed, noise, dearIsWorse);
      const { scores, costs, tasks } = test;
      const cRef = 0.005;
      const bestSingle = M - 1;
      const res = evaluate(est, test, { cRef, bestSingle });

      // points: brute-force argmax with the tie rules
      const grid = lambdaGrid();
      expect(res.points.map((p) => p.lambda)).toEqual(grid);
      const pts: P[] = grid.map((l) => {
        let q = 0;
        let c = 0;
        for (let i = 0; i < n; i++) {
          const cand = Array.from({ length: M }, (_, m) => ({ m, s: est.quality[i * M + m] - (l / cRef) * est.cost[i * M + m], c: est.cost[i * M + m] }));
          cand.sort((a, b) => b.s - a.s || a.c - b.c || a.m - b.m);
          q += scores[i * M + cand[0].m];
          c += costs[i * M + cand[0].m];
        }
        return { cost: c / n, quality: q / n };
      });
      res.points.forEach((p, k) => {
        expect(p.cost).toBeCloseTo(pts[k].cost, 14);
        expect(p.quality).toBeCloseTo(pts[k].quality, 14);
      });
      expect(res.maxQuality).toBeCloseTo(Math.max(...pts.map((p) => p.quality)), 14);

      // per-model means, the range and the reference qualities
      const mean = (m: number, a: Float32Array) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += a[i * M + m];
        return s / n;
      };
      const modelCosts = Array.from({ length: M }, (_, m) => mean(m, costs));
      const lo = Math.min(...modelCosts);
      const hi = Math.max(...modelCosts);
      expect(res.nAUC).toBeCloseTo(refArea(pts, lo, hi), 5);

      const bestQ = mean(bestSingle, scores);
      const reach = refReach(pts, bestQ);
      if (reach === null) expect(res.costToMatchBest).toBeNull();
      else expect(res.costToMatchBest!).toBeCloseTo(reach / modelCosts[bestSingle], 8);

      let oracle = 0;
      for (let i = 0; i < n; i++) oracle += Math.max(...Array.from(scores.subarray(i * M, i * M + M)));
      oracle /= n;
      expect(res.gapRecovered).toBeCloseTo((res.maxQuality - bestQ) / (oracle - bestQ), 12);

      // utilities with per-task normalisation of true (scoring) and estimated (choosing) costs
      const range = new Map<string, [number, number]>();
      tasks.forEach((t, i) => {
        const row = Array.from(costs.subarray(i * M, i * M + M));
        const r0 = range.get(t) ?? [Infinity, -Infinity];
        range.set(t, [Math.min(r0[0], ...row), Math.max(r0[1], ...row)]);
      });
      const norm = (v: number, t: string) => {
        const [a, b] = range.get(t)!;
        return b > a ? (v - a) / (b - a) : 0;
      };
      const U = (mc: number, mr: number) => {
        let u = 0;
        for (let i = 0; i < n; i++) {
          let b = 0;
          let bs = -Infinity;
          for (let m = 0; m < M; m++) {
            const s = mr * est.quality[i * M + m] - mc * norm(est.cost[i * M + m], tasks[i]);
            if (s > bs || (s === bs && est.cost[i * M + m] < est.cost[i * M + b])) {
              b = m;
              bs = s;
            }
          }
          u += mr * scores[i * M + b] - mc * norm(costs[i * M + b], tasks[i]);
        }
        return u / n;
      };
      expect(res.utilities.costFirst).toBeCloseTo(U(0.8, 0.2), 12);
      expect(res.utilities.balanced).toBeCloseTo(U(0.5, 0.5), 12);
      expect(res.utilities.performanceFirst).toBeCloseTo(U(0.2, 0.8), 12);
      expect(res.utilities.sum).toBeCloseTo(U(0.8, 0.2) + U(0.5, 0.5) + U(0.2, 0.8), 12);

      // shares sum to 1; per-task rows cover every test row
      for (const sh of [res.shares!.atMaxQuality, res.shares!.atBalanced]) {
        expect(Object.keys(sh)).toEqual(test.models);
        expect(Object.values(sh).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
      expect(res.perTask!.map((t) => t.task)).toEqual(['alpha', 'beta', 'gamma']);
      expect(res.perTask!.reduce((a, t) => a + t.n, 0)).toBe(n);
      const weighted = res.perTask!.reduce((a, t) => a + t.n * t.quality, 0) / n;
      expect(weighted).toBeCloseTo(res.maxQuality, 12);
    });
  }

  it('a perfect estimate recovers the whole gap; an estimate without signal stays near the floor', () => {
    const { est, test } = problem(200, 4, 9, 0);
    const perfect = evaluate({ ...est, quality: Float32Array.from(test.scores), cost: Float32Array.from(test.costs) }, test, { cRef: 0.003, bestSingle: 3 });
    expect(perfect.gapRecovered).toBe(1);
    const flat = evaluate({ ...est, quality: new Float32Array(est.quality.length) }, test, { cRef: 0.003, bestSingle: 3 });
    expect(flat.maxQuality).toBeLessThan(perfect.maxQuality);
    expect(flat.nAUC).toBeLessThan(perfect.nAUC);
  });
});

describe('evaluate rejects bad input with exact messages', () => {
  const est = estimateOf(
    [
      [0.5, 1],
      [1, 0.5],
    ],
    [
      [1, 2],
      [1, 2],
    ],
  );
  const test: EvalSet = { scores: Float32Array.from([1, 0, 0, 1]), costs: Float32Array.from([1, 2, 1, 2]), tasks: ['a', 'b'] };
  const ref = { cRef: 2, bestSingle: 1 };

  it('shapes and values of the test labels', () => {
    expect(() => evaluate(est, { ...test, scores: new Float32Array(3) }, ref)).toThrow(
      'Expected "test.scores.length" to be n × M = 2 × 2 = 4 (the estimate\'s shape), received 3',
    );
    expect(() => evaluate(est, { ...test, scores: Float32Array.from([1, NaN, 0, 1]) }, ref)).toThrow(
      'Expected "test.scores" to be finite values only, received "NaN at index 1 (row 0, model 1)"',
    );
    expect(() => evaluate(est, { ...test, costs: Float32Array.from([1, 2, -1, 2]) }, ref)).toThrow(
      'Expected "test.costs" to be finite values >= 0, received "-1 at index 2 (row 1, model 0)"',
    );
    expect(() => evaluate(est, { ...test, tasks: ['a'] }, ref)).toThrow('Expected "test.tasks.length" to be n = 2, received 1');
    expect(() => evaluate(est, { ...test, tasks: ['a', 3 as unknown as string] }, ref)).toThrow('Expected "test.tasks[1]" to be a string, received 3');
    expect(() => evaluate(est, { ...test, models: ['x', 'x'] }, ref)).toThrow('Expected "test.models" to be distinct model names');
  });

  it('the reference and the estimate', () => {
    expect(() => evaluate(est, test, { cRef: 0, bestSingle: 0 })).toThrow('Expected "ref.cRef" to be a finite number > 0, received 0');
    expect(() => evaluate(est, test, { cRef: 1, bestSingle: 2 })).toThrow('Expected "ref.bestSingle" to be an integer in [0, 1], received 2');
    expect(() => evaluate(est, test, { cRef: 1, bestSingle: 0, lambdas: [] })).toThrow('Expected "ref.lambdas" to be a non-empty array of numbers');
    expect(() => evaluate({ ...est, n: 0, quality: new Float32Array(0), cost: new Float32Array(0) }, test, ref)).toThrow(
      'Expected "est.n" to be an integer >= 1 (no test rows to evaluate), received 0',
    );
    expect(() => evaluate({ ...est, cost: Float32Array.from([1, 2, 1, NaN]) }, test, ref)).toThrow('Expected "est.cost" to be finite values only');
  });
});
