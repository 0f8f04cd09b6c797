// The builtin embedder's native core against pure-TS references: hashed features and
// TF·IDF (exact ids, values to float precision), and the randomized SVD (planted
// spectrum, subspace iteration, rank deficiency, determinism, both GEMM backends).
import { afterAll, describe, expect, it } from 'vitest';
import { BuiltinEmbedder, hashedFeatures } from '../src/embed/builtin.js';
import { denseToSparse, randomizedSvd, randomizedSvdSync, type SparseMatrix } from '../src/embed/svd.js';
import { native } from '../src/native.js';
import { rng } from './helpers.js';
import { REF_DEFAULTS, refCounts, refTfidf, refVocab, sameBits, topicCorpus, UNICODE_TEXTS, type RefParams } from './helpers-embed.js';

function rowsOf(r: { indptr: Int32Array; ids: Int32Array; values: ArrayLike<number> }, i: number): [number, number][] {
  const out: [number, number][] = [];
  for (let e = r.indptr[i]; e < r.indptr[i + 1]; e++) out.push([r.ids[e], r.values[e]]);
  return out;
}

describe('hashed n-gram features', () => {
  const variants: [string, RefParams][] = [
    ['defaults', REF_DEFAULTS],
    ['seed 7, 12 bits, words 1–3, chars 2–4', { bits: 12, seed: 7, wordNgramMax: 3, charNgramMin: 2, charNgramMax: 4 }],
    ['words only', { bits: 16, seed: 1, wordNgramMax: 2, charNgramMin: 3, charNgramMax: 0 }],
    ['chars only', { bits: 18, seed: 2 ** 40 + 3, wordNgramMax: 0, charNgramMin: 1, charNgramMax: 6 }],
  ];
  for (const [name, p] of variants) {
    it(`match the TS reference bucket for bucket (${name})`, () => {
      const r = hashedFeatures(UNICODE_TEXTS, p);
      expect(r.indptr.length).toBe(UNICODE_TEXTS.length + 1);
      UNICODE_TEXTS.forEach((t, i) => {
        expect(rowsOf(r, i), JSON.stringify(t)).toEqual([...refCounts(t, p)]);
      });
    });
  }

  it('have the documented n-gram counts on a fixed text', () => {
    // "ab cd": words ab, cd (2 unigrams + 1 bigram); chunks " ab ", " cd " give 2 + 1 3-grams and 4-grams each.
    const p = { ...REF_DEFAULTS, bits: 26 };
    const r = hashedFeatures(['ab cd'], p);
    const total = Array.from(r.values).reduce((s, c) => s + Math.abs(c), 0);
    expect(total).toBe(3 + 2 * (2 + 1));
    expect(hashedFeatures([''], p).indptr[1]).toBe(0);
    expect(hashedFeatures(['   \n\t'], p).indptr[1]).toBe(0);
  });

  it('are the same whatever the thread count and the batch', () => {
    const { texts } = topicCorpus(40);
    const a = hashedFeatures(texts, { threads: 1 });
    const b = hashedFeatures(texts, { threads: 3 });
    expect(Array.from(b.indptr)).toEqual(Array.from(a.indptr));
    expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
    const one = hashedFeatures([texts[77]]);
    expect(rowsOf(one, 0)).toEqual(rowsOf(a, 77));
  });

  it('change with the seed', () => {
    const a = hashedFeatures(['routing prompts to models'], { seed: 0 });
    const b = hashedFeatures(['routing prompts to models'], { seed: 1 });
    expect(Array.from(a.ids)).not.toEqual(Array.from(b.ids));
  });
});

describe('vocabulary, idf and TF·IDF', () => {
  const corpus = [...topicCorpus(12, 3, 25).texts, ...UNICODE_TEXTS];

  it('keep the most frequent buckets with df >= minDf and the smooth idf of the reference', async () => {
    const e = new BuiltinEmbedder({ maxFeatures: 300, minDf: 2, dim: 8 });
    await e.fit(corpus);
    const ref = refVocab(corpus, REF_DEFAULTS, 2, 300);
    const t = e.fittedTensors!;
    expect(Array.from(t.buckets)).toEqual(ref.buckets);
    for (let f = 0; f < ref.idf.length; f++) expect(t.idf[f]).toBeCloseTo(ref.idf[f], 5);
    expect(Math.fround(ref.idf[0])).toBe(t.idf[0]);
    expect(e.fitInfo).toMatchObject({ trainTexts: corpus.length, features: 300, minDf: 2, samples: corpus.length });
    expect(e.fitInfo!.candidates).toBe(refVocab(corpus, REF_DEFAULTS, 2, 1e9).buckets.length);
  });

  it('give the reference TF·IDF rows: exact feature ids, values to float precision', async () => {
    const e = new BuiltinEmbedder({ maxFeatures: 2000, dim: 8 });
    await e.fit(corpus);
    const t = e.fittedTensors!;
    const probe = [...UNICODE_TEXTS, corpus[0], corpus[5], 'unseen zzzqqq words only'];
    const r = e.tfidf(probe);
    probe.forEach((text, i) => {
      const got = rowsOf(r, i);
      const want = refTfidf(text, REF_DEFAULTS, t.buckets, t.idf);
      expect(got.map((x) => x[0]), JSON.stringify(text)).toEqual(want.map((x) => x[0]));
      got.forEach(([, v], k) => expect(Math.abs(v - want[k][1])).toBeLessThan(1e-6));
    });
  });

  it('lower minDf to 1 when no bucket reaches it', async () => {
    const texts = ['alpha', 'omega'];
    const e = new BuiltinEmbedder({ dim: 4 });
    await e.fit(texts);
    expect(e.fitInfo!.minDf).toBe(1);
    expect(Array.from(e.fittedTensors!.buckets)).toEqual(refVocab(texts, REF_DEFAULTS, 2, 1e9).buckets);
  });
});

/** Orthonormal columns [n × k] (modified Gram–Schmidt in double on random vectors). */
function orthonormal(n: number, k: number, r: () => number): Float64Array[] {
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = Float64Array.from({ length: n }, () => r() * 2 - 1);
    for (const c of cols) {
      let d = 0;
      for (let i = 0; i < n; i++) d += c[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= d * c[i];
    }
    const nrm = Math.hypot(...v);
    cols.push(v.map((x) => x / nrm));
  }
  return cols;
}

/** Top-k singular values of a dense [rows × cols] matrix by orthogonal (subspace) iteration on AᵀA, in double. */
function refSingular(A: Float32Array, rows: number, cols: number, k: number, iters = 300): number[] {
  let V = orthonormal(cols, k, rng(99));
  const mulAtA = (v: Float64Array) => {
    const u = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += A[i * cols + j] * v[j];
      u[i] = s;
    }
    const w = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[j] += A[i * cols + j] * u[i];
    return w;
  };
  let vals: number[] = [];
  for (let it = 0; it < iters; it++) {
    const W = V.map(mulAtA);
    vals = W.map((w, j) => Math.sqrt(Math.abs(w.reduce((s, x, i) => s + x * V[j][i], 0))));
    // re-orthonormalise (MGS)
    const Q: Float64Array[] = [];
    for (const w of W) {
      const v = Float64Array.from(w);
      for (const c of Q) {
        let d = 0;
        for (let i = 0; i < cols; i++) d += c[i] * v[i];
        for (let i = 0; i < cols; i++) v[i] -= d * c[i];
      }
      const nrm = Math.hypot(...v);
      Q.push(v.map((x) => x / nrm));
    }
    V = Q;
  }
  return vals;
}

function planted(rows: number, cols: number, s: number[], noise: number, seed: number): Float32Array {
  const r = rng(seed);
  const U = orthonormal(rows, s.length, r);
  const V = orthonormal(cols, s.length, r);
  const A = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let x = (r() * 2 - 1) * noise;
      for (let t = 0; t < s.length; t++) x += s[t] * U[t][i] * V[t][j];
      A[i * cols + j] = x;
    }
  (planted as unknown as { V: Float64Array[] }).V = V;
  return A;
}

function randomSparse(rows: number, cols: number, density: number, seed: number): SparseMatrix {
  const r = rng(seed);
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++)
      if (r() < density) {
        idx.push(j);
        // a column-dependent scale gives a decaying spectrum
        val.push((r() * 2 - 1) / (1 + j / 10));
      }
    indptr[i + 1] = idx.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(idx), values: Float32Array.from(val) };
}

function toDense(m: SparseMatrix): Float32Array {
  const A = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let e = m.indptr[i]; e < m.indptr[i + 1]; e++) A[i * m.cols + m.indices[e]] += m.values[e];
  return A;
}

describe('randomized SVD', () => {
  const initialGemm = native().info().gemm;
  afterAll(() => {
    native().setGemmBackend(initialGemm);
  });

  it('recovers the singular values and right subspace of a planted low-rank matrix', async () => {
    const s = [40, 25, 15, 8, 4, 2];
    const rows = 300;
    const cols = 120;
    const A = planted(rows, cols, s, 1e-3, 5);
    const Vtrue = (planted as unknown as { V: Float64Array[] }).V;
    const res = await randomizedSvd(denseToSparse(A, rows, cols), { rank: 6, seed: 3 });
    expect(res.k).toBe(6);
    res.s.forEach((x, j) => expect(Math.abs(x - s[j]) / s[j]).toBeLessThan(2e-3));
    // ‖Vᵀ·V_true‖_F² = 6 exactly when the subspaces coincide.
    let overlap = 0;
    for (let a = 0; a < 6; a++)
      for (let b = 0; b < 6; b++) {
        let d = 0;
        for (let i = 0; i < cols; i++) d += res.v[i * 6 + a] * Vtrue[b][i];
        overlap += d * d;
      }
    expect(overlap).toBeGreaterThan(6 - 1e-3);
    // columns orthonormal, sign convention: the largest-magnitude entry is positive
    for (let a = 0; a < 6; a++) {
      let best = 0;
      for (let i = 0; i < cols; i++) if (Math.abs(res.v[i * 6 + a]) > Math.abs(res.v[best * 6 + a])) best = i;
      expect(res.v[best * 6 + a]).toBeGreaterThan(0);
      for (let b = 0; b < 6; b++) {
        let d = 0;
        for (let i = 0; i < cols; i++) d += res.v[i * 6 + a] * res.v[i * 6 + b];
        expect(d).toBeCloseTo(a === b ? 1 : 0, 4);
      }
    }
  });

  it('matches subspace iteration on a sparse matrix with a decaying spectrum', () => {
    const m = randomSparse(400, 150, 0.08, 11);
    const ref = refSingular(toDense(m), m.rows, m.cols, 4);
    const loose = randomizedSvdSync(m, { rank: 4, seed: 1 });
    const tight = randomizedSvdSync(m, { rank: 4, seed: 1, powerIters: 8, oversample: 20 });
    for (let j = 0; j < 4; j++) {
      expect(Math.abs(loose.s[j] - ref[j]) / ref[j]).toBeLessThan(3e-2);
      expect(Math.abs(tight.s[j] - ref[j]) / ref[j]).toBeLessThan(1e-4);
    }
  });

  it('returns min(rank, rows, cols) triplets and zero singular values on rank-deficient input', () => {
    // 3 rows, two of them equal: rank 2.
    const A = new Float32Array(3 * 50);
    const r = rng(2);
    for (let j = 0; j < 50; j++) {
      A[j] = A[50 + j] = r() - 0.5;
      A[100 + j] = r() - 0.5;
    }
    const res = randomizedSvdSync(denseToSparse(A, 3, 50), { rank: 10 });
    expect(res.k).toBe(3);
    expect(res.v.length).toBe(50 * 3);
    expect(res.s[1]).toBeGreaterThan(0.1);
    expect(res.s[2]).toBeLessThan(1e-5 * res.s[0]);
    expect(res.v.every(Number.isFinite)).toBe(true);
    const empty = randomizedSvdSync({ rows: 4, cols: 6, indptr: new Int32Array(5), indices: new Int32Array(0), values: new Float32Array(0) }, { rank: 3 });
    expect(Array.from(empty.s)).toEqual([0, 0, 0]);
    expect(empty.v.every(Number.isFinite)).toBe(true);
  });

  it('is bit-identical whatever the thread count, and seeded', async () => {
    const m = randomSparse(5000, 600, 0.01, 4);
    const runs = await Promise.all([1, 2, 3].map((threads) => randomizedSvd(m, { rank: 40, threads, seed: 9 })));
    for (const r of runs.slice(1)) {
      expect(sameBits(r.s, runs[0].s)).toBe(true);
      expect(sameBits(r.v, runs[0].v)).toBe(true);
    }
    const other = await randomizedSvd(m, { rank: 40, seed: 10 });
    expect(sameBits(other.v, runs[0].v)).toBe(false);
    for (let j = 0; j < 10; j++) expect(other.s[j]).toBeCloseTo(runs[0].s[j], 1);
  });

  it('agrees between the built-in GEMM and OpenBLAS', () => {
    if (native().info().blas !== 'openblas') return console.warn('skipped: this build has no OpenBLAS');
    const m = randomSparse(3000, 300, 0.02, 8);
    native().setGemmBackend('builtin');
    const a = randomizedSvdSync(m, { rank: 20 });
    native().setGemmBackend('openblas');
    const b = randomizedSvdSync(m, { rank: 20 });
    for (let j = 0; j < 20; j++) expect(Math.abs(a.s[j] - b.s[j]) / b.s[0]).toBeLessThan(1e-4);
  });

  it('rejects malformed matrices with the argument named', () => {
    const ok = (): SparseMatrix => ({ rows: 2, cols: 3, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 2]), values: Float32Array.from([1, 2]) });
    expect(() => randomizedSvdSync({ ...ok(), indices: Int32Array.from([0, 3]) })).toThrow('Expected "matrix.indices[1]" to be in [0, 3), received 3');
    expect(() => randomizedSvdSync({ ...ok(), indptr: Int32Array.from([0, 2, 1]) })).toThrow('Expected "matrix.indptr[2]" to be >= matrix.indptr[1] = 2, received 1');
    expect(() => randomizedSvdSync({ ...ok(), values: Float32Array.from([1, NaN]) })).toThrow('Expected "matrix.values" to be finite values only, received "NaN at index 1"');
    expect(() => randomizedSvdSync({ ...ok(), indptr: Int32Array.from([0, 1]) })).toThrow('Expected "matrix.indptr.length" to be rows + 1 = 3, received 2');
    expect(() => randomizedSvdSync({ ...ok(), values: [1, 2] as unknown as Float32Array })).toThrow('Expected "matrix.values" to be a Float32Array, received an array of length 2');
    expect(() => randomizedSvdSync(ok(), { rank: 0 })).toThrow('Expected "rank" to be an integer >= 1, received 0');
    expect(() => randomizedSvdSync(ok(), { powerIters: 51 })).toThrow('Expected "powerIters" to be an integer in [0, 50], received 51');
  });

  it('guards memory in the binding itself', () => {
    const b = native<{ randomizedSvdSync(m: unknown, o: unknown): unknown; hashEmbedFeatures(b: unknown, o: unknown, p: unknown): unknown }>();
    expect(() => b.randomizedSvdSync({ rows: 1, cols: 2, indptr: Int32Array.from([0, 1]), indices: Int32Array.from([5]), values: Float32Array.from([1]) }, {})).toThrow(/indices must be in/);
    expect(() => b.hashEmbedFeatures(new Uint8Array(3), Int32Array.from([0, 5]), {})).toThrow(/past the end/);
    expect(() => b.hashEmbedFeatures(new Uint8Array(3), Int32Array.from([2, 1]), {})).toThrow(/decrease/);
    expect(() => b.hashEmbedFeatures('abc', Int32Array.from([0, 1]), {})).toThrow(/Uint8Array/);
  });
});
