// Test helpers of the TRouter area: a planted taxonomy problem (leaves with distinct
// model preferences, prompts scattered around each leaf's centre, leaf descriptions
// embedded near their centre), TrainSets built from it, and scoring estimates with the
// project's metrics.
import { evaluate } from '../src/eval/metrics.js';
import { referenceCost } from '../src/policy/index.js';
import type { Estimate, LabelledSet, TrainSet } from '../src/routers/types.js';
import { columnMeans } from '../src/routers/util.js';
import { leafTitle, leaves, nodeDescription, type Taxonomy } from '../src/synth/taxonomy.js';
import { rng } from './helpers.js';

export const MODELS = ['small', 'medium', 'large', 'huge'];
/** USD per token of each model. */
export const PRICES = [0.2e-6, 0.5e-6, 1e-6, 3e-6];

/** Two domains × four subcategories: eight leaves "alpha/s0" … "beta/s3". */
export function plantedTaxonomy(): Taxonomy {
  const domain = (id: string, name: string) => ({
    id,
    name,
    definition: `Everything about ${name}.`,
    example: `A question about ${name}.`,
    children: [0, 1, 2, 3].map((k) => ({ id: `${id}/s${k}`, name: `${name} part ${k}`, definition: `Part ${k} of ${name}.`, example: `A ${name} part ${k} question.` })),
  });
  return { format: 'taskroute-taxonomy', version: 1, levels: ['domain', 'subcategory'], domains: [domain('alpha', 'Alpha'), domain('beta', 'Beta')] };
}

/** Leaf t's quality profile: model t mod M is clearly best, the others mediocre. */
export function profile(t: number, M = MODELS.length): number[] {
  return Array.from({ length: M }, (_, m) => (m === t % M ? 0.9 : 0.25 + 0.1 * ((m + t) % 3)));
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const k = 1 / Math.sqrt(s || 1);
  for (let i = 0; i < v.length; i++) v[i] *= k;
  return v;
}

export interface PlantedRows extends LabelledSet {
  /** Leaf index of each row. */
  label: Int32Array;
}

export interface Planted {
  taxonomy: Taxonomy;
  leafIds: string[];
  d: number;
  centres: Float32Array[];
  /** The run's "embedder" for leaf descriptions: a description lands near its leaf's centre. */
  embed: (texts: string[]) => Promise<Float32Array>;
  rows: (perLeaf: number, seed: number) => PlantedRows;
}

/**
 * The planted problem. `noise` is the per-coordinate spread of a prompt around its leaf
 * centre (before normalisation); scores are 0/1 draws with the leaf profile's probability
 * (pass/fail, as most benchmark scores are), so one row says little on its own; costs
 * are price × a per-prompt token count in [100, 1000].
 */
export function planted(o: { d?: number; noise?: number; seed?: number; binary?: boolean } = {}): Planted {
  const d = o.d ?? 32;
  const noise = o.noise ?? 0.2;
  const taxonomy = plantedTaxonomy();
  const ls = leaves(taxonomy);
  const r = rng(o.seed ?? 1);
  const g = () => {
    const u = Math.max(r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const centres = ls.map(() => unit(Float32Array.from({ length: d }, g)));
  const descriptions = new Map(ls.map((l, t) => [nodeDescription(l.node), t]));
  const M = MODELS.length;
  return {
    taxonomy,
    leafIds: ls.map((l) => l.id),
    d,
    centres,
    async embed(texts) {
      const out = new Float32Array(texts.length * d);
      texts.forEach((text, i) => {
        const t = descriptions.get(text);
        const h = rng(text.length * 7919 + (t ?? 99));
        const v = Float32Array.from({ length: d }, (_, k) => (t === undefined ? h() - 0.5 : centres[t][k] + (h() - 0.5) * 0.2));
        out.set(unit(v), i * d);
      });
      return out;
    },
    rows(perLeaf, seed) {
      const rr = rng(seed);
      const gg = () => {
        const u = Math.max(rr(), 1e-12);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rr());
      };
      const L = ls.length;
      const n = perLeaf * L;
      const X = new Float32Array(n * d);
      const scores = new Float32Array(n * M);
      const costs = new Float32Array(n * M);
      const label = new Int32Array(n);
      const prompts: string[] = [];
      for (let i = 0; i < n; i++) {
        const t = i % L;
        label[i] = t;
        X.set(unit(Float32Array.from({ length: d }, (_, k) => centres[t][k] + noise * gg())), i * d);
        const p = profile(t);
        const tokens = 100 + Math.floor(900 * rr());
        for (let m = 0; m < M; m++) {
          scores[i * M + m] = o.binary === false ? Math.min(1, Math.max(0, p[m] + (rr() - 0.5) * 0.5)) : rr() < p[m] ? 1 : 0;
          costs[i * M + m] = tokens * PRICES[m];
        }
        prompts.push(`prompt ${i} of ${ls[t].id}`);
      }
      const ids = Array.from(label, (t) => ls[t].id);
      return { X, n, dim: d, scores, costs, tasks: ids.map((id) => leafTitle(taxonomy, id)), leaves: ids, prompts, label };
    },
  };
}

/** A TrainSet from planted rows (tasks and leaves as given), with the planted embed(). */
export function trainSetOf(p: Planted, train: LabelledSet, val: LabelledSet | undefined, seed = 0): TrainSet {
  return { ...train, models: [...MODELS], val, seed, threads: 1, embed: p.embed };
}

/** The TRouter utilities and curve metrics of an estimate on labelled rows (tasks = leaves). */
export function score(est: Estimate, test: PlantedRows, train: LabelledSet) {
  const M = MODELS.length;
  const means = columnMeans(train.scores, train.n, M);
  let best = 0;
  for (let m = 1; m < M; m++) if (means[m] > means[best]) best = m;
  return evaluate(est, { scores: test.scores, costs: test.costs, tasks: test.leaves!, models: MODELS }, { cRef: referenceCost(train.costs, train.n, M), bestSingle: best });
}

/** Strips the row labels a router must not see (leaves, tasks) from a set. */
export function withoutLabels(s: PlantedRows, keep: { tasks?: boolean; leaves?: boolean }): LabelledSet {
  const { label: _l, ...rest } = s;
  return { ...rest, tasks: keep.tasks ? s.tasks : s.tasks.map(() => ''), leaves: keep.leaves ? s.leaves : undefined };
}
