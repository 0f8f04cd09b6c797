// Bad input: every invalid record is "FILE:LINE: reason" (ERR_TASKROUTE_DATA), and with
// skipInvalid it is dropped and counted; option checks; the embeddings side file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRoutingData, toNpy } from '../src/data/index.js';
import { TaskrouteError } from '../src/errors.js';
import { cleanupTmp, errorOf, tmpDir, writeJsonl } from './helpers-data.js';

afterAll(cleanupTmp);

const ok = (id: string, extra: object = {}) => ({ id, prompt: `prompt ${id}`, scores: { a: 0.5, b: 1 }, ...extra });

// [case, line 2 of a three-record file, message after "FILE:2: ", skip reason]
const recordCases: [string, object | string, string, string][] = [
  ['malformed JSON', '{"id": "r2", "prompt": "x", "scores": {"a": 0.5, "b": 1}', 'malformed JSON (', 'malformed JSON'],
  ['NaN is not JSON', '{"id": "r2", "prompt": "x", "scores": {"a": NaN, "b": 1}}', 'malformed JSON (', 'malformed JSON'],
  ['not an object', '[1, 2]', 'expected a JSON object, found an array', 'not an object'],
  ['missing id', { prompt: 'x', scores: { a: 0.5, b: 1 } }, 'record has no "id"', 'missing id'],
  ['bad id', { id: { x: 1 }, prompt: 'x', scores: { a: 0.5, b: 1 } }, '"id" must be a non-empty string or an integer, received {"x":1}', 'missing id'],
  ['missing prompt', { id: 'r2', scores: { a: 0.5, b: 1 } }, 'record "r2" has a missing or empty prompt', 'missing prompt'],
  ['empty prompt', ok('r2', { prompt: '  ' }), 'record "r2" has a missing or empty prompt', 'missing prompt'],
  ['prompt not a string', ok('r2', { prompt: 5 }), 'record "r2": "prompt" must be a string, received 5', 'missing prompt'],
  ['task not a string', ok('r2', { task: ['t'] }), 'record "r2": "task" must be a string, received ["t"]', 'bad field'],
  ['no scores', { id: 'r2', prompt: 'x' }, 'record "r2" has no "scores"', 'no scores'],
  ['empty scores', ok('r2', { scores: {} }), 'record "r2" has no scores', 'no scores'],
  ['scores not an object', ok('r2', { scores: [0.5, 1] }), 'record "r2": "scores" must be an object {model: score}, received [0.5,1]', 'bad field'],
  ['score above 1', ok('r2', { scores: { a: 1.5, b: 1 } }), 'record "r2": score for model "a" is outside [0, 1]: 1.5', 'score outside [0,1]'],
  ['negative score', ok('r2', { scores: { a: 0.5, b: -0.25 } }), 'record "r2": score for model "b" is outside [0, 1]: -0.25', 'score outside [0,1]'],
  ['score as text', ok('r2', { scores: { a: '0.5', b: 1 } }), 'record "r2": score for model "a" is not a number: "0.5"', 'non-numeric score'],
  ['null score', ok('r2', { scores: { a: null, b: 1 } }), 'record "r2": score for model "a" is not a number: null', 'non-numeric score'],
  ['infinite score', '{"id": "r2", "prompt": "x", "scores": {"a": 1e999, "b": 1}}', 'record "r2": score for model "a" is not finite: Infinity', 'non-finite score'],
  ['negative cost', ok('r2', { costs: { a: -0.001, b: 0 } }), 'record "r2": cost for model "a" is negative: -0.001', 'negative cost'],
  ['infinite cost', '{"id": "r2", "prompt": "x", "scores": {"a": 1, "b": 1}, "costs": {"a": -1e999, "b": 0}}', 'record "r2": cost for model "a" is not finite: -Infinity', 'non-finite cost'],
  ['cost as text', ok('r2', { costs: { a: 'free', b: 0 } }), 'record "r2": cost for model "a" is not a number: "free"', 'non-numeric cost'],
  ['cost without score', ok('r2', { costs: { a: 0, b: 0, c: 1 } }), 'record "r2" has a cost for model "c" but no score for it', 'cost without score'],
  ['duplicate id', ok('r1'), 'duplicate id "r1" (first at FILE:1)', 'duplicate id'],
  ['bad split', ok('r2', { split: 'dev' }), 'record "r2": bad split value "dev" (expected "train", "val" or "test")', 'bad split'],
  ['split not a string', ok('r2', { split: 2 }), 'record "r2": bad split value 2 (expected "train", "val" or "test")', 'bad split'],
  ['embedding not an array', ok('r2', { embedding: 'x' }), 'record "r2": "embedding" must be an array of numbers, received "x"', 'bad embedding'],
  ['embedding with text', ok('r2', { embedding: [1, 'x'] }), 'record "r2": embedding[1] is not a finite number: "x"', 'bad embedding'],
];

describe('invalid records in canonical JSONL', () => {
  for (const [name, line2, msg, reason] of recordCases) {
    it(`${name}: FILE:2 in the error; skipped and counted with skipInvalid`, async () => {
      const p = writeJsonl(join(tmpDir(), 'bad.jsonl'), [ok('r1'), line2, ok('r3')]);
      const err = await errorOf(loadRoutingData(p));
      expect(err).toBeInstanceOf(TaskrouteError);
      expect(err.code).toBe('ERR_TASKROUTE_DATA');
      const want = `${p}:2: ${msg.replace('FILE', p)}`;
      if (msg.endsWith('(')) expect(err.message.startsWith(want)).toBe(true);
      else expect(err.message).toBe(want);
      const d = await loadRoutingData(p, { skipInvalid: true });
      expect(d.ids).toEqual(['r1', 'r3']);
      expect(d.notes).toEqual([`skipped 1 invalid record: 1 ${reason}`]);
    });
  }

  it('reports the first bad line of several and counts every reason with skipInvalid', async () => {
    const p = writeJsonl(join(tmpDir(), 'many.jsonl'), [
      ok('r1'),
      ok('r2', { scores: { a: 2, b: 1 } }),
      '{oops',
      ok('r1'),
      ok('r5', { scores: { a: 0.5, b: -1 } }),
      ok('r6'),
    ]);
    expect((await errorOf(loadRoutingData(p))).message).toBe(`${p}:2: record "r2": score for model "a" is outside [0, 1]: 2`);
    const d = await loadRoutingData(p, { skipInvalid: true });
    expect(d.ids).toEqual(['r1', 'r6']);
    expect(d.notes).toEqual(['skipped 4 invalid records: 2 score outside [0,1], 1 malformed JSON, 1 duplicate id']);
  });

  it('a model missing from some records: error at the first record lacking it', async () => {
    const p = writeJsonl(join(tmpDir(), 'm.jsonl'), [
      ok('r1'),
      ok('r2', { scores: { a: 0.5, b: 1, c: 0 } }),
      ok('r3', { scores: { a: 0.5, b: 1, c: 1 } }),
      ok('r4', { scores: { b: 1, c: 1 } }),
    ]);
    expect((await errorOf(loadRoutingData(p))).message).toBe(`${p}:1: record "r1" has no score for model "c"`);
    // skipInvalid: a, b, c are each on more than half of the records, so records lacking one are skipped
    const d = await loadRoutingData(p, { skipInvalid: true });
    expect(d.models).toEqual(['a', 'b', 'c']);
    expect(d.ids).toEqual(['r2', 'r3']);
    expect(d.notes).toEqual(['skipped 2 invalid records: 2 missing score']);
  });

  it('skipInvalid drops a model scored on at most half of the records instead of the records', async () => {
    const p = writeJsonl(join(tmpDir(), 'typo.jsonl'), [ok('r1'), ok('r2'), { id: 'r3', prompt: 'x', scores: { a: 1, bb: 1 } }, ok('r4')]);
    expect((await errorOf(loadRoutingData(p))).message).toBe(`${p}:1: record "r1" has no score for model "bb"`);
    const d = await loadRoutingData(p, { skipInvalid: true });
    expect(d.models).toEqual(['a', 'b']);
    expect(d.ids).toEqual(['r1', 'r2', 'r4']);
    expect(d.notes).toEqual(['dropped model "bb": scored on only 1 of 4 records', 'skipped 1 invalid record: 1 missing score']);
  });

  it('costs and embeddings are all or nothing', async () => {
    const dir = tmpDir();
    const c = writeJsonl(join(dir, 'c.jsonl'), [
      ok('r1', { costs: { a: 1, b: 1 } }),
      ok('r2', { costs: { a: 1, b: 1 } }),
      ok('r3', { costs: { a: 1 } }),
      ok('r4'),
    ]);
    expect((await errorOf(loadRoutingData(c))).message).toBe(`${c}:3: record "r3" has no cost for model "b"`);
    const cs = await loadRoutingData(c, { skipInvalid: true });
    expect(cs.ids).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(cs.hasCosts).toBe(false);
    expect(cs.notes).toEqual(['ignored the costs: only 2 of 4 records have a cost for every model']);
    const c2 = writeJsonl(join(dir, 'c2.jsonl'), [ok('r1', { costs: { a: 1, b: 1 } }), ok('r2', { costs: { a: 1, b: 2 } }), ok('r3')]);
    expect((await errorOf(loadRoutingData(c2))).message).toBe(`${c2}:3: record "r3" has no costs, while other records have them`);
    const c2s = await loadRoutingData(c2, { skipInvalid: true });
    expect(c2s.ids).toEqual(['r1', 'r2']);
    expect(c2s.notes).toEqual(['skipped 1 invalid record: 1 missing cost']);

    const e = writeJsonl(join(dir, 'e.jsonl'), [ok('r1', { embedding: [1, 2] }), ok('r2', { embedding: [1, 2, 3] }), ok('r3'), ok('r4', { embedding: [3, 4] })]);
    expect((await errorOf(loadRoutingData(e))).message).toBe(
      `${e}:2: record "r2": embedding has length 3, expected 2 (the length of the first embedding, ${e}:1)`,
    );
    const es = await loadRoutingData(e, { skipInvalid: true });
    expect(es.ids).toEqual(['r1', 'r4']);
    expect(Array.from(es.embeddings!)).toEqual([1, 2, 3, 4]);
    expect(es.notes).toEqual(['skipped 2 invalid records: 1 wrong embedding length, 1 missing embedding']);
    const e2 = writeJsonl(join(dir, 'e2.jsonl'), [ok('r1'), ok('r2', { embedding: [1, 2] })]);
    expect((await errorOf(loadRoutingData(e2))).message).toBe(`${e2}:1: record "r1" has no embedding, while other records have one (first at ${e2}:2)`);
  });

  it('empty, all-invalid, missing and unrecognised files', async () => {
    const dir = tmpDir();
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    expect((await errorOf(loadRoutingData(empty))).message).toBe(`${empty}: no records`);
    const bad = writeJsonl(join(dir, 'allbad.jsonl'), ['{', ok('r1', { scores: { a: 3 } })]);
    expect((await errorOf(loadRoutingData(bad, { skipInvalid: true }))).message).toBe(
      `${bad}: no valid records (skipped 2 invalid records: 1 malformed JSON, 1 score outside [0,1])`,
    );
    const missing = join(dir, 'nope.jsonl');
    const m = await errorOf(loadRoutingData(missing));
    expect(m.code).toBe('ERR_TASKROUTE_DATA');
    expect(m.message).toMatch(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read \\(ENOENT`));
    const txt = join(dir, 'data.txt');
    writeFileSync(txt, 'hello');
    expect((await errorOf(loadRoutingData(txt))).message).toBe(
      `${txt}: cannot tell the format (not .jsonl, .csv or a dcrouter .json); pass format 'jsonl', 'routerbench' or 'llmrouter'`,
    );
    expect((await errorOf(loadRoutingData(dir))).message).toBe(`${dir}: a directory with neither dcrouter_*.json (LLMRouter) nor .csv files (RouterBench)`);
    const arr = join(dir, 'records.jsonl');
    writeFileSync(arr, '[\n{"id": "a"}\n]\n');
    expect((await errorOf(loadRoutingData(arr))).message).toBe(`${arr}:1: a JSON array is not canonical routing JSONL (one JSON object a line)`);
  });
});

describe('options', () => {
  it('validates every option with an exact message', async () => {
    const p = writeJsonl(join(tmpDir(), 'ok.jsonl'), [ok('r1')]);
    await expect(loadRoutingData(5 as never)).rejects.toThrow(new TypeError('Expected "path" to be a string, received 5'));
    await expect(loadRoutingData('')).rejects.toThrow('Expected "path" to be a non-empty string, received ""');
    await expect(loadRoutingData(p, { format: 'xml' as never })).rejects.toThrow(
      `Expected "options.format" to be one of 'auto', 'jsonl', 'routerbench', 'llmrouter', received "xml"`,
    );
    await expect(loadRoutingData(p, { skipInvalid: 'yes' as never })).rejects.toThrow('Expected "options.skipInvalid" to be a boolean, received "yes"');
    await expect(loadRoutingData(p, { embeddingsFile: 'e.npy', embeddingDim: 0 })).rejects.toThrow(
      new RangeError('Expected "options.embeddingDim" to be an integer >= 1, received 0'),
    );
    await expect(loadRoutingData(p, { embeddingDim: 4 })).rejects.toThrow('Expected "options.embeddingsFile" to be a file path when "embeddingDim" is given, received undefined');
    await expect(loadRoutingData(p, { progress: {} as never })).rejects.toThrow('Expected "options.progress" to be a Progress ({ start, tick, done }), received an object (Object)');
  });
});

describe('embeddings side file', () => {
  const rows = (n: number, D: number) => Float32Array.from({ length: n * D }, (_, k) => k + 0.5);

  it('aligns rows with the records read, before skipping', async () => {
    const dir = tmpDir();
    const p = writeJsonl(join(dir, 'd.jsonl'), [ok('r1'), '{bad', '', ok('r3'), ok('r4', { scores: { a: 9, b: 1 } }), ok('r5')]);
    const npy = join(dir, 'e.npy');
    writeFileSync(npy, toNpy(rows(5, 2), 5, 2)); // 5 records read (the blank line is none)
    const d = await loadRoutingData(p, { skipInvalid: true, embeddingsFile: npy });
    expect(d.ids).toEqual(['r1', 'r3', 'r5']);
    expect(d.embeddingDim).toBe(2);
    expect(Array.from(d.embeddings!)).toEqual([0.5, 1.5, 4.5, 5.5, 8.5, 9.5]);
    expect(d.notes.at(-1)).toBe(`embeddings: ${npy} (5 × 2; rows matched to records in read order, before skipping)`);
    // raw float32 needs the dimension
    const raw = join(dir, 'e.f32');
    writeFileSync(raw, Buffer.from(rows(5, 3).buffer));
    const r = await loadRoutingData(p, { skipInvalid: true, embeddingsFile: raw, embeddingDim: 3 });
    expect(Array.from(r.embeddings!.subarray(3, 6))).toEqual([6.5, 7.5, 8.5]); // r3 was read third
    expect((await errorOf(loadRoutingData(p, { skipInvalid: true, embeddingsFile: raw }))).message).toBe(
      `${raw}: raw float32 embeddings need their dimension (dim=…)`,
    );
  });

  it('rejects a wrong row count, a wrong dimension and non-finite values', async () => {
    const dir = tmpDir();
    const p = writeJsonl(join(dir, 'd.jsonl'), [ok('r1'), ok('r2')]);
    const npy = join(dir, 'e.npy');
    writeFileSync(npy, toNpy(rows(3, 2), 3, 2));
    expect((await errorOf(loadRoutingData(p, { embeddingsFile: npy }))).message).toBe(
      `${npy}: 3 embedding rows, but ${p} has 2 records (row r belongs to the r-th record read, before skipping)`,
    );
    expect((await errorOf(loadRoutingData(p, { embeddingsFile: npy, embeddingDim: 4 }))).message).toBe(`${npy}: embedding dimension is 2, expected 4`);
    const bad = rows(2, 2);
    bad[3] = NaN;
    writeFileSync(npy, toNpy(bad, 2, 2));
    expect((await errorOf(loadRoutingData(p, { embeddingsFile: npy }))).message).toBe(`${npy}: row 1 (record "r2") holds a non-finite value at column 1`);
    const missing = join(dir, 'none.npy');
    expect((await errorOf(loadRoutingData(p, { embeddingsFile: missing }))).message).toMatch(/none\.npy: cannot read the embeddings file \(ENOENT/);
  });
});
