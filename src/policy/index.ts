// The policy: turning a router's per-model estimates into one model per prompt. It is
// separate from the routers so that every router gets the same λ trade-off, batch
// budget and quality floor (DESIGN.md "Policy" and "Metrics").

import type { Estimate } from '../routers/types.js';
import { invalidParameter, outOfRange } from '../validate.js';

/** λ = 0, then 60 log-spaced values in [1e-4, 1e3] (DESIGN.md "Metrics"): 61 values. */
export function lambdaGrid(): number[] {
  const grid = [0];
  for (let k = 0; k < 60; k++) grid.push(k === 0 ? 1e-4 : k === 59 ? 1e3 : 10 ** (-4 + (7 * k) / 59));
  return grid;
}

/**
 * The reference cost c_ref of the λ trade-off: the dearest model's mean cost over the
 * given (training) rows; 1 when every mean is 0 (no cost data), so λ stays dimensionless.
 */
export function referenceCost(costs: Float32Array, n: number, models: number): number {
  if (!(costs instanceof Float32Array)) throw invalidParameter('costs', 'a Float32Array', costs);
  if (!Number.isInteger(n) || n < 0) throw outOfRange('n', 'an integer >= 0', n);
  if (!Number.isInteger(models) || models < 1) throw outOfRange('models', 'an integer >= 1', models);
  if (costs.length !== n * models) throw outOfRange('costs.length', `n × models = ${n} × ${models} = ${n * models}`, costs.length);
  let best = 0;
  for (let m = 0; m < models; m++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const v = costs[i * models + m];
      if (Number.isFinite(v)) {
        s += v;
        c++;
      }
    }
    if (c > 0 && s / c > best) best = s / c;
  }
  return best > 0 ? best : 1;
}

/** Checks an Estimate: typed arrays of length n × models, finite values. */
export function assertEstimate(est: unknown, name = 'est'): Estimate {
  if (typeof est !== 'object' || est === null || Array.isArray(est)) throw invalidParameter(name, 'an Estimate object', est);
  const e = est as Partial<Estimate>;
  if (typeof e.n !== 'number' || !Number.isInteger(e.n) || e.n < 0) throw outOfRange(`${name}.n`, 'an integer >= 0', e.n);
  if (typeof e.models !== 'number' || !Number.isInteger(e.models) || e.models < 1)
    throw outOfRange(`${name}.models`, 'an integer >= 1', e.models);
  const len = e.n * e.models;
  for (const key of ['quality', 'cost'] as const) {
    const a = e[key];
    if (!(a instanceof Float32Array)) throw invalidParameter(`${name}.${key}`, 'a Float32Array', a);
    if (a.length !== len) {
      if (a.buffer.byteLength === 0 && len > 0) throw invalidParameter(`${name}.${key}`, 'an attached Float32Array', 'a detached buffer');
      throw outOfRange(`${name}.${key}.length`, `n × models = ${e.n} × ${e.models} = ${len}`, a.length);
    }
    for (let i = 0; i < len; i++)
      if (!Number.isFinite(a[i]))
        throw outOfRange(`${name}.${key}`, 'finite values only', `${a[i]} at index ${i} (row ${Math.floor(i / e.models)}, model ${i % e.models})`);
  }
  return e as Estimate;
}

function assertCRef(cRef: unknown): number {
  if (typeof cRef !== 'number') throw invalidParameter('cRef', 'a number', cRef);
  if (!Number.isFinite(cRef) || cRef <= 0) throw outOfRange('cRef', 'a finite number > 0', cRef);
  return cRef;
}

function assertLambda(lambda: unknown): number {
  if (typeof lambda !== 'number') throw invalidParameter('lambda', 'a number', lambda);
  if (!Number.isFinite(lambda) || lambda < 0) throw outOfRange('lambda', 'a finite number >= 0', lambda);
  return lambda;
}

/** Row-wise argmax of q − λ·c/c_ref, ties → lower c, then lower index. Inputs already checked. */
function argmaxTradeoff(est: Estimate, lambda: number, cRef: number, out: Int32Array): void {
  const { quality: q, cost: c, n, models: M } = est;
  const w = lambda / cRef;
  for (let i = 0; i < n; i++) {
    const o = i * M;
    let best = 0;
    let bestScore = q[o] - w * c[o];
    for (let m = 1; m < M; m++) {
      const s = q[o + m] - w * c[o + m];
      if (s > bestScore || (s === bestScore && c[o + m] < c[o + best])) {
        best = m;
        bestScore = s;
      }
    }
    out[i] = best;
  }
}

/** Σ_i ĉ[i, choice_i] in float64. */
function totalEstimatedCost(est: Estimate, choices: Int32Array): number {
  let s = 0;
  for (let i = 0; i < est.n; i++) s += est.cost[i * est.models + choices[i]];
  return s;
}

/**
 * One model per row: argmax_m q̂[m] − λ·ĉ[m]/c_ref; ties go to the cheaper estimated
 * cost, then to the lower model index. λ = 0 is "best estimated quality".
 */
export function chooseByLambda(est: Estimate, lambda: number, cRef: number): Int32Array {
  assertEstimate(est);
  assertLambda(lambda);
  assertCRef(cRef);
  const out = new Int32Array(est.n);
  argmaxTradeoff(est, lambda, cRef, out);
  return out;
}

export interface BudgetChoice {
  /** The smallest λ found (to `tolerance`) whose choices fit the budget; see `feasible`. */
  lambda: number;
  choices: Int32Array;
  /** Σ ĉ[i, choice_i] of the returned choices (USD). */
  cost: number;
  /**
   * false when even the per-row cheapest estimate exceeds the budget: `choices` are then
   * the per-row cheapest (ties → higher q̂, then lower index) and `lambda` a value from
   * which λ gives exactly those choices.
   */
  feasible: boolean;
  /** Bisection steps taken (0 when λ = 0 already fits or the budget is infeasible). */
  iterations: number;
}

export interface BudgetOptions {
  /** Relative width of the final λ bracket (default 1e-9). */
  tolerance?: number;
  /** Bisection steps at most (default 200). */
  maxIterations?: number;
}

/**
 * The trade-off λ that spends a batch budget: the smallest λ ≥ 0 whose choices cost
 * Σ ĉ ≤ budgetUsd in total. The realised estimated cost is non-increasing in λ (for
 * λ₁ < λ₂ the λ₂ choice is never dearer per row), so a bisection on log λ between two
 * analytic bounds finds it: below the smallest positive breakpoint λ behaves like 0,
 * above twice the largest every row already takes its cheapest model.
 */
export function chooseForBudget(est: Estimate, budgetUsd: number, cRef: number, options: BudgetOptions = {}): BudgetChoice {
  assertEstimate(est);
  if (typeof budgetUsd !== 'number') throw invalidParameter('budgetUsd', 'a number', budgetUsd);
  if (!Number.isFinite(budgetUsd) || budgetUsd < 0) throw outOfRange('budgetUsd', 'a finite number >= 0', budgetUsd);
  assertCRef(cRef);
  const tolerance = options.tolerance ?? 1e-9;
  if (typeof tolerance !== 'number' || !(tolerance > 0 && tolerance < 1)) throw outOfRange('tolerance', 'a number in (0, 1)', tolerance);
  const maxIterations = options.maxIterations ?? 200;
  if (typeof maxIterations !== 'number' || !Number.isInteger(maxIterations) || maxIterations < 1)
    throw outOfRange('maxIterations', 'an integer >= 1', maxIterations);

  const { quality: q, cost: c, n, models: M } = est;
  const choices = new Int32Array(n);
  argmaxTradeoff(est, 0, cRef, choices);
  const cost0 = totalEstimatedCost(est, choices);
  if (cost0 <= budgetUsd) return { lambda: 0, choices, cost: cost0, feasible: true, iterations: 0 };

  // Per-row cheapest (the λ → ∞ limit) and the breakpoints cRef·Δq/Δc that bound λ.
  const cheapest = new Int32Array(n);
  let lowBreak = Infinity;
  let highBreak = 0;
  for (let i = 0; i < n; i++) {
    const o = i * M;
    let b = 0;
    for (let m = 1; m < M; m++) if (c[o + m] < c[o + b] || (c[o + m] === c[o + b] && q[o + m] > q[o + b])) b = m;
    cheapest[i] = b;
    for (let j = 0; j < M; j++)
      for (let k = 0; k < M; k++) {
        const dc = c[o + j] - c[o + k];
        const dq = q[o + j] - q[o + k];
        if (dc > 0 && dq > 0) {
          const l = (cRef * dq) / dc;
          if (l < lowBreak) lowBreak = l;
          if (l > highBreak) highBreak = l;
        }
      }
  }
  const cheapestCost = totalEstimatedCost(est, cheapest);
  let hi = highBreak > 0 ? 2 * highBreak : 1;
  if (cheapestCost > budgetUsd) return { lambda: hi, choices: cheapest, cost: cheapestCost, feasible: false, iterations: 0 };

  let lo = Number.isFinite(lowBreak) ? lowBreak / 2 : hi / 2;
  const trial = new Int32Array(n);
  argmaxTradeoff(est, hi, cRef, trial);
  let hiCost = totalEstimatedCost(est, trial);
  // Rounding at an exact breakpoint could leave hi a hair short of the limit: widen.
  for (let widen = 0; hiCost > budgetUsd && widen < 64; widen++) {
    hi *= 2;
    argmaxTradeoff(est, hi, cRef, trial);
    hiCost = totalEstimatedCost(est, trial);
  }
  if (hiCost > budgetUsd) return { lambda: hi, choices: cheapest, cost: cheapestCost, feasible: true, iterations: 0 };
  let best = Int32Array.from(trial);
  argmaxTradeoff(est, lo, cRef, trial);
  const loCost = totalEstimatedCost(est, trial);
  if (loCost <= budgetUsd) return { lambda: lo, choices: Int32Array.from(trial), cost: loCost, feasible: true, iterations: 0 };

  let iterations = 0;
  while (hi / lo - 1 > tolerance && iterations < maxIterations) {
    iterations++;
    const mid = Math.sqrt(lo * hi);
    if (!(mid > lo && mid < hi)) break; // the bracket is as narrow as float64 allows
    argmaxTradeoff(est, mid, cRef, trial);
    const midCost = totalEstimatedCost(est, trial);
    if (midCost <= budgetUsd) {
      hi = mid;
      hiCost = midCost;
      best = Int32Array.from(trial);
    } else lo = mid;
  }
  return { lambda: hi, choices: best, cost: hiCost, feasible: true, iterations };
}

/** Choices of chooseByFloor, with the rows where no model's estimate clears the floor. */
export type FloorChoices = Int32Array & {
  /** 1 where no model cleared the floor (the row took its highest q̂ instead). */
  readonly belowFloor: Uint8Array;
  /** How many rows are below the floor. */
  readonly nBelowFloor: number;
};

/**
 * Per row: the model with the lowest estimated cost among those whose q̂ ≥ minQuality
 * (ties → higher q̂, then lower index); where none clears the floor, the highest q̂
 * (ties → cheaper, then lower index), flagged in `belowFloor`.
 */
export function chooseByFloor(est: Estimate, minQuality: number): FloorChoices {
  assertEstimate(est);
  if (typeof minQuality !== 'number') throw invalidParameter('minQuality', 'a number', minQuality);
  if (!Number.isFinite(minQuality)) throw outOfRange('minQuality', 'a finite number', minQuality);
  const { quality: q, cost: c, n, models: M } = est;
  const choices = new Int32Array(n);
  const belowFloor = new Uint8Array(n);
  let nBelowFloor = 0;
  for (let i = 0; i < n; i++) {
    const o = i * M;
    let pick = -1;
    for (let m = 0; m < M; m++) {
      if (!(q[o + m] >= minQuality)) continue;
      if (pick < 0 || c[o + m] < c[o + pick] || (c[o + m] === c[o + pick] && q[o + m] > q[o + pick])) pick = m;
    }
    if (pick < 0) {
      pick = 0;
      for (let m = 1; m < M; m++) if (q[o + m] > q[o + pick] || (q[o + m] === q[o + pick] && c[o + m] < c[o + pick])) pick = m;
      belowFloor[i] = 1;
      nBelowFloor++;
    }
    choices[i] = pick;
  }
  return Object.assign(choices, { belowFloor, nBelowFloor });
}
