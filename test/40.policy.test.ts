// Policy: the λ trade-off with its tie rules, the batch budget (bisection on λ: within
// budget, minimal, monotone) and the quality floor, on hand-made and seeded inputs.
import { describe, expect, it } from 'vitest';
import { chooseByFloor, chooseByLambda, chooseForBudget, lambdaGrid, referenceCost } from '../src/policy/index.js';
import type { Estimate } from '../src/routers/types.js';
import { estimateOf, randomEstimate } from './helpers-eval.js';
import { rng } from './helpers.js';

const totalCost = (est: Estimate, ch: Int32Array) => {
  let s = 0;
  for (let i = 0; i < est.n; i++) s += est.cost[i * est.models + ch[i]];
  return s;
};

/** Brute force: argmax with the documented tie rules, by sorting candidates. */
function bruteLambda(est: Estimate, lambda: number, cRef: number): Int32Array {
  const out = new Int32Array(est.n);
  for (let i = 0; i < est.n; i++) {
    const c = Array.from({ length: est.models }, (_, m) => ({
      m,
      s: est.quality[i * est.models + m] - (lambda / cRef) * est.cost[i * est.models + m],
      c: est.cost[i * est.models + m],
    }));
    c.sort((a, b) => b.s - a.s || a.c - b.c || a.m - b.m);
    out[i] = c[0].m;
  }
  return out;
}

describe('lambdaGrid', () => {
  it('is 0 then 60 log-spaced values from 1e-4 to 1e3', () => {
    const g = lambdaGrid();
    expect(g.length).toBe(61);
    expect(g[0]).toBe(0);
    expect(g[1]).toBe(1e-4);
    expect(g[60]).toBe(1e3);
    const ratio = 10 ** (7 / 59);
    for (let k = 2; k <= 60; k++) expect(g[k] / g[k - 1]).toBeCloseTo(ratio, 10);
  });
});

describe('referenceCost', () => {
  it('is the dearest model mean, and 1 without costs', () => {
    expect(referenceCost(Float32Array.from([1, 4, 3, 2]), 2, 2)).toBe(3);
    expect(referenceCost(new Float32Array(6), 3, 2)).toBe(1);
    expect(() => referenceCost(new Float32Array(5), 3, 2)).toThrow('Expected "costs.length" to be n × models = 3 × 2 = 6, received 5');
  });
});

describe('chooseByLambda', () => {
  // exact binary fractions so the ties below are exact in float32 and float64
  const est = estimateOf(
    [
      [0.5, 0.875, 0.875], // quality tie → the cheaper of models 1 and 2
      [0.75, 0.75, 0.75], // everything equal → lowest index
      [0.25, 0.75, 1], // the trade-off moves with λ
    ],
    [
      [1, 3, 2],
      [2, 2, 2],
      [0, 1, 4],
    ],
  );

  it('takes the best estimate at λ = 0, ties to the cheaper, then the lower index', () => {
    expect(Array.from(chooseByLambda(est, 0, 2))).toEqual([2, 0, 2]);
  });

  it('trades quality for cost as λ grows, with an exact tie going to the cheaper model', () => {
    // row 2 with c_ref 2: scores 0.25, 0.75 − λ/2, 1 − 2λ
    expect(chooseByLambda(est, 0.125, 2)[2]).toBe(2); // 0.25, 0.6875, 0.75
    expect(chooseByLambda(est, 0.5, 2)[2]).toBe(1); // 0.25, 0.5, 0
    expect(chooseByLambda(est, 1, 2)[2]).toBe(0); // 0.25, 0.25 (tie → cost 0), −1
    expect(chooseByLambda(est, 1000, 2)[2]).toBe(0);
  });

  it('matches a brute-force argmax on seeded random estimates', () => {
    const r = rng(11);
    const e = randomEstimate(300, 7, r);
    for (const l of [0, 1e-3, 0.05, 0.7, 3, 50]) expect(Array.from(chooseByLambda(e, l, 0.004))).toEqual(Array.from(bruteLambda(e, l, 0.004)));
  });

  it('rejects bad estimates and parameters with exact messages', () => {
    expect(() => chooseByLambda(est, -1, 1)).toThrow('Expected "lambda" to be a finite number >= 0, received -1');
    expect(() => chooseByLambda(est, NaN, 1)).toThrow('Expected "lambda" to be a finite number >= 0, received NaN');
    expect(() => chooseByLambda(est, 0, 0)).toThrow('Expected "cRef" to be a finite number > 0, received 0');
    expect(() => chooseByLambda(est, 0, '1' as unknown as number)).toThrow('Expected "cRef" to be a number, received "1"');
    expect(() => chooseByLambda(null as unknown as Estimate, 0, 1)).toThrow('Expected "est" to be an Estimate object, received null');
    expect(() => chooseByLambda({ ...est, n: 4 }, 0, 1)).toThrow('Expected "est.quality.length" to be n × models = 4 × 3 = 12, received 9');
    expect(() => chooseByLambda({ ...est, models: 0 }, 0, 1)).toThrow('Expected "est.models" to be an integer >= 1, received 0');
    expect(() => chooseByLambda({ ...est, cost: [1, 2] as unknown as Float32Array }, 0, 1)).toThrow(
      'Expected "est.cost" to be a Float32Array, received an array of length 2',
    );
    const bad = { ...est, quality: Float32Array.from(est.quality) };
    bad.quality[4] = Infinity;
    expect(() => chooseByLambda(bad, 0, 1)).toThrow('Expected "est.quality" to be finite values only, received "Infinity at index 4 (row 1, model 1)"');
  });

  it('rejects a detached buffer', () => {
    const buf = new ArrayBuffer(9 * 4);
    const q = new Float32Array(buf);
    structuredClone(buf, { transfer: [buf] });
    expect(() => chooseByLambda({ ...est, quality: q }, 0, 1)).toThrow('Expected "est.quality" to be an attached Float32Array, received "a detached buffer"');
  });
});

describe('chooseForBudget', () => {
  const r = rng(5);
  const est = randomEstimate(200, 5, r);
  const cRef = 0.003;
  const cost0 = totalCost(est, chooseByLambda(est, 0, cRef));
  const cheapest = (() => {
    const ch = new Int32Array(est.n);
    for (let i = 0; i < est.n; i++) {
      let b = 0;
      for (let m = 1; m < est.models; m++) if (est.cost[i * est.models + m] < est.cost[i * est.models + b]) b = m;
      ch[i] = b;
    }
    return ch;
  })();
  const minCost = totalCost(est, cheapest);

  it('the realised estimated cost is non-increasing in λ', () => {
    const ls = [0, ...lambdaGrid().slice(1), 2e3, 1e4, 1e6];
    let prev = Infinity;
    for (const l of ls) {
      const c = totalCost(est, chooseByLambda(est, l, cRef));
      expect(c).toBeLessThanOrEqual(prev);
      prev = c;
    }
    expect(prev).toBeCloseTo(minCost, 12);
  });

  it('stays within the budget with the smallest such λ (to the tolerance)', () => {
    for (const frac of [0.02, 0.1, 0.3, 0.5, 0.8, 0.99]) {
      const budget = minCost + frac * (cost0 - minCost);
      const b = chooseForBudget(est, budget, cRef);
      expect(b.feasible).toBe(true);
      expect(b.cost).toBeLessThanOrEqual(budget);
      expect(b.cost).toBeCloseTo(totalCost(est, b.choices), 12);
      expect(Array.from(b.choices)).toEqual(Array.from(chooseByLambda(est, b.lambda, cRef)));
      expect(b.lambda).toBeGreaterThan(0);
      // a hair below the returned λ the choices no longer fit
      expect(totalCost(est, chooseByLambda(est, b.lambda * (1 - 1e-8), cRef))).toBeGreaterThan(budget);
      expect(b.iterations).toBeGreaterThan(0);
      expect(b.iterations).toBeLessThanOrEqual(200);
    }
  });

  it('spends more as the budget grows (λ non-increasing)', () => {
    let prevLambda = Infinity;
    let prevCost = -Infinity;
    for (let k = 0; k <= 10; k++) {
      const b = chooseForBudget(est, minCost + (k / 10) * (cost0 - minCost), cRef);
      expect(b.lambda).toBeLessThanOrEqual(prevLambda);
      expect(b.cost).toBeGreaterThanOrEqual(prevCost);
      prevLambda = b.lambda;
      prevCost = b.cost;
    }
  });

  it('returns λ = 0 when the best estimates already fit', () => {
    const b = chooseForBudget(est, cost0 * 1.0001, cRef);
    expect(b).toMatchObject({ lambda: 0, feasible: true, iterations: 0 });
    expect(Array.from(b.choices)).toEqual(Array.from(chooseByLambda(est, 0, cRef)));
  });

  it('flags an infeasible budget and returns the per-row cheapest', () => {
    const b = chooseForBudget(est, minCost * 0.9, cRef);
    expect(b.feasible).toBe(false);
    expect(Array.from(b.choices)).toEqual(Array.from(cheapest));
    expect(b.cost).toBeCloseTo(minCost, 12);
    expect(Array.from(chooseByLambda(est, b.lambda, cRef))).toEqual(Array.from(cheapest));
  });

  it('on a hand example finds the breakpoint', () => {
    // one row: (q, c) = (0.5, 1) and (1, 3), c_ref 1 → model 1 until λ = 0.25
    const e = estimateOf([[0.5, 1]], [[1, 3]]);
    const b = chooseForBudget(e, 2, 1);
    expect(b.choices[0]).toBe(0);
    expect(b.lambda).toBeGreaterThanOrEqual(0.25);
    expect(b.lambda).toBeLessThan(0.25 * (1 + 1e-8));
    expect(chooseForBudget(e, 3, 1).lambda).toBe(0);
  });

  it('handles an empty batch and rejects bad budgets', () => {
    const e: Estimate = { quality: new Float32Array(0), cost: new Float32Array(0), n: 0, models: 3 };
    expect(chooseForBudget(e, 0, 1)).toMatchObject({ lambda: 0, cost: 0, feasible: true });
    expect(() => chooseForBudget(est, -1, 1)).toThrow('Expected "budgetUsd" to be a finite number >= 0, received -1');
    expect(() => chooseForBudget(est, Infinity, 1)).toThrow('Expected "budgetUsd" to be a finite number >= 0, received Infinity');
    expect(() => chooseForBudget(est, 1, 1, { tolerance: 0 })).toThrow('Expected "tolerance" to be a number in (0, 1), received 0');
  });
});

describe('chooseByFloor', () => {
  const est = estimateOf(
    [
      [0.5, 0.875, 0.9375], // 1 and 2 clear 0.75 → the cheaper (1)
      [0.75, 0.75, 0.25], // 0 and 1 clear, same cost → higher q̂, then lower index (0)
      [0.125, 0.25, 0.25], // none clears → highest q̂, tie → cheaper (2)
    ],
    [
      [1, 2, 3],
      [2, 2, 1],
      [1, 5, 4],
    ],
  );

  it('takes the cheapest model that clears the floor, else the best estimate (flagged)', () => {
    const ch = chooseByFloor(est, 0.75);
    expect(Array.from(ch)).toEqual([1, 0, 2]);
    expect(Array.from(ch.belowFloor)).toEqual([0, 0, 1]);
    expect(ch.nBelowFloor).toBe(1);
    expect(ch).toBeInstanceOf(Int32Array);
  });

  it('a floor of −∞-like values takes the cheapest model everywhere; an unreachable one the best', () => {
    expect(Array.from(chooseByFloor(est, -10))).toEqual([0, 2, 0]);
    const all = chooseByFloor(est, 2);
    expect(Array.from(all)).toEqual([2, 0, 2]);
    expect(all.nBelowFloor).toBe(3);
  });

  it('rejects a non-finite floor', () => {
    expect(() => chooseByFloor(est, NaN)).toThrow('Expected "minQuality" to be a finite number, received NaN');
  });
});
