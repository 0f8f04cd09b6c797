// The cold-start protocol (TRouter): train on only N labelled prompts per task plus V for
// validation, drawn deterministically from the training split; the test split is kept.

import { createHash } from 'node:crypto';
import type { RoutingData } from './data/types.js';
import { SPLIT_CODES } from './data/types.js';

export interface ColdStart {
  /** Labelled prompts per task for training. */
  perTask: number;
  /** Labelled prompts per task for validation. */
  valPerTask: number;
}

/** Parses "30/10" or "30" (V then defaults to 0). */
export function parseColdStart(spec: string): ColdStart {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(spec.trim());
  if (!m) throw new RangeError(`Expected "--cold-start" to be N or N/V with whole numbers (e.g. 30/10), received ${JSON.stringify(spec)}`);
  const perTask = Number(m[1]);
  const valPerTask = m[2] === undefined ? 0 : Number(m[2]);
  if (perTask < 1) throw new RangeError(`Expected "--cold-start" N to be >= 1, received ${perTask}`);
  return { perTask, valPerTask };
}

const UNUSED = 255;

/**
 * New split codes: per task, the N training-split rows with the smallest sha1(seed:id)
 * stay train, the next V become val, the rest are unused (code 255); test rows stay test.
 * Rows without a task form one group ('').
 */
export function coldStartSplits(data: RoutingData, cs: ColdStart, seed = 0): Uint8Array {
  const out = new Uint8Array(data.n).fill(UNUSED);
  const byTask = new Map<string, { i: number; h: string }[]>();
  for (let i = 0; i < data.n; i++) {
    if (data.splits[i] === SPLIT_CODES.test) {
      out[i] = SPLIT_CODES.test;
      continue;
    }
    const t = data.tasks[i] ?? '';
    const h = createHash('sha1').update(`${seed}:${data.ids[i]}`).digest('hex');
    let list = byTask.get(t);
    if (!list) byTask.set(t, (list = []));
    list.push({ i, h });
  }
  for (const list of byTask.values()) {
    list.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.i - b.i));
    list.forEach(({ i }, r) => {
      if (r < cs.perTask) out[i] = SPLIT_CODES.train;
      else if (r < cs.perTask + cs.valPerTask) out[i] = SPLIT_CODES.val;
    });
  }
  return out;
}

/** The data set restricted to cold-start train/val rows plus the whole test split. */
export function applyColdStart(data: RoutingData, cs: ColdStart, seed = 0): RoutingData {
  const codes = coldStartSplits(data, cs, seed);
  const keep: number[] = [];
  for (let i = 0; i < data.n; i++) if (codes[i] !== UNUSED) keep.push(i);
  const M = data.models.length;
  const pick = <T>(a: T[]) => keep.map((i) => a[i]);
  const rows = (a: Float32Array, w: number) => {
    const o = new Float32Array(keep.length * w);
    keep.forEach((i, r) => o.set(a.subarray(i * w, i * w + w), r * w));
    return o;
  };
  return {
    ...data,
    n: keep.length,
    ids: pick(data.ids),
    prompts: pick(data.prompts),
    tasks: pick(data.tasks),
    leaves: data.leaves ? pick(data.leaves) : undefined,
    scores: rows(data.scores, M),
    costs: rows(data.costs, M),
    splits: Uint8Array.from(keep.map((i) => codes[i])),
    embeddings: data.embeddings && data.embeddingDim ? rows(data.embeddings, data.embeddingDim) : undefined,
    notes: [...data.notes, `cold start: ${cs.perTask} train + ${cs.valPerTask} val prompts per task (seed ${seed}); test split unchanged`],
  };
}
