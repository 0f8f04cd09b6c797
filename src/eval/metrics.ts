// The evaluation metrics of DESIGN.md "Metrics", exactly: realised (cost, quality)
// points over the λ grid, the non-decreasing upper hull, maxQuality, nAUC,
// costToMatchBest, gapRecovered, the TRouter utilities, routing shares and the
// per-task breakdown. docs/metrics.md states every interpretation made here.

import { assertEstimate, chooseByLambda, lambdaGrid } from '../policy/index.js';
import type { Estimate } from '../routers/types.js';
import { invalidParameter, outOfRange } from '../validate.js';
import type { CurvePoint, RouterResult, Shares, TaskBreakdown, Utilities } from './types.js';

/** True labels of the rows being evaluated (the test split). */
export interface EvalSet {
  /** [n × M] true quality. */
  scores: Float32Array;
  /** [n × M] true cost in USD (≥ 0). */
  costs: Float32Array;
  /** Task per row ('' when unknown: such rows form one task). */
  tasks: string[];
  /** Model names (keys of the routing shares); default m0 … m(M−1). */
  models?: string[];
}

export interface EvalReference {
  /** c_ref of the λ policy: the dearest model's mean train cost (> 0; 1 without costs). */
  cRef: number;
  /** Index of the best single model (highest mean train score). */
  bestSingle: number;
  /** The λ values to sweep (default lambdaGrid()). */
  lambdas?: number[];
}

/** Everything of RouterResult except what only the caller knows (name, timings, labels). */
export type RouterMetrics = Omit<RouterResult, 'name' | 'trainSeconds' | 'estimateSeconds' | 'readsLabels' | 'diagnostics'>;

export interface HullPoint {
  cost: number;
  quality: number;
}

/** The (μ_c, μ_r) pairs of TRouter's utilities, in the order of the Utilities fields. */
export const UTILITY_WEIGHTS = {
  costFirst: { muCost: 0.8, muQuality: 0.2 },
  balanced: { muCost: 0.5, muQuality: 0.5 },
  performanceFirst: { muCost: 0.2, muQuality: 0.8 },
} as const;

// ---------------------------------------------------------------------------------------
// Checks

function assertEvalSet(test: unknown, n: number, M: number): Required<EvalSet> {
  if (typeof test !== 'object' || test === null) throw invalidParameter('test', 'an object with scores, costs and tasks', test);
  const t = test as Partial<EvalSet>;
  for (const key of ['scores', 'costs'] as const) {
    const a = t[key];
    if (!(a instanceof Float32Array)) throw invalidParameter(`test.${key}`, 'a Float32Array', a);
    if (a.length !== n * M) throw outOfRange(`test.${key}.length`, `n × M = ${n} × ${M} = ${n * M} (the estimate's shape)`, a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v) || (key === 'costs' && v < 0))
        throw outOfRange(`test.${key}`, key === 'costs' ? 'finite values >= 0' : 'finite values only', `${v} at index ${i} (row ${Math.floor(i / M)}, model ${i % M})`);
    }
  }
  if (!Array.isArray(t.tasks)) throw invalidParameter('test.tasks', 'an array of strings', t.tasks);
  if (t.tasks.length !== n) throw outOfRange('test.tasks.length', `n = ${n}`, t.tasks.length);
  for (let i = 0; i < n; i++) if (typeof t.tasks[i] !== 'string') throw invalidParameter(`test.tasks[${i}]`, 'a string', t.tasks[i]);
  let models = t.models;
  if (models === undefined) models = Array.from({ length: M }, (_, m) => `m${m}`);
  else {
    if (!Array.isArray(models) || models.length !== M) throw outOfRange('test.models', `an array of ${M} model names`, models);
    if (new Set(models).size !== M) throw outOfRange('test.models', 'distinct model names', models);
  }
  return { scores: t.scores!, costs: t.costs!, tasks: t.tasks, models };
}

function assertReference(ref: unknown, M: number): Required<EvalReference> {
  if (typeof ref !== 'object' || ref === null) throw invalidParameter('ref', 'an object with cRef and bestSingle', ref);
  const r = ref as Partial<EvalReference>;
  if (typeof r.cRef !== 'number') throw invalidParameter('ref.cRef', 'a number', r.cRef);
  if (!Number.isFinite(r.cRef) || r.cRef <= 0) throw outOfRange('ref.cRef', 'a finite number > 0', r.cRef);
  if (typeof r.bestSingle !== 'number') throw invalidParameter('ref.bestSingle', 'a model index', r.bestSingle);
  if (!Number.isInteger(r.bestSingle) || r.bestSingle < 0 || r.bestSingle >= M)
    throw outOfRange('ref.bestSingle', `an integer in [0, ${M - 1}]`, r.bestSingle);
  const lambdas = r.lambdas ?? lambdaGrid();
  if (!Array.isArray(lambdas) || lambdas.length === 0) throw invalidParameter('ref.lambdas', 'a non-empty array of numbers', lambdas);
  for (const l of lambdas) if (typeof l !== 'number' || !Number.isFinite(l) || l < 0) throw outOfRange('ref.lambdas', 'finite numbers >= 0', l);
  return { cRef: r.cRef, bestSingle: r.bestSingle, lambdas };
}

// ---------------------------------------------------------------------------------------
// Building blocks (exported: the report and the tests use them)

/** Mean true cost and quality of one choice per row (float64 sums in row order). */
export function realisedPoint(scores: Float32Array, costs: Float32Array, M: number, choices: Int32Array): { cost: number; quality: number } {
  const n = choices.length;
  if (n === 0) return { cost: 0, quality: 0 };
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    s += scores[i * M + choices[i]];
    c += costs[i * M + choices[i]];
  }
  return { cost: c / n, quality: s / n };
}

/** Per model: mean true quality and cost over the rows (float64, row order). */
export function modelMeans(scores: Float32Array, costs: Float32Array, n: number, M: number): { quality: Float64Array; cost: Float64Array } {
  const quality = new Float64Array(M);
  const cost = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    const choices = new Int32Array(n).fill(m);
    const p = realisedPoint(scores, costs, M, choices);
    quality[m] = p.quality;
    cost[m] = p.cost;
  }
  return { quality, cost };
}

/** The per-prompt oracle's choices: the best true score, ties to the cheaper, then the lower index. */
export function oracleChoices(scores: Float32Array, costs: Float32Array, n: number, M: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * M;
    let b = 0;
    for (let m = 1; m < M; m++) if (scores[o + m] > scores[o + b] || (scores[o + m] === scores[o + b] && costs[o + m] < costs[o + b])) b = m;
    out[i] = b;
  }
  return out;
}

/**
 * The non-decreasing upper convex hull of (cost, quality) points: the upper convex
 * hull from the cheapest point (ties: its best quality) to the dearest, cut at its
 * first highest vertex (the hull is concave, so it rises to there and only falls after).
 * Vertices ascending in cost and strictly ascending in quality; collinear middles dropped.
 */
export function nonDecreasingHull(points: readonly HullPoint[]): HullPoint[] {
  const pts = points
    .filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.quality))
    .map((p) => ({ cost: p.cost, quality: p.quality }))
    .sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  // one point per cost: the best quality there
  const uniq: HullPoint[] = [];
  for (const p of pts) if (!uniq.length || uniq[uniq.length - 1].cost !== p.cost) uniq.push(p);
  const hull: HullPoint[] = [];
  for (const p of uniq) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2];
      const b = hull[hull.length - 1];
      // b is dropped when it lies on or below the segment a → p
      const cross = (b.cost - a.cost) * (p.quality - a.quality) - (b.quality - a.quality) * (p.cost - a.cost);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  let peak = 0;
  for (let k = 1; k < hull.length; k++) if (hull[k].quality > hull[peak].quality) peak = k;
  return hull.slice(0, peak + 1);
}

/** The hull as a function of cost: 0 left of its first vertex, linear between, flat right of its last. */
export function hullValue(hull: readonly HullPoint[], x: number): number {
  if (!hull.length || x < hull[0].cost) return 0;
  for (let k = 1; k < hull.length; k++) {
    const a = hull[k - 1];
    const b = hull[k];
    if (x <= b.cost) return a.quality + ((b.quality - a.quality) * (x - a.cost)) / (b.cost - a.cost);
  }
  return hull[hull.length - 1].quality;
}

/**
 * Area under hullValue over [lo, hi] divided by (hi − lo). When lo = hi (every model has
 * the same mean test cost, e.g. no cost data) the range has no width and the result is
 * the hull's value at that cost, the limit of the average over a shrinking interval.
 */
export function normalisedArea(hull: readonly HullPoint[], lo: number, hi: number): number {
  if (!(hi > lo)) return hullValue(hull, lo);
  if (!hull.length) return 0;
  // breakpoints of the piecewise-linear function inside [lo, hi]
  const xs = [lo, hi];
  for (const p of hull) if (p.cost > lo && p.cost < hi) xs.push(p.cost);
  xs.sort((a, b) => a - b);
  let area = 0;
  for (let k = 1; k < xs.length; k++) {
    const a = xs[k - 1];
    const b = xs[k];
    if (b <= a) continue;
    // the function jumps from 0 to the first vertex's quality at x0 = hull[0].cost, a
    // breakpoint: take the right limit at a piece's left end and the left limit at its right
    const x0 = hull[0].cost;
    const fa = a >= x0 ? hullValue(hull, a) : 0;
    const fb = b > x0 ? hullValue(hull, b) : 0;
    area += ((fa + fb) / 2) * (b - a);
  }
  return area / (hi - lo);
}

/**
 * The first cost at which the hull reaches `target` (linear interpolation along the
 * hull; its first vertex's cost when that vertex already reaches it); null if never.
 */
export function costToReach(hull: readonly HullPoint[], target: number): number | null {
  if (!hull.length) return null;
  if (hull[0].quality >= target) return hull[0].cost;
  for (let k = 1; k < hull.length; k++) {
    const a = hull[k - 1];
    const b = hull[k];
    if (b.quality >= target) return a.cost + ((b.cost - a.cost) * (target - a.quality)) / (b.quality - a.quality);
  }
  return null;
}

/**
 * Per-task (min_T, max_T) of the true costs over every row and model of each task,
 * expanded to per-row arrays.
 */
export function taskCostRanges(costs: Float32Array, tasks: string[], M: number): { min: Float64Array; max: Float64Array } {
  const n = tasks.length;
  const range = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    let r = range.get(tasks[i]);
    if (!r) range.set(tasks[i], (r = [Infinity, -Infinity]));
    for (let m = 0; m < M; m++) {
      const v = costs[i * M + m];
      if (v < r[0]) r[0] = v;
      if (v > r[1]) r[1] = v;
    }
  }
  const min = new Float64Array(n);
  const max = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = range.get(tasks[i])!;
    min[i] = r[0];
    max[i] = r[1];
  }
  return { min, max };
}

const normCost = (v: number, lo: number, hi: number) => (hi > lo ? (v - lo) / (hi - lo) : 0);

/**
 * The router's choice for one utility: argmax_m μ_r·q̂[m] − μ_c·ĉ̃[m], ĉ̃ the ESTIMATED
 * cost normalised with the row's task (min_T, max_T) of the true test costs; ties → the
 * cheaper estimate, then the lower index.
 */
export function utilityChoices(est: Estimate, range: { min: Float64Array; max: Float64Array }, muCost: number, muQuality: number): Int32Array {
  const { quality: q, cost: c, n, models: M } = est;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * M;
    let b = 0;
    let bs = muQuality * q[o] - muCost * normCost(c[o], range.min[i], range.max[i]);
    for (let m = 1; m < M; m++) {
      const s = muQuality * q[o + m] - muCost * normCost(c[o + m], range.min[i], range.max[i]);
      if (s > bs || (s === bs && c[o + m] < c[o + b])) {
        b = m;
        bs = s;
      }
    }
    out[i] = b;
  }
  return out;
}

/** U(μ_c, μ_r) of given choices: mean over rows of μ_r·s − μ_c·c̃ (true scores and costs). */
export function utilityOf(
  scores: Float32Array,
  costs: Float32Array,
  M: number,
  range: { min: Float64Array; max: Float64Array },
  choices: Int32Array,
  muCost: number,
  muQuality: number,
): number {
  const n = choices.length;
  if (n === 0) return 0;
  let u = 0;
  for (let i = 0; i < n; i++) {
    const k = i * M + choices[i];
    u += muQuality * scores[k] - muCost * normCost(costs[k], range.min[i], range.max[i]);
  }
  return u / n;
}

/** Fraction of rows routed to each model (every model listed, 0 when unused). */
export function routingShares(choices: Int32Array, models: string[]): Shares {
  const counts = new Float64Array(models.length);
  for (let i = 0; i < choices.length; i++) counts[choices[i]]++;
  const out: Shares = {};
  models.forEach((m, k) => (out[m] = choices.length ? counts[k] / choices.length : 0));
  return out;
}

/** Tasks in sorted order with their row indices. */
export function taskGroups(tasks: string[]): { task: string; rows: number[] }[] {
  const g = new Map<string, number[]>();
  tasks.forEach((t, i) => {
    let r = g.get(t);
    if (!r) g.set(t, (r = []));
    r.push(i);
  });
  return [...g.keys()].sort().map((task) => ({ task, rows: g.get(task)! }));
}

// ---------------------------------------------------------------------------------------
// evaluate

/**
 * Scores one router's estimates on the test rows: the λ sweep and every metric of
 * DESIGN.md. `ref.bestSingle` is the best single model by mean TRAIN score (the caller
 * knows the training split); its test quality is the bar of costToMatchBest and
 * gapRecovered.
 */
export function evaluate(est: Estimate, test: EvalSet, ref: EvalReference): RouterMetrics {
  assertEstimate(est);
  const { n, models: M } = est;
  if (n === 0) throw outOfRange('est.n', 'an integer >= 1 (no test rows to evaluate)', n);
  const t = assertEvalSet(test, n, M);
  const r = assertReference(ref, M);
  const { scores, costs, tasks, models } = t;

  // the λ sweep
  const points: CurvePoint[] = [];
  const choicesAt: Int32Array[] = [];
  for (const lambda of r.lambdas) {
    const ch = chooseByLambda(est, lambda, r.cRef);
    choicesAt.push(ch);
    points.push({ lambda, ...realisedPoint(scores, costs, M, ch) });
  }
  // the max-quality point: highest quality, then the lowest cost, then the lowest λ
  let top = 0;
  for (let k = 1; k < points.length; k++)
    if (points[k].quality > points[top].quality || (points[k].quality === points[top].quality && points[k].cost < points[top].cost)) top = k;
  const maxQuality = points[top].quality;

  // references on the test rows
  const means = modelMeans(scores, costs, n, M);
  let lo = Infinity;
  let hi = -Infinity;
  for (let m = 0; m < M; m++) {
    lo = Math.min(lo, means.cost[m]);
    hi = Math.max(hi, means.cost[m]);
  }
  const bestQ = means.quality[r.bestSingle];
  const bestC = means.cost[r.bestSingle];
  const oracle = realisedPoint(scores, costs, M, oracleChoices(scores, costs, n, M));

  const hull = nonDecreasingHull(points);
  const nAUC = normalisedArea(hull, lo, hi);
  const reach = costToReach(hull, bestQ);
  // A best single model that costs nothing (no cost data): matching it at no cost is a
  // ratio of 1, matching it only at a positive cost has no finite ratio (null).
  const costToMatchBest = reach === null ? null : bestC > 0 ? reach / bestC : reach === 0 ? 1 : null;
  const gap = oracle.quality - bestQ;
  // No gap (the best single model is already the oracle on every row): 1 when the router
  // reaches the oracle's quality, else 0.
  const gapRecovered = gap > 0 ? (maxQuality - bestQ) / gap : maxQuality >= oracle.quality ? 1 : 0;

  // TRouter utilities
  const range = taskCostRanges(costs, tasks, M);
  const util: Partial<Utilities> = {};
  let balancedChoices: Int32Array = new Int32Array(n);
  for (const [key, w] of Object.entries(UTILITY_WEIGHTS) as [keyof typeof UTILITY_WEIGHTS, { muCost: number; muQuality: number }][]) {
    const ch = utilityChoices(est, range, w.muCost, w.muQuality);
    if (key === 'balanced') balancedChoices = ch;
    util[key] = utilityOf(scores, costs, M, range, ch, w.muCost, w.muQuality);
  }
  const utilities: Utilities = {
    costFirst: util.costFirst!,
    balanced: util.balanced!,
    performanceFirst: util.performanceFirst!,
    sum: util.costFirst! + util.balanced! + util.performanceFirst!,
  };

  // shares and per-task breakdown at the max-quality point
  const atTop = choicesAt[top];
  const perTask: TaskBreakdown[] = taskGroups(tasks).map(({ task, rows }) => {
    let sb = 0;
    let so = 0;
    let sq = 0;
    let sc = 0;
    for (const i of rows) {
      const o = i * M;
      sb += scores[o + r.bestSingle];
      let best = -Infinity;
      for (let m = 0; m < M; m++) best = Math.max(best, scores[o + m]);
      so += best;
      sq += scores[o + atTop[i]];
      sc += costs[o + atTop[i]];
    }
    const k = rows.length;
    return { task, n: k, bestSingleQuality: sb / k, oracleQuality: so / k, quality: sq / k, cost: sc / k };
  });

  return {
    maxQuality,
    nAUC,
    costToMatchBest,
    gapRecovered,
    utilities,
    points,
    shares: { atMaxQuality: routingShares(atTop, models), atBalanced: routingShares(balancedChoices, models) },
    perTask,
  };
}
