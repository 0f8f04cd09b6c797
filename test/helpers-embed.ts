// Test helpers of the embedders: a pure-TS reference of the builtin embedder's features
// (written from the definition in native/kernels/hash_embed.h with regexes and BigInt,
// independently of the native tables), a small deterministic corpus, and vector maths.

import { rng } from './helpers.js';

export interface RefParams {
  bits: number;
  seed: number;
  wordNgramMax: number;
  charNgramMin: number;
  charNgramMax: number;
}

export const REF_DEFAULTS: RefParams = { bits: 20, seed: 0, wordNgramMax: 2, charNgramMin: 3, charNgramMax: 5 };

const M64 = (x: bigint) => BigInt.asUintN(64, x);
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

export function fmix64(k: bigint): bigint {
  k ^= k >> 33n;
  k = M64(k * 0xff51afd7ed558ccdn);
  k ^= k >> 33n;
  k = M64(k * 0xc4ceb9fe1a85ec53n);
  k ^= k >> 33n;
  return k;
}

const ALONE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const WORD_TOKEN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])[\p{L}\p{M}\p{N}\p{Pc}])+/gu;

/** Per-code-point lowercase (multi-code-point results left as is), lone surrogates → U+FFFD. */
export function refLower(text: string): string {
  return [...text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')]
    .map((c) => {
      const l = c.toLowerCase();
      return [...l].length === 1 ? l : c;
    })
    .join('');
}

export function refWords(text: string): string[] {
  return refLower(text).match(WORD_TOKEN) ?? [];
}

export function refChunks(text: string): string[] {
  return refLower(text)
    .split(/\s+/u)
    .filter((s) => s.length > 0);
}

function hashCps(h: bigint, cps: number[]): bigint {
  for (const c of cps) h = M64((h ^ BigInt(c)) * FNV_PRIME);
  return h;
}

/** Every n-gram of the text as [kind, code points] (words first, then character n-grams). */
export function refNgrams(text: string, p: RefParams = REF_DEFAULTS): { kind: number; cps: number[] }[] {
  const out: { kind: number; cps: number[] }[] = [];
  const words = refWords(text).map((w) => [...w].map((c) => c.codePointAt(0)!));
  for (let n = 1; n <= p.wordNgramMax; n++)
    for (let i = 0; i + n <= words.length; i++) {
      const cps: number[] = [];
      for (let t = 0; t < n; t++) {
        if (t) cps.push(0x20);
        cps.push(...words[i + t]);
      }
      out.push({ kind: n, cps });
    }
  if (p.charNgramMax > 0)
    for (const chunk of refChunks(text)) {
      const padded = [0x20, ...[...chunk].map((c) => c.codePointAt(0)!), 0x20];
      for (let s = 0; s < padded.length; s++)
        for (let n = p.charNgramMin; n <= p.charNgramMax && s + n <= padded.length; n++) out.push({ kind: 0x100, cps: padded.slice(s, s + n) });
    }
  return out;
}

/** The finished 64-bit hash of each n-gram. */
export function refHashes(text: string, p: RefParams = REF_DEFAULTS): bigint[] {
  const seedMix = FNV_OFFSET ^ fmix64(BigInt(p.seed));
  return refNgrams(text, p).map(({ kind, cps }) => fmix64(hashCps(M64((seedMix ^ BigInt(kind)) * FNV_PRIME), cps)));
}

/** Bucket → signed count (non-zero only), ascending buckets. */
export function refCounts(text: string, p: RefParams = REF_DEFAULTS): Map<number, number> {
  const mask = (1n << BigInt(p.bits)) - 1n;
  const m = new Map<number, number>();
  for (const h of refHashes(text, p)) {
    const b = Number(h & mask);
    m.set(b, (m.get(b) ?? 0) + (h >> 63n ? -1 : 1));
  }
  return new Map([...m].filter(([, c]) => c !== 0).sort((a, b) => a[0] - b[0]));
}

export interface RefVocab {
  buckets: number[];
  df: number[];
  idf: number[];
  minDf: number;
}

/** Vocabulary: buckets with df >= minDf (lowered to 1 when none), by df desc then bucket asc, at most maxFeatures. */
export function refVocab(texts: string[], p: RefParams, minDf: number, maxFeatures: number): RefVocab {
  const df = new Map<number, number>();
  for (const t of texts) for (const b of refCounts(t, p).keys()) df.set(b, (df.get(b) ?? 0) + 1);
  let md = minDf;
  let cand = [...df].filter(([, d]) => d >= md);
  if (cand.length === 0) {
    md = 1;
    cand = [...df];
  }
  cand.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  cand = cand.slice(0, maxFeatures);
  const n = texts.length;
  return { buckets: cand.map((c) => c[0]), df: cand.map((c) => c[1]), idf: cand.map((c) => Math.log((1 + n) / (1 + c[1])) + 1), minDf: md };
}

/** L2-normalised TF·IDF of a text over the vocabulary: [feature, weight] ascending. */
export function refTfidf(text: string, p: RefParams, buckets: ArrayLike<number>, idf: ArrayLike<number>): [number, number][] {
  const feat = new Map<number, number>();
  for (let f = 0; f < buckets.length; f++) feat.set(buckets[f], f);
  const row: [number, number][] = [];
  for (const [b, c] of refCounts(text, p)) {
    const f = feat.get(b);
    if (f === undefined) continue;
    row.push([f, Math.sign(c) * (1 + Math.log(Math.abs(c))) * idf[f]]);
  }
  const norm = Math.sqrt(row.reduce((s, [, w]) => s + w * w, 0));
  return row.map(([f, w]) => [f, w / norm] as [number, number]).sort((a, b) => a[0] - b[0]);
}

/** Texts with the hard cases of tokenisation. */
export const UNICODE_TEXTS: string[] = [
  'What is the derivative of x^2 + 3x - 7?',
  'def add(a, b):\n    return a + b  # sum_two',
  'ΣΊΣΥΦΟΣ και ΟΔΥΣΣΕΥΣ: Σίσυφος!',
  'İstanbul’da DİYARBAKIR ıslak; Straße GROẞ',
  '東京都に住んでいます。カタカナとひらがな、漢字123',
  '서울에서 한국어 문장입니다',
  'emoji 👍🏽 family 👨‍👩‍👧 flags 🇫🇷 done',
  'cafe\u0301 naïve résumé Ǆemal',
  'tabs\tand\nnewlines\u00a0nbsp\u3000ideographic\u2028ls',
  '',
  '    \t\n  ',
  'lone \ud800 surrogate \udc00 here',
  '𐐀𐐁 Deseret 𞤀 Adlam',
  'a',
  'supercalifragilisticexpialidocious_with_underscores_and_digits_0123456789',
  '!!! ??? ... --- +++',
];

const TOPICS: Record<string, string[]> = {
  math: ['integral', 'derivative', 'equation', 'polynomial', 'matrix', 'prime', 'solve', 'compute', 'sum', 'fraction'],
  code: ['python', 'function', 'return', 'array', 'loop', 'class', 'compile', 'variable', 'string', 'recursion'],
  history: ['empire', 'war', 'king', 'century', 'treaty', 'revolution', 'ancient', 'dynasty', 'battle', 'colony'],
  cooking: ['recipe', 'bake', 'flour', 'oven', 'sauce', 'garlic', 'simmer', 'butter', 'spice', 'dough'],
};
const FILLER = ['the', 'a', 'of', 'to', 'and', 'in', 'what', 'how', 'is', 'please', 'explain', 'with', 'for', 'about'];

/** A deterministic corpus: `perTopic` prompts for each of four topics (label = topic index). */
export function topicCorpus(perTopic: number, seed = 1, words = 40): { texts: string[]; labels: number[] } {
  const r = rng(seed);
  const names = Object.keys(TOPICS);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < perTopic; i++)
    for (let t = 0; t < names.length; t++) {
      const vocab = TOPICS[names[t]];
      const w: string[] = [];
      for (let k = 0; k < words; k++) w.push(r() < 0.45 ? vocab[Math.floor(r() * vocab.length)] : FILLER[Math.floor(r() * FILLER.length)]);
      texts.push(w.join(' ') + (r() < 0.5 ? '?' : '.'));
      labels.push(t);
    }
  return { texts, labels };
}

export function dotRows(X: Float32Array, d: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += X[i * d + k] * X[j * d + k];
  return s;
}

export function rowNorm(X: Float32Array, d: number, i: number): number {
  return Math.sqrt(dotRows(X, d, i, i));
}

/** Bitwise equality of two float arrays (NaN-safe, -0 ≠ +0). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
