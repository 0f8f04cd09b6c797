// Synthetic QA pairs per leaf against the fake server: counts, prompts, near-duplicate
// filtering (with the lexical embedder and an injected stand-in), shortfalls, failures,
// the dry-run estimate, and the queries.jsonl reader/writer.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/types.js';
import { filterNearDuplicates, ngramEmbedder } from '../src/synth/dedup.js';
import { Ledger } from '../src/synth/ledger.js';
import { LlmClient } from '../src/synth/llm.js';
import { estimateQueries, queryId, readQueries, synthesizeQueries, writeQueries } from '../src/synth/queries.js';
import { leafTitle, validateTaxonomy, type Taxonomy } from '../src/synth/taxonomy.js';
import { fakeQuestion, nearDuplicate, startFakeLlm, type FakeLlm } from './helpers-llm.js';

const tmp = mkdtempSync(join(tmpdir(), 'tr-q-'));

const tax: Taxonomy = validateTaxonomy({
  levels: ['domain', 'subcategory', 'difficulty'],
  domains: [
    {
      id: 'math',
      name: 'Mathematics',
      definition: 'Quantitative problems.',
      example: 'What is 2 + 2?',
      children: [
        {
          id: 'math/arithmetic',
          name: 'Arithmetic',
          definition: 'Sums and products.',
          example: 'What is 12 + 7?',
          children: [
            { id: 'math/arithmetic/easy', name: 'Easy', definition: 'One operation.', example: 'What is 3 + 4?' },
            { id: 'math/arithmetic/hard', name: 'Hard', definition: 'Several operations.', example: 'What is (3 + 4) × 5 − 2?' },
          ],
        },
      ],
    },
  ],
});

/** A stand-in embedder that records what it was asked (delegating to the lexical one). */
function recording(): Embedder & { fits: string[][]; embeds: number } {
  const inner = ngramEmbedder({ dim: 512 });
  const e = {
    kind: 'recording',
    dim: inner.dim,
    fits: [] as string[][],
    embeds: 0,
    async fit(texts: string[]) {
      e.fits.push([...texts]);
    },
    async embed(texts: string[]) {
      e.embeds++;
      return inner.embed(texts);
    },
    state: () => inner.state(),
  };
  return e;
}

describe('near-duplicate filter', () => {
  it('the lexical embedder: unit rows, near-duplicates above 0.9, distinct questions below', async () => {
    const e = ngramEmbedder();
    const a = fakeQuestion('Math', 1).question;
    const b = nearDuplicate(a);
    const c = fakeQuestion('Math', 2).question;
    const v = await e.embed([a, b, c, '']);
    const dot = (i: number, j: number) => v.subarray(i * e.dim, (i + 1) * e.dim).reduce((s, x, k) => s + x * v[j * e.dim + k], 0);
    expect(dot(0, 0)).toBeCloseTo(1, 5);
    expect(dot(0, 1)).toBeGreaterThan(0.9);
    expect(dot(0, 2)).toBeLessThan(0.9);
    expect(Array.from(v.subarray(3 * e.dim, 4 * e.dim)).some((x) => x !== 0)).toBe(true); // the empty text still gets a unit row
  });

  it('keeps greedily, against existing texts first, and drops exact duplicates', async () => {
    const e = recording();
    const q = (n: number) => fakeQuestion('Math', n).question;
    const near = nearDuplicate(q(1));
    const r = await filterNearDuplicates(e, [q(1)], [q(2), near, q(2).toUpperCase(), q(3)], { threshold: 0.9 });
    expect(r.kept).toEqual([0, 3]);
    expect(r.dropped.map((d) => [d.index, d.duplicateOf])).toEqual([
      [1, q(1)],
      [2, q(2)],
    ]);
    expect(r.dropped[1].similarity).toBe(1);
    expect(e.fits).toEqual([[q(1), q(2), near, q(2).toUpperCase(), q(3)]]);
    // with a threshold above their similarity the near-duplicate stays
    expect((await filterNearDuplicates(e, [q(1)], [near], { threshold: 0.999 })).kept).toEqual([0]);
    expect((await filterNearDuplicates(e, [], [q(1), q(2), q(3)], { limit: 2 })).kept).toEqual([0, 1]);
  });
});

describe('synthesizeQueries against the fake server', () => {
  let server: FakeLlm;
  beforeAll(async () => {
    server = await startFakeLlm();
  });
  afterAll(async () => {
    await server.close();
  });
  const llm = (s: FakeLlm) => new LlmClient({ baseUrl: s.url, model: 'qa-model', maxRetries: 2, sleep: async () => {} });

  it('fills every leaf with perLeaf pairs, perCall per call, quoting kept questions to avoid', async () => {
    server.log.length = 0;
    const e = recording();
    const r = await synthesizeQueries({ taxonomy: tax, llm: llm(server), embedder: e, perLeaf: 10, perCall: 4, leafConcurrency: 1 });
    expect(r.leaves).toEqual([
      { leaf: 'math/arithmetic/easy', kept: 10, calls: 3, duplicates: 0, shortfall: 0 },
      { leaf: 'math/arithmetic/hard', kept: 10, calls: 3, duplicates: 0, shortfall: 0 },
    ]);
    expect(r.calls).toEqual({ made: 6, replayed: 0 });
    expect(r.queries).toHaveLength(20);
    const easy = r.queries.filter((q) => q.leaf === 'math/arithmetic/easy');
    const name = 'Mathematics / Arithmetic / Easy';
    easy.forEach((q, i) => {
      const want = fakeQuestion(name, i);
      expect(q).toEqual({ id: queryId(q.leaf, want.question), leaf: 'math/arithmetic/easy', task: leafTitle(tax, q.leaf), prompt: want.question, reference: want.answer });
    });
    expect(new Set(r.queries.map((q) => q.id)).size).toBe(20);
    const calls = server.of('queries');
    expect(calls.map((c) => c.seed)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(calls.every((c) => c.temperature === 0.7 && (c.responseFormat as { type: string }).type === 'json_object')).toBe(true);
    // fit on the kept questions plus each new batch
    expect(e.fits.map((f) => f.length)).toEqual([4, 8, 12, 4, 8, 12]);
    expect(r.usage.completionTokens).toBe(calls.reduce((a, c) => a + (c.usage?.completion_tokens ?? 0), 0));
  });

  it('puts the leaf path, definitions, example and the questions to avoid into the prompt', async () => {
    const s = await startFakeLlm();
    const seen: string[] = [];
    try {
      const spy = llm(s);
      const orig = spy.chatJson.bind(spy);
      spy.chatJson = (async (m: Parameters<typeof orig>[0], ...rest: unknown[]) => {
        seen.push(m[1].content);
        return orig(m, ...(rest as [never, never]));
      }) as typeof spy.chatJson;
      await synthesizeQueries({ taxonomy: tax, llm: spy, embedder: ngramEmbedder(), perLeaf: 4, perCall: 2, avoid: 1, leaves: ['math/arithmetic/hard'] });
    } finally {
      await s.close();
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]).toContain('Task Domain: Mathematics\nDomain Definition: Quantitative problems.\nTask Subcategory: Arithmetic\nSubcategory Definition: Sums and products.\nTask Difficulty: Hard\nDifficulty Definition: Several operations.\nExample query: What is (3 + 4) × 5 − 2?');
    expect(seen[0]).toContain('Please generate 2 different question-answer pairs');
    expect(seen[0]).not.toContain('Do not repeat');
    expect(seen[1]).toContain(`Do not repeat or paraphrase these questions, which already exist:\n- ${fakeQuestion('Mathematics / Arithmetic / Hard', 1).question}`);
    expect(seen[1]).not.toContain(fakeQuestion('Mathematics / Arithmetic / Hard', 0).question);
  });

  it('drops near-duplicates (cosine > 0.9) and keeps asking until the leaf is full', async () => {
    const s = await startFakeLlm({ nearDuplicateEvery: 2 });
    try {
      const r = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), perLeaf: 6, perCall: 4, leaves: ['math/arithmetic/easy'] });
      // each call of 4 holds one near-duplicate (the third question): 3 kept per call, so 2 calls
      expect(r.leaves[0]).toEqual({ leaf: 'math/arithmetic/easy', kept: 6, calls: 2, duplicates: 2, shortfall: 0 });
      expect(r.queries.some((q) => q.prompt.endsWith('Explain briefly.'))).toBe(false);
      const loose = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), perLeaf: 6, perCall: 4, threshold: 0.999, leaves: ['math/arithmetic/easy'] });
      expect(loose.leaves[0]).toMatchObject({ kept: 6, calls: 2, duplicates: 0 });
      expect(loose.queries.filter((q) => q.prompt.endsWith('Explain briefly.'))).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('reports a shortfall when maxCalls is reached', async () => {
    const s = await startFakeLlm({ questionPool: 6 });
    try {
      const r = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), perLeaf: 10, perCall: 4, maxCalls: 5, leaves: ['math/arithmetic/easy'] });
      expect(r.leaves[0]).toEqual({ leaf: 'math/arithmetic/easy', kept: 6, calls: 5, duplicates: 14, shortfall: 4 });
      expect(s.count('queries')).toBe(5);
      // the default bound: ceil(10 / 4) + 10 calls
      const d = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), perLeaf: 10, perCall: 4, leaves: ['math/arithmetic/hard'] });
      expect(d.leaves[0]).toMatchObject({ kept: 6, calls: 13, shortfall: 4 });
    } finally {
      await s.close();
    }
  });

  it('survives faults: retried 429/500/drops, repaired and re-asked JSON; a failed leaf is reported, the others complete', async () => {
    const s = await startFakeLlm();
    try {
      s.fault({ kind: 'status', status: 429, retryAfter: '0', on: 'queries' });
      s.fault({ kind: 'malformed-repairable', on: 'queries' });
      s.fault({ kind: 'malformed-fatal', on: 'queries' });
      s.fault({ kind: 'drop', on: 'queries' });
      const r = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), perLeaf: 8, perCall: 4, leafConcurrency: 1 });
      expect(r.leaves.map((l) => [l.kept, l.error])).toEqual([
        [8, undefined],
        [8, undefined],
      ]);
      // 4 calls: the first hit a 429 then came back repairable; the second was unusable, and its re-ask was dropped once
      expect(s.of('queries').map((l) => [l.outcome, l.reask])).toEqual([
        ['status', false],
        ['malformed-repairable', false],
        ['malformed-fatal', false],
        ['drop', true],
        ['ok', true],
        ['ok', false],
        ['ok', false],
      ]);

      s.fault({ kind: 'status', status: 400, on: 'queries' }); // not retryable
      const f = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), perLeaf: 4, perCall: 4, leafConcurrency: 1 });
      expect(f.leaves[0]).toMatchObject({ leaf: 'math/arithmetic/easy', kept: 0, calls: 0, shortfall: 4 });
      expect(f.leaves[0].error).toMatch(/HTTP 400/);
      expect(f.leaves[1]).toEqual({ leaf: 'math/arithmetic/hard', kept: 4, calls: 1, duplicates: 0, shortfall: 0 });
    } finally {
      await s.close();
    }
  });

  it('replays from the ledger and estimates a dry run', async () => {
    const s = await startFakeLlm();
    try {
      const path = join(tmp, 'q.ledger.jsonl');
      const e0 = estimateQueries({ taxonomy: tax, perLeaf: 10, perCall: 4, ledger: Ledger.peek(path) });
      expect(e0).toMatchObject({ leaves: 2, calls: { min: 6, max: 26 }, cached: 0 });
      expect(e0.tokens.completion).toBe(26 * 4096);
      const l1 = Ledger.open(path);
      const r1 = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), ledger: l1, perLeaf: 10, perCall: 4 });
      l1.close();
      const e1 = estimateQueries({ taxonomy: tax, perLeaf: 10, perCall: 4, ledger: Ledger.peek(path) });
      expect(e1).toMatchObject({ calls: { min: 0, max: 20 }, cached: 6 });
      const n = s.log.length;
      const l2 = Ledger.open(path);
      const r2 = await synthesizeQueries({ taxonomy: tax, llm: llm(s), embedder: ngramEmbedder(), ledger: l2, perLeaf: 10, perCall: 4 });
      l2.close();
      expect(s.log.length).toBe(n);
      expect(r2.calls).toEqual({ made: 0, replayed: 6 });
      expect(r2.queries).toEqual(r1.queries);
    } finally {
      await s.close();
    }
  });

  it('validates its options', async () => {
    const base = { taxonomy: tax, llm: llm(server), embedder: ngramEmbedder() };
    await expect(synthesizeQueries({ ...base, perLeaf: 0 })).rejects.toThrow('Expected "perLeaf" to be an integer in [1, 100000], received 0');
    await expect(synthesizeQueries({ ...base, perCall: 2.5 })).rejects.toThrow('Expected "perCall" to be an integer, received 2.5');
    await expect(synthesizeQueries({ ...base, threshold: Number.NaN })).rejects.toThrow('Expected "threshold" to be a finite number, received NaN');
    await expect(synthesizeQueries({ ...base, leaves: ['math/arithmetic', 'x'] })).rejects.toThrow('not leaves of the taxonomy: "math/arithmetic", "x"');
    await expect(synthesizeQueries({ ...base, embedder: {} as never })).rejects.toThrow('Expected "embedder" to be an Embedder');
  });
});

describe('queries.jsonl', () => {
  it('round-trips and reports bad lines with file:line', async () => {
    const p = join(tmp, 'queries.jsonl');
    const qs = [
      { id: 'q-1', leaf: 'math/a', task: 'Mathematics / A', prompt: 'What is 2 + 2?', reference: '4' },
      { id: 'q-2', leaf: 'math/b', task: 'Mathematics / B', prompt: 'Line\nbreak?', reference: 'Yes' },
    ];
    await writeQueries(qs, p);
    expect(readFileSync(p, 'utf8').split('\n')).toHaveLength(3);
    expect(await readQueries(p)).toEqual(qs);
    writeFileSync(p, `${JSON.stringify(qs[0])}\n{"id": "q-3", "prompt": "x"}\n`);
    await expect(readQueries(p)).rejects.toThrow(`${p}:2: "reference" must be a non-empty string (missing)`);
    writeFileSync(p, `${JSON.stringify(qs[0])}\n\n${JSON.stringify(qs[0])}\n`);
    await expect(readQueries(p)).rejects.toThrow(`${p}:3: duplicate id "q-1" (also line 1)`);
    writeFileSync(p, '{"id": \n');
    await expect(readQueries(p)).rejects.toThrow(`${p}:1: not valid JSON`);
    writeFileSync(p, '\n');
    await expect(readQueries(p)).rejects.toThrow(`${p}: no queries`);
  });
});
