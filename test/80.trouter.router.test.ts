// The trouter router on a planted taxonomy problem (eight leaves with distinct model
// preferences, pass/fail scores, 12 labelled prompts per leaf): it recovers the leaves,
// beats metric and adaptive in utility sum, the ablations fall behind it as they should,
// the calibration, cost scaling to USD, explain(), the exact state round trip, and every
// route a row gets its leaf (own leaf, leaf path as task, mapping file, derived taxonomies).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskrouteError } from '../src/errors.js';
import '../src/routers/index.js';
import { getRouterFactory } from '../src/routers/registry.js';
import { CALIBRATION_GRID, TrouterRouter, epochRepeats } from '../src/routers/trouter/index.js';
import type { Estimate, Router, RouterState } from '../src/routers/types.js';
import { MODELS, PRICES, planted, score, trainSetOf, withoutLabels, type PlantedRows } from './helpers-trouter.js';

const dir = mkdtempSync(join(tmpdir(), 'taskroute-80-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const p = planted({ noise: 0.2, seed: 1 });
const train = p.rows(12, 21);
const val = p.rows(4, 22);
const test = p.rows(60, 23);
const L = p.leafIds.length;
const M = MODELS.length;
/** Synthetic-data mode: rows carry their leaf, no task label. */
const synthTrain = withoutLabels(train, { leaves: true });
const synthVal = withoutLabels(val, { leaves: true });

async function fitted(method: string, options: Record<string, unknown> = {}, t = synthTrain, v = synthVal): Promise<Router> {
  const r = getRouterFactory(method).create(options);
  await r.fit(trainSetOf(p, t, v, 0));
  return r;
}

function top1(q: { id: string }[][], rows: PlantedRows): number {
  let ok = 0;
  q.forEach((row, i) => (ok += row[0].id === p.leafIds[rows.label[i]] ? 1 : 0));
  return ok / q.length;
}

/** The first k test rows' embeddings. */
const Xk = (k: number) => test.X.subarray(0, k * p.d);
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('trouter on a planted taxonomy', () => {
  const routers: Record<string, Router> = {};
  const est: Record<string, Estimate> = {};
  beforeAll(async () => {
    const opts = { taxonomy: p.taxonomy };
    for (const [m, o] of [
      ['trouter', opts],
      ['trouter-no-prior', opts],
      ['trouter-no-task', {}],
      ['metric', {}],
      ['adaptive', {}],
    ] as const) {
      routers[m] = await fitted(m, o);
      est[m] = await routers[m].estimate(test.X, test.n);
    }
  });

  it('recovers the leaves (validation and test top-1 high) and reports its diagnostics', async () => {
    const d = routers.trouter.diagnostics!();
    expect(d.leaves).toBe(L);
    expect(d.priorRows).toBe(train.n);
    expect(d.taxonomy).toBe('the "taxonomy" option (an object)');
    expect(d.beta).toBe(1);
    expect(d.tau).toBe(0.07);
    expect(d.recogniserRows).toBe(val.n);
    expect(d.recogniserTop1 as number).toBeGreaterThan(0.8);
    expect(d.recogniserTop5 as number).toBeGreaterThanOrEqual(d.recogniserTop1 as number);
    expect(d.trainTop1 as number).toBeGreaterThan(0.95);
    expect(top1(await routers.trouter.explain!(test.X, test.n, 1), test)).toBeGreaterThan(0.8);
  });

  it('beats metric and adaptive in utility sum with 12 prompts per leaf', () => {
    const u = (m: string) => score(est[m], test, train).utilities.sum;
    expect(u('trouter')).toBeGreaterThan(u('metric') + 0.02);
    expect(u('trouter')).toBeGreaterThan(u('adaptive') + 0.1);
  });

  it('the ablations fall behind: no prior (latent leaves unidentified) and no task variable', async () => {
    const u = (m: string) => score(est[m], test, train).utilities.sum;
    expect(u('trouter')).toBeGreaterThan(u('trouter-no-prior') + 0.05);
    expect(u('trouter')).toBeGreaterThan(u('trouter-no-task') + 0.02);
    // without the prior the latent variable is not a leaf recogniser
    const np = routers['trouter-no-prior'].diagnostics!();
    expect(np.beta).toBe(0);
    expect(np.recogniserTop1 as number).toBeLessThan(0.5);
    expect(String(np.calibration)).toMatch(/^none \(β = 0/);
    // the no-task ablation has no recogniser, no explain and no leaves
    const nt = routers['trouter-no-task'];
    expect(nt.explain).toBeUndefined();
    expect(nt.diagnostics!().leaves).toBeUndefined();
    expect(Object.keys(nt.state().tensors).some((k) => k === 'E' || k.startsWith('g.'))).toBe(false);
  });

  it('calibrates τ on the validation leaves: a grid factor, and no worse likelihood than τ itself', () => {
    const d = routers.trouter.diagnostics!();
    const factor = (d.tauCalibrated as number) / (d.tau as number);
    expect(CALIBRATION_GRID.some((g) => Math.abs(g - factor) < 1e-9)).toBe(true);
    const m = /NLL ([\d.]+) → ([\d.]+)/.exec(String(d.calibration));
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeLessThanOrEqual(Number(m![1]));
    expect(routers.trouter.state().config.model).toMatchObject({ tau: d.tauCalibrated });
  });

  it('estimates cost in USD: per-model means within 5 % of the truth, prices in order', () => {
    const e = est.trouter;
    for (let m = 0; m < M; m++) {
      let s = 0;
      let t = 0;
      for (let i = 0; i < test.n; i++) {
        s += e.cost[i * M + m];
        t += test.costs[i * M + m];
      }
      expect(Math.abs(s / t - 1)).toBeLessThan(0.05);
    }
    for (let i = 0; i < test.n; i++) for (let m = 1; m < M; m++) expect(e.cost[i * M + m]).toBeGreaterThan(e.cost[i * M + m - 1]);
    const st = routers.trouter.state();
    const scale = st.tensors.costScale as Float32Array;
    for (let m = 0; m < M; m++) expect(scale[m]).toBeCloseTo(Math.max(...Array.from({ length: train.n }, (_, i) => train.costs[i * M + m])), 12);
    expect(PRICES.length).toBe(M);
  });

  it('explain: the top leaves with their paths, probabilities descending, top clamped to L', async () => {
    const ex = await routers.trouter.explain!(Xk(3), 3, 3);
    expect(ex).toHaveLength(3);
    for (const row of ex) {
      expect(row).toHaveLength(3);
      for (let k = 1; k < row.length; k++) expect(row[k].probability).toBeLessThanOrEqual(row[k - 1].probability);
      for (const t of row) {
        expect(p.leafIds).toContain(t.id);
        const [dom, sub] = t.id.split('/');
        expect(t.label).toBe(`${dom === 'alpha' ? 'Alpha' : 'Beta'} / ${dom === 'alpha' ? 'Alpha' : 'Beta'} part ${sub.slice(1)}`);
      }
    }
    const all = await routers.trouter.explain!(Xk(2), 2, 100);
    expect(all[0]).toHaveLength(L);
    expect(all[0].reduce((a, t) => a + t.probability, 0)).toBeCloseTo(1, 5);
    expect(await routers.trouter.explain!(new Float32Array(0), 0, 2)).toEqual([]);
    await expect(routers.trouter.explain!(Xk(1), 1, 0)).rejects.toThrow('Expected "top" to be an integer >= 1, received 0');
  });

  it('state → JSON config → fromState reproduces the estimates bit for bit', async () => {
    for (const m of ['trouter', 'trouter-no-task', 'trouter-no-prior', 'metric']) {
      const s = routers[m].state();
      expect(s.method).toBe(m);
      const copy: RouterState = {
        method: s.method,
        models: [...s.models],
        config: JSON.parse(JSON.stringify(s.config)),
        tensors: Object.fromEntries(Object.entries(s.tensors).map(([k, v]) => [k, (v as Float32Array).slice()])),
        shapes: s.shapes,
      };
      for (const [k, v] of Object.entries(s.tensors)) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(s.shapes![k].reduce((a, b) => a * b, 1)).toBe((v as Float32Array).length);
      }
      const back = getRouterFactory(m).fromState(copy);
      const a = await routers[m].estimate(test.X, test.n);
      const b = await back.estimate(test.X, test.n);
      expect(bits(b.quality)).toEqual(bits(a.quality));
      expect(bits(b.cost)).toEqual(bits(a.cost));
      expect(back.diagnostics?.()).toEqual(routers[m].diagnostics?.());
      if (routers[m].explain) expect(await back.explain!(Xk(5), 5, 2)).toEqual(await routers[m].explain!(Xk(5), 5, 2));
    }
  });

  it('is deterministic for a seed and differs for another', async () => {
    const a = await fitted('trouter', { taxonomy: p.taxonomy, epochs: 5 });
    const b = await fitted('trouter', { taxonomy: p.taxonomy, epochs: 5 });
    expect(bits((await a.estimate(Xk(20), 20)).quality)).toEqual(bits((await b.estimate(Xk(20), 20)).quality));
    const c = getRouterFactory('trouter').create({ taxonomy: p.taxonomy, epochs: 5 });
    await c.fit(trainSetOf(p, synthTrain, synthVal, 7));
    expect(bits((await c.estimate(Xk(20), 20)).quality)).not.toEqual(bits((await a.estimate(Xk(20), 20)).quality));
  });

  it('repeats small training sets to at least 8 minibatches per epoch', () => {
    expect(epochRepeats(96, 32)).toBe(3);
    expect(epochRepeats(420, 32)).toBe(1);
    expect(epochRepeats(1, 32)).toBe(256);
    expect(routers.trouter.diagnostics!().epochRepeats).toBe(3);
  });
});

describe('trouter: how rows get their leaf', () => {
  it('task labels equal to a leaf path map to that leaf (synthetic records without "leaf")', async () => {
    const r = await fitted('trouter', { taxonomy: p.taxonomy, epochs: 3 }, withoutLabels(train, { tasks: true }), withoutLabels(val, { tasks: true }));
    expect(r.diagnostics!().priorRows).toBe(train.n);
  });

  it('a task → leaf mapping file maps real task labels; unmapped tasks get no prior', async () => {
    const taxFile = join(dir, 'tax.json');
    writeFileSync(taxFile, JSON.stringify(p.taxonomy));
    const mapFile = join(dir, 'map.json');
    // tasks "t0" … "t7", all but t7 mapped
    writeFileSync(mapFile, JSON.stringify(Object.fromEntries(p.leafIds.slice(0, 7).map((id, t) => [`t${t}`, id]))));
    const relabel = (s: PlantedRows) => ({ ...withoutLabels(s, {}), tasks: Array.from(s.label, (t) => `t${t}`) });
    const r = await fitted('trouter', { taxonomy: taxFile, taskLeafMap: mapFile, epochs: 3 }, relabel(train), relabel(val));
    const d = r.diagnostics!();
    expect(d.priorRows).toBe((train.n * 7) / 8);
    expect(d.taxonomy).toBe(`file ${taxFile}, tasks mapped by file ${mapFile}`);
    expect(d.recogniserRows).toBe((val.n * 7) / 8);
    expect(r.state().config.options).toMatchObject({ taxonomy: taxFile, taskLeafMap: mapFile });
  });

  it('without a taxonomy: the built-in LLMRouter mapping when it names every task', async () => {
    const names = ['gsm8k', 'math', 'mbpp', 'human_eval', 'trivia_qa', 'natural_qa', 'commongen', 'mmlu'];
    const relabel = (s: PlantedRows) => ({ ...withoutLabels(s, {}), tasks: Array.from(s.label, (t) => names[t]) });
    const r = await fitted('trouter', { epochs: 3 }, relabel(train), relabel(val));
    const d = r.diagnostics!();
    expect(d.taxonomy).toBe('derived from the task labels with the built-in LLMRouter domain mapping');
    expect(d.leaves).toBe(8);
    expect(d.priorRows).toBe(train.n);
    const ex = await r.explain!(Xk(1), 1, 8);
    expect(ex[0].map((t) => t.id).sort()).toEqual(
      ['math/gsm8k', 'math/math', 'programming/mbpp', 'programming/human_eval', 'commonsense/trivia_qa', 'commonsense/natural_qa', 'creative-writing/commongen', 'reading-comprehension/mmlu'].sort(),
    );
    expect(ex[0].find((t) => t.id === 'math/gsm8k')!.label).toBe('Mathematics / Grade-school word problems (GSM8K)');
  });

  it('without a taxonomy: one generic leaf per task otherwise, its example the most typical prompt', async () => {
    const relabel = (s: PlantedRows) => ({ ...withoutLabels(s, {}), tasks: Array.from(s.label, (t) => `job ${t}`) });
    const seen: string[][] = [];
    const r = getRouterFactory('trouter').create({ epochs: 3 });
    await r.fit({ ...trainSetOf(p, relabel(train), relabel(val)), embed: async (texts) => (seen.push(texts), p.embed(texts)) });
    const d = r.diagnostics!();
    expect(d.taxonomy).toBe('generic: one domain with one leaf per training task');
    expect(d.leaves).toBe(8);
    expect(d.priorRows).toBe(train.n);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(8);
    expect(seen[0][0]).toMatch(/^job 0: Prompts of the task "job 0"\. Example: prompt \d+ of alpha\/s0$/);
    const ex = await r.explain!(Xk(1), 1, 1);
    expect(ex[0][0].id).toMatch(/^tasks\/job-\d$/);
    expect(ex[0][0].label).toMatch(/^Tasks \/ job \d$/);
  });
});

describe('trouter bad input', () => {
  it('rejects bad options with exact messages', () => {
    const f = getRouterFactory('trouter');
    expect(() => f.create({ beta: -1 })).toThrow('Expected "beta" to be a number in [0, Infinity], received -1');
    expect(() => f.create({ tau: 0 })).toThrow('Expected "tau" to be a number > 0, received 0');
    expect(() => f.create({ tau: Number.NaN })).toThrow('Expected "tau" to be a finite number, received NaN');
    expect(() => f.create({ towerHidden: [0] })).toThrow('Expected "towerHidden[0]" to be an integer in [1, 1048576], received 0');
    expect(() => f.create({ towerHidden: [1, 2, 3] })).toThrow('Expected "towerHidden" to be an array of at most 2 integers >= 1, received an array of length 3');
    expect(() => f.create({ betta: 1 })).toThrow(/^Expected "options.betta" to be one of the trouter options \(/);
    expect(() => f.create({ taxonomy: 3 })).toThrow('Expected "taxonomy" to be an object, received 3');
    expect(() => f.create({ taxonomy: '' })).toThrow('Expected "taxonomy" to be a taxonomy file path or a Taxonomy object, received ""');
    expect(() => f.create({ calibrate: 'yes' })).toThrow('Expected "calibrate" to be a boolean, received "yes"');
    expect(() => getRouterFactory('trouter-no-prior').create({ beta: 0.5 })).toThrow('trouter-no-prior fixes "beta" to 0; use "trouter" to set it');
    expect(() => getRouterFactory('trouter-no-task').create({ taxonomy: 'x.json' })).toThrow(TaskrouteError);
    expect(() => getRouterFactory('metric').create({ hidden: [1, 2, 3] })).toThrow('Expected "hidden" to be an array of at most 2 integers >= 1, received an array of length 3');
    expect(() => getRouterFactory('metric').create({ ks: [1] })).toThrow(/^Expected "options.ks" to be one of the metric options/);
  });

  it('an unknown leaf on a row, or in the mapping, is an error naming it', async () => {
    const bad = { ...synthTrain, leaves: synthTrain.leaves!.map((l, i) => (i === 5 ? 'alpha/s9' : l)) };
    const e = await fitted('trouter', { taxonomy: p.taxonomy }, bad).catch((x) => x);
    expect(e).toBeInstanceOf(TaskrouteError);
    expect(e.code).toBe('ERR_TASKROUTE_DATA');
    expect(e.message).toBe('training row 5: unknown taxonomy leaf "alpha/s9" (not one of the 8 leaves of the "taxonomy" option (an object))');
    const badVal = { ...synthVal, leaves: synthVal.leaves!.map((l, i) => (i === 2 ? 'gamma/x' : l)) };
    await expect(fitted('trouter', { taxonomy: p.taxonomy }, synthTrain, badVal)).rejects.toThrow('validation row 2: unknown taxonomy leaf "gamma/x"');
    const m = await fitted('trouter', { taxonomy: p.taxonomy, taskLeafMap: { a: 'alpha/s0', b: 'alpha/nope', c: 'alpha' } }).catch((x) => x);
    expect(m).toBeInstanceOf(TaskrouteError);
    expect(m.message).toBe('the "taskLeafMap" option: task "b" → unknown leaf "alpha/nope"; task "c" → "alpha" is not a leaf (it has 4 children)');
  });

  it('leaves without their taxonomy become generic leaves; a mapping without a taxonomy, no tasks at all, a missing file are refused', async () => {
    const generic = await fitted('trouter', {});
    expect(String(generic.diagnostics!().taxonomyNotes)).toMatch(/leaf ids without a taxonomy: one generic leaf per leaf id/);
    expect(generic.diagnostics!().leaves).toBe(p.leafIds.length);
    await expect(fitted('trouter', { taskLeafMap: { a: 'b' } }, withoutLabels(train, {}))).rejects.toThrow(/"taskLeafMap" option maps tasks to the leaves of a taxonomy/);
    await expect(fitted('trouter', {}, withoutLabels(train, {}))).rejects.toThrow(/trouter needs a taxonomy .* or task labels/);
    await expect(fitted('trouter', { taxonomy: join(dir, 'missing.json') })).rejects.toThrow(`cannot read the taxonomy ${join(dir, 'missing.json')}: ENOENT`);
    await expect(fitted('trouter', { taxonomy: { format: 'taskroute-taxonomy', version: 1, domains: [] } })).rejects.toThrow('a taxonomy needs at least one domain');
  });

  it('rejects bad labels and inputs, and use before fit', async () => {
    const s = { ...synthTrain, scores: synthTrain.scores.slice() };
    s.scores[7] = 1.5;
    await expect(fitted('trouter', { taxonomy: p.taxonomy }, s)).rejects.toThrow('Expected "train.scores" to be values in [0, 1] or NaN (unobserved), received 1.5 at row 1, column 3');
    const c = { ...synthTrain, costs: synthTrain.costs.slice() };
    c.costs[2] = -1;
    await expect(fitted('trouter', { taxonomy: p.taxonomy }, c)).rejects.toThrow('Expected "train.costs" to be finite costs >= 0 (NaN = unobserved), received "-1 at row 0, column 2"');
    c.costs[2] = Infinity;
    await expect(fitted('metric', {}, c)).rejects.toThrow('Expected "train.costs" to be finite costs >= 0 (NaN = unobserved), received "Infinity at row 0, column 2"');
    const r = new TrouterRouter({ taxonomy: p.taxonomy });
    await expect(r.estimate(Xk(1), 1)).rejects.toThrow('router "trouter" is used before fit()');
    const f = await fitted('trouter', { taxonomy: p.taxonomy, epochs: 2 });
    await expect(f.estimate(Xk(2).subarray(1), 2)).rejects.toThrow(`Expected "X.length" to be n × dim = 2 × ${p.d} = ${2 * p.d} for router "trouter", received ${2 * p.d - 1}`);
    const X = test.X.slice(0, p.d);
    X[3] = Number.NaN;
    await expect(f.estimate(X, 1)).rejects.toThrow('Expected "X" to be finite values only, received NaN at row 0, column 3');
    const empty = await f.estimate(new Float32Array(0), 0);
    expect(empty.quality).toHaveLength(0);
    expect(empty.models).toBe(M);
    const noEmbed = { ...trainSetOf(p, synthTrain, synthVal), embed: undefined };
    await expect(new TrouterRouter({ taxonomy: p.taxonomy }).fit(noEmbed)).rejects.toThrow(/has no "embed" function/);
  });

  it('a detached estimate buffer is refused, not a crash', async () => {
    const f = await fitted('trouter', { taxonomy: p.taxonomy, epochs: 2 });
    const X = test.X.slice(0, 2 * p.d);
    structuredClone(X.buffer, { transfer: [X.buffer] });
    await expect(f.estimate(X, 2)).rejects.toThrow(/Expected "X.length" to be n × dim = 2 × 32 = 64 for router "trouter", received 0/);
  });
});
