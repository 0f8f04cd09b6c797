// Splits of a routing data set: the hash split of records without one (DESIGN.md), a
// validation split carved from train, and row selection. All deterministic by id, so a
// record keeps its split whatever order or subset it is loaded in.

import { createHash } from 'node:crypto';
import { assertInteger, assertNumber, assertObject, assertOneOf, invalidParameter, outOfRange } from '../validate.js';
import { SPLIT_CODES, SPLIT_NAMES, type RoutingData, type Split } from './types.js';

/** Fraction of records without a split that the hash split puts in test. */
export const HASH_TEST_FRACTION = 0.2;

/** The first 8 hex digits of sha1(text) as an integer over 0xFFFFFFFF: a uniform value in [0, 1]. */
export function hashUnit(text: string): number {
  return parseInt(createHash('sha1').update(text).digest('hex').slice(0, 8), 16) / 0xffffffff;
}

/** DESIGN.md's split of a record that names none: test when hashUnit(id) < 0.2, else train. */
export function hashSplit(id: string): Split {
  return hashUnit(id) < HASH_TEST_FRACTION ? 'test' : 'train';
}

function assertData(data: unknown): RoutingData {
  const d = assertObject('data', data) as unknown as RoutingData;
  if (!Number.isInteger(d.n) || !(d.splits instanceof Uint8Array) || d.splits.length !== d.n || !Array.isArray(d.models))
    throw invalidParameter('data', 'a RoutingData (from loadRoutingData)', data);
  return d;
}

/** Row indices of one split, in data order. */
export function rowsOf(data: RoutingData, split: Split): Int32Array {
  const d = assertData(data);
  const code = SPLIT_CODES[assertOneOf('split', split, SPLIT_NAMES)];
  let count = 0;
  for (let i = 0; i < d.n; i++) if (d.splits[i] === code) count++;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i < d.n; i++) if (d.splits[i] === code) out[k++] = i;
  return out;
}

function gatherRows(a: Float32Array, width: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * width);
  for (let r = 0; r < idx.length; r++) out.set(a.subarray(idx[r] * width, idx[r] * width + width), r * width);
  return out;
}

/**
 * The records at `indices` (in that order) as a new RoutingData; arrays are copied.
 * Indices must be distinct integers in [0, n): ids stay unique.
 */
export function subset(data: RoutingData, indices: ArrayLike<number>): RoutingData {
  const d = assertData(data);
  if (indices === null || typeof indices !== 'object' || typeof (indices as { length?: unknown }).length !== 'number')
    throw invalidParameter('indices', 'an array or typed array of row indices', indices);
  const seen = new Uint8Array(d.n);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= d.n) throw outOfRange(`indices[${k}]`, `an integer in [0, ${d.n - 1}]`, i);
    if (seen[i]) throw outOfRange(`indices[${k}]`, 'a row not already selected', i);
    seen[i] = 1;
  }
  const M = d.models.length;
  const pick = <T>(a: T[]): T[] => Array.from(indices, (i) => a[i]);
  const out: RoutingData = {
    ...d,
    models: [...d.models],
    n: indices.length,
    ids: pick(d.ids),
    prompts: pick(d.prompts),
    tasks: pick(d.tasks),
    leaves: d.leaves ? pick(d.leaves) : undefined,
    scores: gatherRows(d.scores, M, indices),
    costs: gatherRows(d.costs, M, indices),
    splits: Uint8Array.from(indices, (i) => d.splits[i]),
    embeddings: d.embeddings && d.embeddingDim ? gatherRows(d.embeddings, d.embeddingDim, indices) : undefined,
    notes: [...d.notes],
  };
  if (!out.leaves) delete out.leaves;
  if (!out.embeddings) {
    delete out.embeddings;
    delete out.embeddingDim;
  }
  return out;
}

/**
 * A copy of `data` with a validation split: `fraction` of the non-test rows (train + val)
 * end up in val. Existing val rows stay val; the missing ones are the train rows with
 * the smallest sha1(`${seed}:${id}`), so the choice depends on ids and seed only.
 * Test rows are never touched.
 */
export function withValidation(data: RoutingData, fraction = 0.1, seed = 0): RoutingData {
  const d = assertData(data);
  assertNumber('fraction', fraction, 0, 1);
  if (fraction >= 1) throw outOfRange('fraction', 'a number in [0, 1)', fraction);
  assertInteger('seed', seed, 0);
  const train: { i: number; h: string }[] = [];
  let val = 0;
  for (let i = 0; i < d.n; i++) {
    if (d.splits[i] === SPLIT_CODES.val) val++;
    else if (d.splits[i] === SPLIT_CODES.train) train.push({ i, h: '' });
  }
  const want = Math.round(fraction * (train.length + val));
  const move = Math.max(0, Math.min(train.length, want - val));
  const splits = Uint8Array.from(d.splits);
  if (move > 0) {
    for (const t of train) t.h = createHash('sha1').update(`${seed}:${d.ids[t.i]}`).digest('hex');
    train.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.i - b.i));
    for (let k = 0; k < move; k++) splits[train[k].i] = SPLIT_CODES.val;
  }
  const note =
    move > 0
      ? `validation: moved ${move} of ${train.length} train records to val (fraction ${fraction} of train + val, seed ${seed})`
      : `validation: kept the ${val} existing val records (fraction ${fraction} asks for ${want})`;
  return { ...d, splits, notes: [...d.notes, note] };
}
