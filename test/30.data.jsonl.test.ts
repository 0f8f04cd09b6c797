// Canonical routing JSONL: fields, union of models, hash split, exact round trip, the
// validation split, subset/rowsOf, summarize, and a million records streamed.
import { createHash } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatFloat32,
  hashSplit,
  loadRoutingData,
  rowsOf,
  subset,
  summarize,
  withValidation,
  writeRoutingJsonl,
} from '../src/data/index.js';
import { SPLIT_CODES, type RoutingData } from '../src/data/types.js';
import { rng } from './helpers.js';
import { cleanupTmp, errorOf, tmpDir, writeJsonl } from './helpers-data.js';

afterAll(cleanupTmp);

describe('canonical JSONL: reading', () => {
  it('reads every field; models are the union in first-seen order; explicit and hash splits', async () => {
    const p = writeJsonl(join(tmpDir(), 'a.jsonl'), [
      { id: 'r1', prompt: 'one', task: 'math', scores: { b: 0.5, a: 1 }, costs: { a: 0.25, b: 0.125 }, split: 'test', leaf: 'math/algebra' },
      '',
      { id: 'r2', prompt: 'two', scores: { a: 0, b: 0.75 }, costs: { b: 1, a: 2 }, split: 'val' },
      { id: 'r9', prompt: 'three', task: 'code', scores: { a: 0.1, b: 0.2 }, costs: { a: 0, b: 0 }, extra: 1 },
      { id: 'r4', prompt: 'four', scores: { b: 1, a: 1 }, costs: { a: 3, b: 4 } },
    ]);
    const d = await loadRoutingData(p);
    expect(d.format).toBe('jsonl');
    expect(d.source).toBe(p);
    expect(d.models).toEqual(['b', 'a']);
    expect(d.n).toBe(4);
    expect(d.ids).toEqual(['r1', 'r2', 'r9', 'r4']);
    expect(d.prompts).toEqual(['one', 'two', 'three', 'four']);
    expect(d.tasks).toEqual(['math', '', 'code', '']);
    expect(d.leaves).toEqual(['math/algebra', '', '', '']);
    expect(Array.from(d.scores)).toEqual([0.5, 1, 0.75, 0, Math.fround(0.2), Math.fround(0.1), 1, 1]);
    expect(Array.from(d.costs)).toEqual([0.125, 0.25, 1, 2, 0, 0, 4, 3]);
    expect(d.hasCosts).toBe(true);
    expect(d.costNote).toBe('as recorded in the file');
    // r9 hashes below 0.2 (sha1 "r9" → 0.0616), r4 above (0.4928): computed with Python's hashlib
    expect(Array.from(d.splits)).toEqual([SPLIT_CODES.test, SPLIT_CODES.val, SPLIT_CODES.test, SPLIT_CODES.train]);
    expect(d.embeddings).toBeUndefined();
    expect(d.notes).toEqual(['ignored the unknown field "extra" on 1 record']);
  });

  it('takes numeric ids as strings, strips a BOM, has no costs or leaves when none are given', async () => {
    const p = join(tmpDir(), 'b.jsonl');
    writeFileSync(p, `\uFEFF${JSON.stringify({ id: 7, prompt: 'x', scores: { m: 0.5 } })}\r\n${JSON.stringify({ id: 'y', prompt: 'y', scores: { m: 1 } })}\r\n`);
    const d = await loadRoutingData(p);
    expect(d.ids).toEqual(['7', 'y']);
    expect(d.hasCosts).toBe(false);
    expect(Array.from(d.costs)).toEqual([0, 0]);
    expect(d.costNote).toBe('none (the data carry no costs)');
    expect(d.leaves).toBeUndefined();
  });

  it('keeps embeddings when every record has one', async () => {
    const p = writeJsonl(join(tmpDir(), 'e.jsonl'), [
      { id: 'a', prompt: 'a', scores: { m: 1 }, embedding: [1, 2, 3] },
      { id: 'b', prompt: 'b', scores: { m: 0 }, embedding: [0.5, -1, 1e-8] },
    ]);
    const d = await loadRoutingData(p);
    expect(d.embeddingDim).toBe(3);
    expect(Array.from(d.embeddings!)).toEqual([1, 2, 3, 0.5, -1, Math.fround(1e-8)]);
  });
});

describe('progress', () => {
  it('reports the phase, the records read and the count at the end', async () => {
    const p = writeJsonl(join(tmpDir(), 'p.jsonl'), Array.from({ length: 10000 }, (_, i) => ({ id: `p${i}`, prompt: 'x', scores: { m: 1 } })));
    const calls: string[] = [];
    let ticks = 0;
    const progress = { start: (l: string) => calls.push(`start ${l}`), tick: (n = 1) => void (ticks += n), done: (m?: string) => calls.push(`done ${m}`) };
    await loadRoutingData(p, { progress });
    expect(calls).toEqual([`start reading ${p}`, 'done 10000 records']);
    expect(ticks).toBe(10000);
  });
});

describe('hash split (DESIGN.md)', () => {
  it('matches an independent sha1 computation on known ids', () => {
    // Python: int(hashlib.sha1(id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < 0.2
    const expected: Record<string, string> = {
      a: 'train', r1: 'train', r2: 'train', r5: 'train', r9: 'test', 'sample-42': 'test',
      'arc-challenge.test.1': 'test', 'llmrouter-train-000001': 'train', x: 'test', 'héllo': 'train',
    };
    for (const [id, split] of Object.entries(expected)) expect(hashSplit(id), id).toBe(split);
  });

  it('puts 2012 of id0..id9999 in test (Python count), whatever the file order', async () => {
    const dir = tmpDir();
    const ids = Array.from({ length: 10000 }, (_, i) => `id${i}`);
    const recs = (list: string[]) => list.map((id) => ({ id, prompt: 'p', scores: { m: 0.5 } }));
    const d1 = await loadRoutingData(writeJsonl(join(dir, '1.jsonl'), recs(ids)));
    const d2 = await loadRoutingData(writeJsonl(join(dir, '2.jsonl'), recs([...ids].reverse())));
    expect(rowsOf(d1, 'test').length).toBe(2012);
    const testIds = (d: RoutingData) => new Set(Array.from(rowsOf(d, 'test'), (i) => d.ids[i]));
    expect([...testIds(d2)].sort()).toEqual([...testIds(d1)].sort());
  });
});

function sampleData(n: number, M: number, D: number, seed: number): RoutingData {
  const r = rng(seed);
  const models = Array.from({ length: M }, (_, m) => `model-${m}/"quoted"`);
  const scores = new Float32Array(n * M).map(() => (r() < 0.2 ? Math.round(r()) : r()));
  const costs = new Float32Array(n * M).map(() => r() * 1e-3 * (r() < 0.1 ? 1e-5 : 1));
  const embeddings = new Float32Array(n * D).map(() => r() * 2 - 1);
  return {
    source: 'test', format: 'synthetic', models, n,
    ids: Array.from({ length: n }, (_, i) => `id-${i}`),
    prompts: Array.from({ length: n }, (_, i) => `prompt ${i}: "quotes", \\ backslash, newline\n, emoji 😀, \u2028 sep`),
    tasks: Array.from({ length: n }, (_, i) => (i % 3 ? `task${i % 3}` : '')),
    leaves: Array.from({ length: n }, (_, i) => (i % 2 ? `leaf/${i % 5}` : '')),
    scores, costs, hasCosts: true, costNote: 'x',
    splits: Uint8Array.from({ length: n }, (_, i) => i % 3),
    embeddings, embeddingDim: D, notes: [],
  };
}

describe('canonical JSONL: writing', () => {
  it('formats float32 as the shortest decimal that parses back to it', () => {
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(0.5)).toBe('0.5');
    expect(formatFloat32(1 / 3)).toBe('0.33333334');
    expect(formatFloat32(0)).toBe('0');
    expect(formatFloat32(1)).toBe('1');
    expect(formatFloat32(1.234e-7)).toBe('1.234e-7');
    const r = rng(5);
    for (let k = 0; k < 20000; k++) {
      const v = Math.fround((r() - 0.5) * 10 ** Math.floor(r() * 20 - 12));
      const s = formatFloat32(v);
      expect(Math.fround(Number(s))).toBe(v);
      expect(s.replace(/^-?0?\.?0*|e.*$|\./g, '').length).toBeLessThanOrEqual(9);
    }
  });

  it('round-trips exactly: ids, prompts, tasks, leaves, scores, costs, splits, embeddings', async () => {
    const dir = tmpDir();
    const d = sampleData(300, 4, 5, 1);
    await writeRoutingJsonl(d, join(dir, 'out.jsonl'));
    const back = await loadRoutingData(join(dir, 'out.jsonl'));
    expect(back.models).toEqual(d.models);
    expect(back.ids).toEqual(d.ids);
    expect(back.prompts).toEqual(d.prompts);
    expect(back.tasks).toEqual(d.tasks);
    expect(back.leaves).toEqual(d.leaves);
    expect(back.scores).toEqual(d.scores);
    expect(back.costs).toEqual(d.costs);
    expect(back.splits).toEqual(d.splits);
    expect(back.embeddings).toEqual(d.embeddings);
    expect(back.embeddingDim).toBe(5);
    // and the text is stable: writing what was read gives the same bytes
    await writeRoutingJsonl(back, join(dir, 'again.jsonl'));
    expect(readFileSync(join(dir, 'again.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    const first = JSON.parse(readFileSync(join(dir, 'out.jsonl'), 'utf8').split('\n')[0]);
    expect(Object.keys(first)).toEqual(['id', 'prompt', 'scores', 'costs', 'split', 'embedding']);
  });

  it('fails on a bad value without touching the previous file or leaving a temp file', async () => {
    const dir = tmpDir();
    const out = join(dir, 'keep.jsonl');
    writeFileSync(out, 'previous\n');
    const d = sampleData(10, 2, 1, 2);
    d.scores[7 * 2 + 1] = NaN;
    const err = await errorOf(writeRoutingJsonl(d, out));
    expect(err.message).toBe('Expected "data.scores[15]" to be a score in [0, 1] (record 7 ("id-7"), model "model-1/\\"quoted\\""), received NaN');
    expect(readFileSync(out, 'utf8')).toBe('previous\n');
    expect(readdirSync(dir)).toEqual(['keep.jsonl']);
    d.scores[15] = 0.5;
    d.costs[3] = -1;
    expect((await errorOf(writeRoutingJsonl(d, out))).message).toMatch(/^Expected "data.costs\[3\]" to be a finite cost >= 0/);
    const short = { ...d, scores: new Float32Array(3) };
    expect((await errorOf(writeRoutingJsonl(short, out))).message).toBe('Expected "data.scores.length" to be n × M = 20, received 3');
    expect(readdirSync(dir)).toEqual(['keep.jsonl']);
  });
});

describe('splits and selection', () => {
  const base = sampleData(1000, 2, 0, 3);
  delete base.embeddings;
  delete base.embeddingDim;
  base.splits = Uint8Array.from({ length: 1000 }, (_, i) => (i < 800 ? 0 : 2));

  it('withValidation carves an exact fraction of train by sha1(seed:id), deterministically', () => {
    const v = withValidation(base, 0.1, 0);
    expect(rowsOf(v, 'val').length).toBe(80);
    expect(rowsOf(v, 'train').length).toBe(720);
    expect(Array.from(rowsOf(v, 'test'))).toEqual(Array.from({ length: 200 }, (_, k) => 800 + k));
    expect(Array.from(withValidation(base, 0.1, 0).splits)).toEqual(Array.from(v.splits));
    const other = withValidation(base, 0.1, 1);
    expect(Array.from(other.splits)).not.toEqual(Array.from(v.splits));
    expect(base.splits[0]).toBe(0); // the input is not modified
    expect(v.notes.at(-1)).toBe('validation: moved 80 of 800 train records to val (fraction 0.1 of train + val, seed 0)');
    // the chosen rows are the 80 smallest sha1("0:" + id)
    const h = (id: string) => createHash('sha1').update(`0:${id}`).digest('hex');
    const want = base.ids.slice(0, 800).sort((a, b) => (h(a) < h(b) ? -1 : 1)).slice(0, 80).sort();
    expect(Array.from(rowsOf(v, 'val'), (i) => v.ids[i]).sort()).toEqual(want);
  });

  it('withValidation keeps existing val rows and only tops them up', () => {
    const d = { ...base, splits: Uint8Array.from(base.splits) };
    for (let i = 0; i < 50; i++) d.splits[i] = 1;
    const v = withValidation(d, 0.1);
    expect(rowsOf(v, 'val').length).toBe(80);
    for (let i = 0; i < 50; i++) expect(v.splits[i]).toBe(1);
    const enough = withValidation(d, 0.05);
    expect(rowsOf(enough, 'val').length).toBe(50);
    expect(enough.notes.at(-1)).toBe('validation: kept the 50 existing val records (fraction 0.05 asks for 40)');
    expect(() => withValidation(d, 1)).toThrow('Expected "fraction" to be a number in [0, 1), received 1');
    expect(() => withValidation(d, -0.1)).toThrow('Expected "fraction" to be a number in [0, 1], received -0.1');
    expect(() => withValidation(d, 0.1, 1.5)).toThrow('Expected "seed" to be an integer, received 1.5');
  });

  it('subset copies the chosen rows in order and rejects bad indices', () => {
    const s = subset(base, [5, 2, 999]);
    expect(s.n).toBe(3);
    expect(s.ids).toEqual(['id-5', 'id-2', 'id-999']);
    expect(Array.from(s.scores)).toEqual([...base.scores.subarray(10, 12), ...base.scores.subarray(4, 6), ...base.scores.subarray(1998, 2000)]);
    expect(Array.from(s.splits)).toEqual([0, 0, 2]);
    expect(s.leaves).toEqual([base.leaves![5], base.leaves![2], base.leaves![999]]);
    expect(() => subset(base, [1000])).toThrow('Expected "indices[0]" to be an integer in [0, 999], received 1000');
    expect(() => subset(base, [1, 1])).toThrow('Expected "indices[1]" to be a row not already selected, received 1');
    expect(() => subset(base, [0.5])).toThrow('Expected "indices[0]" to be an integer in [0, 999], received 0.5');
    expect(() => rowsOf(base, 'dev' as never)).toThrow(`Expected "split" to be one of 'train', 'val', 'test', received "dev"`);
  });
});

describe('summarize', () => {
  it('computes split counts, means, tasks, the oracle (ties to the cheaper) and the best single model', () => {
    const d: RoutingData = {
      source: 's', format: 'synthetic', models: ['a', 'b', 'c'], n: 4,
      ids: ['1', '2', '3', '4'], prompts: ['p', 'p', 'p', 'p'], tasks: ['t1', 't1', 't2', ''],
      // train rows 0,1; test rows 2,3
      scores: Float32Array.from([1, 1, 0, 0, 0.5, 0.5, 1, 0, 1, 0, 0.5, 0.5]),
      costs: Float32Array.from([4, 2, 1, 1, 2, 3, 4, 1, 2, 1, 1, 1]),
      hasCosts: true, costNote: 'measured', splits: Uint8Array.from([0, 0, 2, 2]), notes: ['n1'],
    };
    const s = summarize(d);
    expect(s.records).toBe(4);
    expect(s.splits).toEqual({ train: 2, val: 0, test: 2 });
    // train means: a 0.5, b 0.75, c 0.25 → best single b; test b: (0+0.5)/2 at (1+1)/2
    expect(s.bestSingle).toEqual({ model: 'b', index: 1, train: { quality: 0.75, cost: 2 }, test: { quality: 0.25, cost: 1 } });
    // oracle: row0 a/b tie at 1 → b (cost 2); row1 b/c tie at 0.5 → b (2); row2 a/c tie at 1 → c (2); row3 b/c tie → c (1)
    expect(s.oracle.train).toEqual({ quality: 0.75, cost: 2 });
    expect(s.oracle.test).toEqual({ quality: 0.75, cost: 1.5 });
    expect(s.oracle.val).toBeNull();
    expect(s.models[0]).toEqual({
      name: 'a', meanScore: 0.5, meanCost: 2.5,
      bySplit: { train: { meanScore: 0.5, meanCost: 2.5 }, val: null, test: { meanScore: 0.5, meanCost: 2.5 } },
    });
    expect(s.tasks).toEqual([
      { name: 't1', count: 2, bySplit: { train: 2, val: 0, test: 0 } },
      { name: '', count: 1, bySplit: { train: 0, val: 0, test: 1 } },
      { name: 't2', count: 1, bySplit: { train: 0, val: 0, test: 1 } },
    ]);
    expect(s.notes).toEqual(['n1']);
    expect(summarize({ ...d, splits: Uint8Array.from([2, 2, 2, 2]) }).bestSingle).toBeNull();
  });
});

describe('a million records', () => {
  it('streams a 1,000,000-record JSONL with bounded memory', async () => {
    const dir = tmpDir();
    const p = join(dir, 'big.jsonl');
    await new Promise<void>((resolve, reject) => {
      const ws = createWriteStream(p);
      ws.on('error', reject);
      let i = 0;
      const write = () => {
        let ok = true;
        while (i < 1_000_000 && ok) {
          let chunk = '';
          for (let k = 0; k < 5000; k++, i++)
            chunk += `{"id":"r${i}","prompt":"p${i % 977}","task":"t${i % 7}","scores":{"a":${(i % 11) / 10},"b":0.5},"costs":{"a":0.001,"b":0.0001}}\n`;
          ok = ws.write(chunk);
        }
        if (i < 1_000_000) ws.once('drain', write);
        else ws.end(resolve);
      };
      write();
    });
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    const d = await loadRoutingData(p);
    const secs = (Date.now() - t0) / 1000;
    const heapMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    expect(d.n).toBe(1_000_000);
    expect(d.models).toEqual(['a', 'b']);
    expect(d.ids[999_999]).toBe('r999999');
    expect(d.scores[2 * 10]).toBe(1);
    expect(d.scores[2 * 12]).toBe(Math.fround(0.1));
    expect(d.costs[1]).toBe(Math.fround(0.0001));
    expect(d.tasks[13]).toBe('t6');
    const test = rowsOf(d, 'test').length;
    expect(test / d.n).toBeGreaterThan(0.198);
    expect(test / d.n).toBeLessThan(0.202);
    // ~70 MB of text; the loaded set is ids + prompts + a few flat arrays. Without
    // streaming and interning the heap would hold the text, a million objects, or both.
    console.log(`1M records: ${secs.toFixed(1)} s, heap +${heapMiB.toFixed(0)} MiB`);
    expect(heapMiB).toBeLessThan(400);
  }, 180_000);
});
