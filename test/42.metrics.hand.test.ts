// Metrics on inputs small enough to compute by hand (the same examples as docs/metrics.md).
import { describe, expect, it } from 'vitest';
import { costToReach, evaluate, hullValue, nonDecreasingHull, normalisedArea } from '../src/eval/metrics.js';
import { estimateOf } from './helpers-eval.js';

describe('hull, nAUC and cost to match on a three-point hull', () => {
  // (3, 0.6) lies under the hull; (5, 0.7) is past the peak (the hull must not fall)
  const points = [
    { cost: 4, quality: 0.9 },
    { cost: 1, quality: 0.5 },
    { cost: 3, quality: 0.6 },
    { cost: 2, quality: 0.8 },
    { cost: 5, quality: 0.7 },
    { cost: 2, quality: 0.4 }, // same cost as a better point
  ];
  const hull = nonDecreasingHull(points);

  it('keeps the three vertices of the non-decreasing upper hull', () => {
    expect(hull).toEqual([
      { cost: 1, quality: 0.5 },
      { cost: 2, quality: 0.8 },
      { cost: 4, quality: 0.9 },
    ]);
  });

  it('is 0 left of the first point, linear between vertices, flat right of the last', () => {
    expect(hullValue(hull, 0.99)).toBe(0);
    expect(hullValue(hull, 1)).toBe(0.5);
    expect(hullValue(hull, 1.5)).toBeCloseTo(0.65, 15);
    expect(hullValue(hull, 3)).toBeCloseTo(0.85, 15);
    expect(hullValue(hull, 100)).toBe(0.9);
  });

  it('nAUC over [1, 5] = (0.65 + 1.7 + 0.9) / 4 = 0.8125', () => {
    expect(normalisedArea(hull, 1, 5)).toBeCloseTo(0.8125, 14);
  });

  it('nAUC counts 0 left of the hull: over [0.5, 4] = 2.35 / 3.5', () => {
    expect(normalisedArea(hull, 0.5, 4)).toBeCloseTo(2.35 / 3.5, 14);
  });

  it('nAUC clips the hull to the range: over [2, 3] = 0.825', () => {
    expect(normalisedArea(hull, 2, 3)).toBeCloseTo(0.825, 14);
  });

  it('the cost to reach a quality interpolates along the hull; null when never reached', () => {
    expect(costToReach(hull, 0.4)).toBe(1); // the first vertex already clears it
    expect(costToReach(hull, 0.65)).toBeCloseTo(1.5, 14);
    expect(costToReach(hull, 0.85)).toBeCloseTo(3, 14);
    expect(costToReach(hull, 0.9)).toBe(4);
    expect(costToReach(hull, 0.95)).toBeNull();
  });
});

describe('evaluate: the worked example of docs/metrics.md (4 prompts × 3 models)', () => {
  // models A (cost 1), B (cost 2), C (cost 4) on every prompt
  const scores = Float32Array.from([0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0.5, 0]);
  const costs = Float32Array.from([1, 2, 4, 1, 2, 4, 1, 2, 4, 1, 2, 4]);
  const est = estimateOf(
    [
      [0.8, 0.9, 1.0],
      [0.2, 0.8, 0.9],
      [0.1, 0.3, 0.9],
      [0.4, 0.5, 0.6],
    ],
    [
      [1, 2, 4],
      [1, 2, 4],
      [1, 2, 4],
      [1, 2, 4],
    ],
  );
  const test = { scores, costs, tasks: ['t', 't', 't', 't'], models: ['A', 'B', 'C'] };
  const res = evaluate(est, test, { cRef: 4, bestSingle: 2 });

  it('realises the five operating points of the λ sweep', () => {
    const distinct = [...new Map(res.points.map((p) => [`${p.cost}:${p.quality}`, [p.cost, p.quality]])).values()];
    expect(distinct).toEqual([
      [4, 0.75], // λ < 0.2: C everywhere
      [2.5, 0.875], // 0.2 ≤ λ < 0.4: B, B, C, B
      [2, 0.75], // 0.4 ≤ λ < 16/15: A, B, C, A
      [1.25, 0.5], // 16/15 ≤ λ < 2.4: A, B, A, A
      [1, 0.25], // λ ≥ 2.4: A everywhere
    ]);
    expect(res.points.length).toBe(61);
    expect(res.points[0]).toEqual({ lambda: 0, cost: 4, quality: 0.75 });
  });

  it('maxQuality, nAUC, costToMatchBest and gapRecovered', () => {
    expect(res.maxQuality).toBe(0.875);
    // hull (1, .25) (1.25, .5) (2, .75) (2.5, .875); area over [1, 4] = 2.28125
    expect(res.nAUC).toBeCloseTo(2.28125 / 3, 14);
    // best single C: quality 0.75 at cost 4; the hull reaches 0.75 at cost 2
    expect(res.costToMatchBest).toBeCloseTo(0.5, 14);
    // oracle 1 (B, B, C, A): (0.875 − 0.75) / (1 − 0.75)
    expect(res.gapRecovered).toBeCloseTo(0.5, 14);
  });

  it('shares and the per-task row at the max-quality point', () => {
    expect(res.shares!.atMaxQuality).toEqual({ A: 0, B: 0.75, C: 0.25 });
    expect(res.perTask).toEqual([{ task: 't', n: 4, bestSingleQuality: 0.75, oracleQuality: 1, quality: 0.875, cost: 2.5 }]);
  });
});

describe('TRouter utilities on 2 prompts × 2 models', () => {
  // one task; true costs 1..5 → c̃ = (c − 1) / 4: prompt 1 [0, 0.5], prompt 2 [0, 1]
  const test = { scores: Float32Array.from([1, 1, 0, 1]), costs: Float32Array.from([1, 3, 1, 5]), tasks: ['qa', 'qa'], models: ['A', 'B'] };
  const est = estimateOf(
    [
      [0.75, 1],
      [0.25, 1],
    ],
    [
      [1, 3],
      [1, 5],
    ],
  );
  const res = evaluate(est, test, { cRef: 4, bestSingle: 1 });

  it('U(0.8, 0.2) = 0.1, U(0.5, 0.5) = 0.25, U(0.2, 0.8) = 0.65, sum 1', () => {
    // (0.8, 0.2) and (0.5, 0.5) pick A twice: mean(μ_r·1, μ_r·0); (0.2, 0.8) picks B twice: mean(0.8 − 0.1, 0.8 − 0.2)
    expect(res.utilities.costFirst).toBeCloseTo(0.1, 14);
    expect(res.utilities.balanced).toBeCloseTo(0.25, 14);
    expect(res.utilities.performanceFirst).toBeCloseTo(0.65, 14);
    expect(res.utilities.sum).toBeCloseTo(1, 14);
    expect(res.shares!.atBalanced).toEqual({ A: 1, B: 0 });
  });

  it('normalises each task with its own cost range', () => {
    const costs = Float32Array.from([1, 3, 0.5, 1]);
    const est2 = { ...est, quality: Float32Array.from([0.5, 1, 0.25, 1]), cost: costs };
    // one task: range [0.5, 3] → c̃ prompt 1 [0.2, 1], prompt 2 [0, 0.2]
    const one = evaluate(est2, { ...test, costs }, { cRef: 4, bestSingle: 1 }).utilities;
    // (0.2, 0.8): prompt 1 A 0.36 vs B 0.6 → B (0.8 − 0.2); prompt 2 A 0.2 vs B 0.76 → B (0.8 − 0.04)
    expect(one.performanceFirst).toBeCloseTo(0.68, 14);
    // (0.5, 0.5): prompt 1 A 0.15 vs B 0 → A (0.5 − 0.1); prompt 2 A 0.125 vs B 0.4 → B (0.5 − 0.1)
    expect(one.balanced).toBeCloseTo(0.4, 14);
    // two tasks: prompt 1 over [1, 3], prompt 2 over [0.5, 1] → both c̃ = [0, 1]
    const two = evaluate(est2, { ...test, costs, tasks: ['qa', 'other'] }, { cRef: 4, bestSingle: 1 }).utilities;
    // (0.2, 0.8): prompt 1 A 0.4 vs B 0.6 → B (0.6); prompt 2 A 0.2 vs B 0.6 → B (0.6)
    expect(two.performanceFirst).toBeCloseTo(0.6, 14);
    // (0.5, 0.5): prompt 1 A 0.25 vs B 0 → A (0.5); prompt 2 A 0.125 vs B 0 → A (0)
    expect(two.balanced).toBeCloseTo(0.25, 14);
  });
});

describe('edge cases', () => {
  it('a router that never reaches the best single model: costToMatchBest null; a zero gap recovers 0', () => {
    // best single (index 1) scores 1 everywhere; the router always takes model 0 (score 0.5)
    const test = { scores: Float32Array.from([0.5, 1, 0.5, 1]), costs: Float32Array.from([1, 2, 1, 2]), tasks: ['', ''] };
    const est = estimateOf(
      [
        [1, 0],
        [1, 0],
      ],
      [
        [1, 2],
        [1, 2],
      ],
    );
    const res = evaluate(est, test, { cRef: 2, bestSingle: 1 });
    expect(res.maxQuality).toBe(0.5);
    expect(res.costToMatchBest).toBeNull();
    // oracle = best single = 1: the gap is zero and the router does not reach it
    expect(res.gapRecovered).toBe(0);
    // hull: the single point (1, 0.5) flat to the right: nAUC over [1, 2] = 0.5
    expect(res.nAUC).toBeCloseTo(0.5, 14);
  });

  it('equal costs (a zero-width range): nAUC is the hull value at that cost', () => {
    const scores = Float32Array.from([1, 0, 0, 1, 0.5, 0.5]);
    const costs = new Float32Array(6).fill(0.25);
    const est = estimateOf(
      [
        [1, 0],
        [0, 1],
        [1, 0],
      ],
      [
        [0.25, 0.25],
        [0.25, 0.25],
        [0.25, 0.25],
      ],
    );
    const res = evaluate(est, { scores, costs, tasks: ['a', 'b', 'b'] }, { cRef: 0.25, bestSingle: 0 });
    expect(res.maxQuality).toBeCloseTo(2.5 / 3, 14);
    expect(res.nAUC).toBe(res.maxQuality);
    // best single: model 0 at 1.5 / 3 — reached at the same cost: ratio 1
    expect(res.costToMatchBest).toBe(1);
    // utilities: c̃ = 0 where a task's costs are all equal
    expect(res.utilities.balanced).toBeCloseTo(0.5 * (2.5 / 3), 14);
  });

  it('no cost data (all zero): nAUC = maxQuality, costToMatchBest 1 when reached', () => {
    const scores = Float32Array.from([1, 0, 0, 1]);
    const costs = new Float32Array(4);
    const est = estimateOf(
      [
        [0.9, 0.1],
        [0.1, 0.9],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    );
    const res = evaluate(est, { scores, costs, tasks: ['', ''] }, { cRef: 1, bestSingle: 0 });
    expect(res.maxQuality).toBe(1);
    expect(res.nAUC).toBe(1);
    expect(res.costToMatchBest).toBe(1);
    expect(res.gapRecovered).toBe(1);
  });
});
