// The builtin embedder end to end: shapes and unit rows, topic structure, determinism
// (threads, batches, sync twin), state round trips, tiny and odd inputs, bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuiltinEmbedder } from '../src/embed/builtin.js';
import { TaskrouteError } from '../src/errors.js';
import { sharedData } from './helpers.js';
import { dotRows, rowNorm, sameBits, topicCorpus, UNICODE_TEXTS } from './helpers-embed.js';

const corpus = topicCorpus(60, 1);

async function fitted(options: ConstructorParameters<typeof BuiltinEmbedder>[0] = {}, texts = corpus.texts) {
  const e = new BuiltinEmbedder({ dim: 32, ...options });
  await e.fit(texts);
  return e;
}

describe('builtin embedder', () => {
  it('returns [n × dim] unit rows', async () => {
    const e = await fitted();
    const X = await e.embed([...corpus.texts.slice(0, 10), ...UNICODE_TEXTS]);
    const n = 10 + UNICODE_TEXTS.length;
    expect(X.length).toBe(n * 32);
    for (let i = 0; i < n; i++) expect(rowNorm(X, 32, i)).toBeCloseTo(1, 5);
    expect(e.dim).toBe(32);
    expect(e.kind).toBe('builtin');
    expect((await e.embed([])).length).toBe(0);
  });

  it('puts prompts of one topic closer together than prompts of different topics', async () => {
    const e = await fitted();
    const test = topicCorpus(20, 777);
    const X = await e.embed(test.texts);
    let within = 0;
    let across = 0;
    let nw = 0;
    let na = 0;
    for (let i = 0; i < test.texts.length; i++)
      for (let j = i + 1; j < test.texts.length; j++) {
        const s = dotRows(X, 32, i, j);
        if (test.labels[i] === test.labels[j]) (within += s), nw++;
        else (across += s), na++;
      }
    expect(within / nw).toBeGreaterThan(across / na + 0.2);
    // nearest neighbour of each test prompt is of its own topic
    let correct = 0;
    for (let i = 0; i < test.texts.length; i++) {
      let best = -1;
      let arg = -1;
      for (let j = 0; j < test.texts.length; j++)
        if (j !== i && dotRows(X, 32, i, j) > best) (best = dotRows(X, 32, i, j)), (arg = j);
      if (test.labels[arg] === test.labels[i]) correct++;
    }
    expect(correct / test.texts.length).toBeGreaterThan(0.95);
  });

  it('ranks a paraphrase above an unrelated prompt', async () => {
    const e = await fitted({ dim: 64 }, [...corpus.texts, 'Solve the quadratic equation x^2 - 5x + 6 = 0 for x.', 'Write a Python function that reverses a linked list.']);
    const X = await e.embed([
      'Solve the quadratic equation x^2 - 5x + 6 = 0.',
      'Find x: solve the quadratic equation x^2 - 5x + 6 = 0',
      'Write a Python function that reverses a linked list.',
    ]);
    expect(dotRows(X, 64, 0, 1)).toBeGreaterThan(dotRows(X, 64, 0, 2) + 0.2);
  });

  it('is bit-identical whatever the thread count, the batch, and sync or async', async () => {
    const texts = topicCorpus(80, 5).texts; // 320 texts: several native chunks
    const a = await fitted({ threads: 1, svdSamples: 200 }, texts);
    const b = await fitted({ threads: 3, svdSamples: 200 }, texts);
    expect(sameBits(a.fittedTensors!.projection, b.fittedTensors!.projection)).toBe(true);
    expect(sameBits(a.fittedTensors!.fallback, b.fittedTensors!.fallback)).toBe(true);
    const Xa = await a.embed(texts);
    const Xb = await b.embed(texts);
    expect(sameBits(Xa, Xb)).toBe(true);
    const alone = a.embedSync([texts[123]]);
    expect(sameBits(alone, Xa.subarray(123 * 32, 124 * 32))).toBe(true);
    expect(sameBits(a.embedSync(texts), Xa)).toBe(true);
    const other = await fitted({ seed: 1, svdSamples: 200 }, texts);
    expect(sameBits(await other.embed(texts), Xa)).toBe(false);
  });

  it('survives a state round trip with identical embeddings, and keeps the default artifact small', async () => {
    const e = await fitted({ dim: 48 });
    const s = e.state();
    expect(s.kind).toBe('builtin');
    expect(JSON.parse(JSON.stringify(s.config))).toEqual(s.config);
    expect(s.config).toMatchObject({ version: 1, dim: 48, seed: 0, bits: 20, minDf: 2, maxFeatures: 32768 });
    const F = (s.tensors.buckets as Int32Array).length;
    expect(s.tensors.projection.length).toBe(F * 48);
    const r = BuiltinEmbedder.fromState(s);
    expect(r.fitted).toBe(true);
    expect(r.fitInfo).toEqual(e.fitInfo);
    const probe = [...corpus.texts.slice(0, 20), ...UNICODE_TEXTS];
    expect(sameBits(await r.embed(probe), await e.embed(probe))).toBe(true);
    // Default settings at full size: 2^15 features × 256 float32 + small tensors ≤ ~40 MB.
    const bytes = 2 ** 15 * 256 * 4 + 2 ** 15 * 8 + 256 * 8;
    expect(bytes).toBeLessThan(40e6);
    const unfitted = BuiltinEmbedder.fromState(new BuiltinEmbedder().state());
    expect(unfitted.fitted).toBe(false);
  });

  it('keeps dim with fewer prompts than dim: zero columns past the rank, no crash on 3 prompts', async () => {
    const e = new BuiltinEmbedder();
    await e.fit(['What is 2 + 2?', 'Write a haiku about rain.', 'Translate "bonjour" to English.']);
    expect(e.dim).toBe(256);
    expect(e.fitInfo!.rank).toBeLessThanOrEqual(3);
    expect(e.fitInfo!.rank).toBeGreaterThan(0);
    const X = await e.embed(['What is 3 + 3?', 'A haiku about snow', '']);
    for (let i = 0; i < 3; i++) {
      expect(rowNorm(X, 256, i)).toBeCloseTo(1, 5);
      for (let j = e.fitInfo!.rank; j < 256; j++) expect(X[i * 256 + j]).toBe(0);
    }
    const sv = e.singularValues!;
    for (let j = e.fitInfo!.rank; j < 256; j++) expect(sv[j]).toBe(0);
    const one = new BuiltinEmbedder({ dim: 8 });
    await one.fit(['only one prompt']);
    expect(rowNorm(await one.embed(['only one prompt']), 8, 0)).toBeCloseTo(1, 5);
  });

  it('gives texts without a known feature the fallback (the mean direction)', async () => {
    const e = await fitted();
    const X = await e.embed(['', '   ', 'ʘʘʘʘ ʘʘʘʘ']);
    const fb = e.fittedTensors!.fallback;
    for (let i = 0; i < 3; i++) expect(Array.from(X.subarray(i * 32, (i + 1) * 32))).toEqual(Array.from(fb));
    expect(rowNorm(fb, 32, 0)).toBeCloseTo(1, 5);
    // the mean direction is close to every topic, closer than to a random direction
    const T = await e.embed(corpus.texts.slice(0, 40));
    let mean = 0;
    for (let i = 0; i < 40; i++) for (let j = 0; j < 32; j++) mean += (T[i * 32 + j] * fb[j]) / 40;
    expect(mean).toBeGreaterThan(0.3);
  });

  it('handles Unicode, emoji, combining marks, lone surrogates and very long texts', async () => {
    const e = await fitted({}, [...corpus.texts, ...UNICODE_TEXTS, ...UNICODE_TEXTS]);
    const long = 'word '.repeat(200_000) + '🎉'.repeat(10_000);
    const X = await e.embed([...UNICODE_TEXTS, long]);
    for (let i = 0; i <= UNICODE_TEXTS.length; i++) expect(rowNorm(X, 32, i)).toBeCloseTo(1, 5);
    // case-insensitive: upper and lower case give the same vector
    const Y = await e.embed(['ΣΊΣΥΦΟΣ STRASSE Ǆ', 'σίσυφοσ strasse ǆ']);
    expect(sameBits(Y.subarray(0, 32), Y.subarray(32, 64))).toBe(true);
  });

  it('fits the LLMRouter training prompts (shared data)', async () => {
    const dir = sharedData();
    if (!dir) return console.warn('skipped: shared data not found (set TASKROUTE_DATA)');
    const rows = JSON.parse(readFileSync(join(dir, 'llmrouter', 'dcrouter_train.json'), 'utf8')) as { question: string }[];
    const texts = rows.map((r) => r.question).slice(0, 3000);
    const e = new BuiltinEmbedder({ dim: 64, svdSamples: 1500 });
    await e.fit(texts);
    expect(e.fitInfo).toMatchObject({ trainTexts: 3000, samples: 1500, rank: 64 });
    const X = await e.embed(texts.slice(0, 200));
    for (let i = 0; i < 200; i++) expect(rowNorm(X, 64, i)).toBeCloseTo(1, 5);
    const sv = e.singularValues!;
    for (let j = 1; j < 64; j++) expect(sv[j]).toBeLessThanOrEqual(sv[j - 1]);
  });
});

describe('builtin embedder: bad input', () => {
  it('rejects texts that are not an array of strings', async () => {
    const e = await fitted();
    await expect(e.embed('abc' as unknown as string[])).rejects.toThrow('Expected "texts" to be an array of strings, received "abc"');
    await expect(e.embed(['a', 5 as unknown as string])).rejects.toThrow('Expected "texts[1]" to be a string, received 5');
    await expect(e.fit([null as unknown as string])).rejects.toThrow('Expected "texts[0]" to be a string, received null');
    expect(() => e.embedSync([{} as unknown as string])).toThrow('Expected "texts[0]" to be a string, received an object (Object)');
  });

  it('refuses to embed before fit, and to fit on nothing', async () => {
    const e = new BuiltinEmbedder();
    await expect(e.embed(['x'])).rejects.toThrow(/not fitted: call fit\(trainingPrompts\) first/);
    await expect(e.embed(['x'])).rejects.toBeInstanceOf(TaskrouteError);
    await expect(e.fit([])).rejects.toThrow('the builtin embedder needs at least one training prompt');
    const err = await e.fit(['', '  ']).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(TaskrouteError);
    expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_DATA');
    expect((err as Error).message).toMatch(/no features at all/);
  });

  it('validates options with exact messages', () => {
    expect(() => new BuiltinEmbedder({ dim: 0 })).toThrow('Expected "dim" to be an integer in [1, 1024], received 0');
    expect(() => new BuiltinEmbedder({ dim: 1.5 })).toThrow('Expected "dim" to be an integer, received 1.5');
    expect(() => new BuiltinEmbedder({ bits: 30 })).toThrow('Expected "bits" to be an integer in [8, 26], received 30');
    expect(() => new BuiltinEmbedder({ seed: -1 })).toThrow('Expected "seed" to be an integer >= 0, received -1');
    expect(() => new BuiltinEmbedder({ charNgramMin: 6 })).toThrow('Expected "charNgramMin" to be an integer in [1, 5] (charNgramMax), received 6');
    expect(() => new BuiltinEmbedder({ wordNgramMax: 0, charNgramMax: 0 })).toThrow(/needs word or character n-grams/);
    expect(() => new BuiltinEmbedder({ dims: 3 } as never)).toThrow('unknown builtin embedder option "dims"');
  });

  it('rejects a damaged state with ERR_TASKROUTE_ARTIFACT naming the tensor', async () => {
    const e = await fitted({ dim: 8 });
    const s = e.state();
    const bad = (patch: (t: Record<string, unknown>, c: Record<string, unknown>) => void) => {
      const t: Record<string, unknown> = { ...s.tensors };
      const c: Record<string, unknown> = { ...s.config };
      patch(t, c);
      return () => BuiltinEmbedder.fromState({ kind: 'builtin', config: c, tensors: t as never });
    };
    const F = (s.tensors.buckets as Int32Array).length;
    expect(bad((t) => delete t.projection)).toThrow('builtin embedder state: tensor "projection" must be a Float32Array, found none');
    expect(bad((t) => (t.projection = new Float32Array(5)))).toThrow(`tensor "projection" has 5 values, expected features × dim = ${F} × 8 = ${F * 8}`);
    expect(bad((t) => (t.idf = Float32Array.from(s.tensors.idf as Float32Array, (x, i) => (i === 3 ? NaN : x))))).toThrow('tensor "idf" has a non-finite value (NaN) at index 3');
    expect(bad((t) => (t.buckets = Int32Array.from(s.tensors.buckets as Int32Array, (x, i) => (i === 1 ? (s.tensors.buckets as Int32Array)[0] : x))))).toThrow(/appears twice \(feature 1\)/);
    expect(bad((t) => (t.buckets = Int32Array.from(s.tensors.buckets as Int32Array, (x, i) => (i === 0 ? 2 ** 20 : x))))).toThrow('bucket 1048576 of feature 0 is outside [0, 2^20)');
    expect(bad((t) => (t.buckets = new Float32Array(F)))).toThrow('tensor "buckets" must be an Int32Array, found Float32Array');
    expect(bad((_, c) => (c.version = 2))).toThrow('unsupported version 2');
    expect(bad((_, c) => delete c.bits)).toThrow('config has no "bits"');
    expect(bad((_, c) => (c.dim = 0))).toThrow('builtin embedder state: Expected "dim" to be an integer in [1, 1024], received 0');
    expect(() => BuiltinEmbedder.fromState({ ...s, kind: 'openai' })).toThrow('kind is "openai", expected "builtin"');
    try {
      bad((t) => delete t.idf)();
    } catch (err) {
      expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_ARTIFACT');
    }
  });
});
