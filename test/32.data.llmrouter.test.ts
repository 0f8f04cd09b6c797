// LLMRouter data: reference figures on the real files, the task join by query text, ids,
// the cost estimate recomputed independently, and its failure modes on small copies.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ASSUMED_OUTPUT_TOKENS, CHARS_PER_TOKEN, loadRoutingData, rowsOf, summarize } from '../src/data/index.js';
import { SPLIT_CODES } from '../src/data/types.js';
import { sharedData } from './helpers.js';
import { cleanupTmp, errorOf, tmpDir, writeJsonl } from './helpers-data.js';

afterAll(cleanupTmp);

const PRICES = {
  small: { size: '7B', input_price: 0.2, output_price: 0.4, model: 'x/small' },
  big: { size: '70B', input_price: 0.9, output_price: 0.9, model: 'x/big' },
  unused: { size: '1B', input_price: 0.01, output_price: 0.01, model: 'x/unused' },
};

/** A small LLMRouter-shaped directory. */
function miniDir(train: object[], test: object[], queries: { train: object[]; test: object[] }): string {
  const dir = tmpDir();
  writeFileSync(join(dir, 'dcrouter_train.json'), JSON.stringify(train, null, 2));
  writeFileSync(join(dir, 'dcrouter_test.json'), JSON.stringify(test, null, 2));
  writeJsonl(join(dir, 'default_query_train.jsonl'), queries.train);
  writeJsonl(join(dir, 'default_query_test.jsonl'), queries.test);
  writeFileSync(join(dir, 'default_llm.json'), JSON.stringify(PRICES, null, 2));
  return dir;
}

const q = (query: string, task_name: string) => ({ task_name, query, ground_truth: 'x', metric: 'em', choices: null, task_id: null });

describe('LLMRouter (synthetic)', () => {
  const train = [
    { question: 'What is 2+2?', scores: { small: 1, big: 1 }, cluster_id: 0 },
    { question: 'Ünïcode 😀 prompt, nine+', scores: { big: 0.5, small: 0 }, cluster_id: 1 },
    { question: 'shared question', scores: { small: 0.25, big: 0.75 }, cluster_id: 1 },
  ];
  const test = [{ question: 'Name a prime.', scores: { small: 0, big: 1 } }];
  const queries = {
    train: [q('What is 2+2?', 'gsm8k'), q('Ünïcode 😀 prompt, nine+', 'mmlu'), q('shared question', 'openbook_qa'), q('shared question', 'mmlu')],
    test: [q('Name a prime.', 'math'), q('shared question', 'arc')],
  };

  it('joins tasks by query text, numbers ids per file, estimates costs from the price table', async () => {
    const dir = miniDir(train, test, queries);
    const d = await loadRoutingData(dir);
    expect(d.format).toBe('llmrouter');
    expect(d.models).toEqual(['small', 'big']);
    expect(d.ids).toEqual(['llmrouter-train-000001', 'llmrouter-train-000002', 'llmrouter-train-000003', 'llmrouter-test-000001']);
    expect(d.tasks).toEqual(['gsm8k', 'mmlu', 'openbook_qa', 'math']);
    expect(Array.from(d.splits)).toEqual([0, 0, 0, 2]);
    expect(Array.from(d.scores)).toEqual([1, 1, 0, 0.5, 0.25, 0.75, 0, 1]);
    // 'What is 2+2?' = 12 chars → 3 input tokens; the unicode prompt: 23 code points → 6
    const cost = (tokens: number, p: { input_price: number; output_price: number }) => Math.fround((tokens * p.input_price + 256 * p.output_price) / 1e6);
    expect(Array.from(d.costs.subarray(0, 4))).toEqual([cost(3, PRICES.small), cost(3, PRICES.big), cost(6, PRICES.small), cost(6, PRICES.big)]);
    expect(CHARS_PER_TOKEN).toBe(4);
    expect(ASSUMED_OUTPUT_TOKENS).toBe(256);
    expect(d.costNote).toBe('estimated: ceil(chars/4) input tokens, 256 output tokens, × default_llm.json prices (USD per million tokens)');
    expect(d.notes).toEqual(['1 question matches queries of several tasks; the first match in the query file of the same split was taken']);
  });

  it('accepts the path of one dcrouter file (its siblings give tasks and prices)', async () => {
    const dir = miniDir(train, test, queries);
    const d = await loadRoutingData(join(dir, 'dcrouter_test.json'));
    expect(d.source).toBe(join(dir, 'dcrouter_test.json'));
    expect(d.ids).toEqual(['llmrouter-test-000001']);
    expect(d.tasks).toEqual(['math']);
    // format named explicitly works on the directory too
    expect((await loadRoutingData(dir, { format: 'llmrouter' })).n).toBe(4);
  });

  it('fails clearly on an unmatched question, an unpriced model, a missing sibling, malformed JSON', async () => {
    let dir = miniDir(train, [...test, { question: 'never asked', scores: { small: 0, big: 1 } }], queries);
    const f = join(dir, 'dcrouter_test.json');
    // JSON.stringify(…, null, 2): element 2 starts on line 9
    expect((await errorOf(loadRoutingData(dir))).message).toBe(
      `${f}:9: record "llmrouter-test-000002": the question matches no query in default_query_train.jsonl or default_query_test.jsonl (tasks are joined by exact query text)`,
    );
    const skipped = await loadRoutingData(dir, { skipInvalid: true });
    expect(skipped.n).toBe(4);
    expect(skipped.notes.at(-1)).toBe('skipped 1 invalid record: 1 no matching query');

    dir = miniDir(train, [{ question: 'Name a prime.', scores: { small: 0, huge: 1 } }], queries);
    const e = await errorOf(loadRoutingData(dir, { skipInvalid: true }));
    expect(e.code).toBe('ERR_TASKROUTE_DATA');
    expect(e.message).toBe(
      `${join(dir, 'dcrouter_test.json')}:2: model "huge" is not in the price table ${join(dir, 'default_llm.json')}, so its cost cannot be estimated`,
    );

    dir = miniDir(train, test, queries);
    writeFileSync(join(dir, 'default_llm.json'), JSON.stringify({ small: { input_price: -1, output_price: 1 } }));
    expect((await errorOf(loadRoutingData(dir))).message).toBe(
      `${join(dir, 'default_llm.json')}: model "small": "input_price" must be a finite number >= 0 (USD per million tokens), received -1`,
    );

    dir = miniDir(train, test, queries);
    writeFileSync(join(dir, 'dcrouter_test.json'), '[\n  {"question": "Name a prime.", "scores": {"small": 0, "big": 1}},\n  {"question": oops}\n]');
    expect((await errorOf(loadRoutingData(dir))).message).toMatch(new RegExp(`dcrouter_test\\.json:3: malformed JSON \\(`));
    writeFileSync(join(dir, 'dcrouter_test.json'), '[\n  {"question": "Name a prime.", "scores": {"small": 0, "big": 1.5}}\n]');
    expect((await errorOf(loadRoutingData(dir))).message).toBe(
      `${join(dir, 'dcrouter_test.json')}:2: record "llmrouter-test-000001": score for model "big" is outside [0, 1]: 1.5`,
    );
    writeFileSync(join(dir, 'dcrouter_test.json'), '[{"question": "Name a prime.", "scores": {"small": 0, "big": 1}}');
    expect((await errorOf(loadRoutingData(dir))).message).toBe(`${join(dir, 'dcrouter_test.json')}:1: malformed JSON (the array is not closed)`);

    dir = miniDir(train, test, queries);
    rmSync(join(dir, 'default_llm.json'));
    expect((await errorOf(loadRoutingData(dir))).message).toBe(
      `${join(dir, 'dcrouter_train.json')}: LLMRouter data needs the price table default_llm.json beside it (${join(dir, 'default_llm.json')} not found)`,
    );
  });
});

const shared = sharedData();
if (!shared) console.warn('skipping the LLMRouter reference figures: shared/data not found (set TASKROUTE_DATA)');
describe.skipIf(!shared)('LLMRouter (real files in shared/data/llmrouter)', () => {
  it('reproduces the reference figures of the data README', async () => {
    const dir = join(shared!, 'llmrouter');
    const d = await loadRoutingData(dir);
    expect(rowsOf(d, 'train').length).toBe(5608);
    expect(rowsOf(d, 'test').length).toBe(500);
    expect(d.models).toHaveLength(9);
    const s = summarize(d);
    expect(s.bestSingle!.model).toBe('llama-3.1-nemotron-51b-instruct');
    expect(Math.abs(s.bestSingle!.test!.quality - 0.563)).toBeLessThanOrEqual(0.001);
    expect(Math.abs(s.oracle.test!.quality - 0.743)).toBeLessThanOrEqual(0.001);
    expect(s.tasks).toHaveLength(14);
    expect(d.tasks.every((t) => t !== '')).toBe(true);
    expect(d.ids[0]).toBe('llmrouter-train-000001');
    expect(d.ids[5608]).toBe('llmrouter-test-000001');
    expect(d.splits[5608]).toBe(SPLIT_CODES.test);
    expect(d.costNote).toMatch(/^estimated: /);

    // the first record, recomputed from the raw files without the loader
    const raw = JSON.parse(readFileSync(join(dir, 'dcrouter_train.json'), 'utf8')) as { question: string; scores: Record<string, number> }[];
    const prices = JSON.parse(readFileSync(join(dir, 'default_llm.json'), 'utf8')) as Record<string, { input_price: number; output_price: number }>;
    const queries = readFileSync(join(dir, 'default_query_train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { query: string; task_name: string });
    const r0 = raw[0];
    expect(d.prompts[0]).toBe(r0.question);
    expect(d.tasks[0]).toBe(queries.find((x) => x.query === r0.question)!.task_name);
    const M = d.models.length;
    d.models.forEach((m, k) => {
      expect(d.scores[k]).toBe(Math.fround(r0.scores[m]));
      const tokens = Math.ceil([...r0.question].length / 4);
      expect(d.costs[k]).toBe(Math.fround((tokens * prices[m].input_price + 256 * prices[m].output_price) / 1e6));
    });
    expect(d.scores.length).toBe(d.n * M);
  });
});
