// Near-duplicate filtering of synthetic questions (ColdStartLLMRouter, task_annotator.py:
// a new question is dropped when its cosine similarity with one already kept for the leaf
// exceeds 0.9). Works with any Embedder; `ngramEmbedder` is a small lexical one (hashed
// character trigrams) for runs without a model embedder — near-duplicates are mostly lexical.

import type { Embedder, EmbedderState } from '../embed/types.js';
import { TaskrouteError } from '../errors.js';
import { assertInteger } from '../validate.js';

function fnv1a(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Text as the lexical embedder sees it: lower case, punctuation folded to spaces, single spaces. */
export function normaliseText(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * A lexical embedder: counts of hashed character n-grams (default trigrams) of the normalised
 * text, [n × dim] rows L2-normalised. Deterministic, needs no fit.
 */
export function ngramEmbedder(options: { dim?: number; n?: number } = {}): Embedder {
  const dim = assertInteger('dim', options.dim ?? 1024, 8, 1 << 20);
  const n = assertInteger('n', options.n ?? 3, 1, 8);
  return {
    kind: 'ngram',
    dim,
    async fit() {},
    async embed(texts: string[]) {
      const out = new Float32Array(texts.length * dim);
      texts.forEach((t, r) => {
        const s = ` ${normaliseText(t)} `;
        const row = out.subarray(r * dim, (r + 1) * dim);
        if (s.length <= n) row[fnv1a(s, 0, s.length) % dim] += 1;
        else for (let i = 0; i + n <= s.length; i++) row[fnv1a(s, i, i + n) % dim] += 1;
        let ss = 0;
        for (let j = 0; j < dim; j++) ss += row[j] * row[j];
        const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
        for (let j = 0; j < dim; j++) row[j] *= inv;
      });
      return out;
    },
    state(): EmbedderState {
      return { kind: 'ngram', config: { dim, n }, tensors: {} };
    },
  };
}

export interface NearDuplicateResult {
  /** Indices into `candidates` that were kept, in order. */
  kept: number[];
  /** Per dropped candidate: its index, the text it duplicates, and their similarity (1 for an exact duplicate). */
  dropped: { index: number; duplicateOf: string; similarity: number }[];
}

/**
 * Greedy filter: candidates in order, each kept unless its cosine similarity with a kept
 * text (the existing ones, then candidates kept before it) is above `threshold`, or its
 * normalised text equals one. The embedder is fitted on existing + candidates first when
 * `fit` is set (TF·IDF-style embedders need that; remote ones ignore it).
 */
export async function filterNearDuplicates(
  embedder: Embedder,
  existing: string[],
  candidates: string[],
  options: { threshold?: number; fit?: boolean; limit?: number } = {},
): Promise<NearDuplicateResult> {
  const threshold = options.threshold ?? 0.9;
  const limit = options.limit ?? Infinity;
  const kept: number[] = [];
  const dropped: NearDuplicateResult['dropped'] = [];
  if (!candidates.length) return { kept, dropped };
  const texts = [...existing, ...candidates];
  if (options.fit ?? true) await embedder.fit(texts);
  const v = await embedder.embed(texts);
  const d = embedder.dim;
  if (!(v instanceof Float32Array) || v.length !== texts.length * d)
    throw new TaskrouteError('ERR_TASKROUTE_INTERNAL', `the ${embedder.kind} embedder returned ${v?.length} values for ${texts.length} texts of dimension ${d}`);
  const keptRows: number[] = existing.map((_, i) => i);
  const seen = new Map<string, number>();
  existing.forEach((t, i) => seen.set(normaliseText(t), i));
  const cos = (a: number, b: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += v[a * d + j] * v[b * d + j];
    return s;
  };
  for (let c = 0; c < candidates.length; c++) {
    if (kept.length >= limit) break;
    const row = existing.length + c;
    const key = normaliseText(candidates[c]);
    const exact = seen.get(key);
    if (exact !== undefined) {
      dropped.push({ index: c, duplicateOf: texts[exact], similarity: 1 });
      continue;
    }
    let best = -Infinity;
    let bestRow = -1;
    for (const k of keptRows) {
      const s = cos(row, k);
      if (s > best) {
        best = s;
        bestRow = k;
      }
    }
    if (bestRow >= 0 && best > threshold) {
      dropped.push({ index: c, duplicateOf: texts[bestRow], similarity: best });
      continue;
    }
    kept.push(c);
    keptRows.push(row);
    seen.set(key, row);
  }
  return { kept, dropped };
}
