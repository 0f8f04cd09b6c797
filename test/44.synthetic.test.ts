// The synthetic routing benchmark: shape and labels, determinism per seed, and the
// properties that make it a routing problem (tasks differ in vocabulary and in which
// model pays off; prices spread widely; the oracle beats every single model).
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_MODELS, syntheticRoutingData } from '../src/eval/synthetic.js';

describe('syntheticRoutingData', () => {
  const d = syntheticRoutingData();
  const M = d.models.length;

  it('has the default shape and says it is generated', () => {
    expect(d.format).toBe('synthetic');
    expect(d.source).toBe('synthetic (generated)');
    expect(d.n).toBe(3600);
    expect(d.models).toEqual(SYNTHETIC_MODELS.map((m) => m.name));
    expect(M).toBe(6);
    expect(d.scores.length).toBe(d.n * M);
    expect(d.costs.length).toBe(d.n * M);
    expect(d.ids.length).toBe(d.n);
    expect(new Set(d.ids).size).toBe(d.n);
    expect(d.prompts.length).toBe(d.n);
    expect(d.leaves!.length).toBe(d.n);
    expect(d.splits.filter((s) => s === 0).length).toBe(3000);
    expect(d.splits.filter((s) => s === 2).length).toBe(600);
    expect(d.hasCosts).toBe(true);
    expect(d.notes.join(' ')).toMatch(/generated.*not real LLM results/);
    expect(d.costNote).toMatch(/synthetic/);
    expect(new Set(d.tasks).size).toBe(8);
    for (const t of d.tasks) expect(typeof t).toBe('string');
  });

  it('scores lie in [0, 1] and costs are positive, finite and spread over two decades or more', () => {
    for (const s of d.scores) expect(s >= 0 && s <= 1).toBe(true);
    let lo = Infinity;
    let hi = 0;
    for (const c of d.costs) {
      expect(Number.isFinite(c) && c > 0).toBe(true);
      lo = Math.min(lo, c);
      hi = Math.max(hi, c);
    }
    expect(hi / lo).toBeGreaterThan(100);
    const prices = SYNTHETIC_MODELS.map((m) => m.outputPrice);
    expect(Math.min(...prices)).toBeCloseTo(0.1, 9);
    expect(Math.max(...prices)).toBe(15);
  });

  it('is deterministic per seed, and another seed gives other data', () => {
    const a = syntheticRoutingData({ nTrain: 200, nTest: 50, seed: 7 });
    const b = syntheticRoutingData({ nTrain: 200, nTest: 50, seed: 7 });
    const c = syntheticRoutingData({ nTrain: 200, nTest: 50, seed: 8 });
    expect(b.prompts).toEqual(a.prompts);
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    expect(Array.from(b.costs)).toEqual(Array.from(a.costs));
    expect(b.tasks).toEqual(a.tasks);
    expect(c.prompts).not.toEqual(a.prompts);
    expect(Array.from(c.scores)).not.toEqual(Array.from(a.scores));
    // the first rows do not depend on how many rows follow
    const longer = syntheticRoutingData({ nTrain: 400, nTest: 50, seed: 7 });
    expect(longer.prompts.slice(0, 200)).toEqual(a.prompts.slice(0, 200));
  });

  it('routing pays off: the per-task best model differs and the oracle beats every single model', () => {
    const tasks = [...new Set(d.tasks)];
    const bestPerTask = new Set<number>();
    const overall = new Float64Array(M);
    let oracle = 0;
    for (const t of tasks) {
      const s = new Float64Array(M);
      const c = new Float64Array(M);
      let k = 0;
      for (let i = 0; i < d.n; i++)
        if (d.tasks[i] === t) {
          k++;
          for (let m = 0; m < M; m++) {
            s[m] += d.scores[i * M + m];
            c[m] += d.costs[i * M + m];
          }
        }
      // the cheapest model within 0.05 of the task's best quality
      const best = Math.max(...s) / k;
      let pick = -1;
      for (let m = 0; m < M; m++) if (s[m] / k >= best - 0.05 && (pick < 0 || c[m] < c[pick])) pick = m;
      bestPerTask.add(pick);
    }
    for (let i = 0; i < d.n; i++) {
      let b = 0;
      for (let m = 0; m < M; m++) {
        overall[m] += d.scores[i * M + m] / d.n;
        b = Math.max(b, d.scores[i * M + m]);
      }
      oracle += b / d.n;
    }
    expect(bestPerTask.size).toBeGreaterThanOrEqual(3);
    expect(oracle).toBeGreaterThan(Math.max(...overall) + 0.04);
  });

  it('tasks have distinct vocabularies', () => {
    const words = new Map<string, Set<string>>();
    d.prompts.forEach((p, i) => {
      let w = words.get(d.tasks[i]);
      if (!w) words.set(d.tasks[i], (w = new Set()));
      for (const x of p.toLowerCase().split(/[^a-z]+/)) if (x.length > 3) w.add(x);
    });
    const sets = [...words.values()];
    for (let a = 0; a < sets.length; a++)
      for (let b = a + 1; b < sets.length; b++) {
        const inter = [...sets[a]].filter((x) => sets[b].has(x)).length;
        const jaccard = inter / (sets[a].size + sets[b].size - inter);
        expect(jaccard).toBeLessThan(0.2);
      }
  });

  it('rejects bad options', () => {
    expect(() => syntheticRoutingData({ nTrain: 0 })).toThrow('Expected "nTrain" to be an integer in [1, 10000000], received 0');
    expect(() => syntheticRoutingData({ nTest: 1.5 })).toThrow('Expected "nTest" to be an integer, received 1.5');
    expect(() => syntheticRoutingData({ seed: -1 })).toThrow('Expected "seed" to be an integer in [0, 4294967295], received -1');
    expect(() => syntheticRoutingData(null as unknown as object)).toThrow('Expected "options" to be an object, received null');
  });
});
