// Labelling against the fake server: every model answers every query, the judge scores each
// answer, costs are tokens × prices — all checked against what the server actually answered;
// faults on the way; failures and their retry from the ledger; the dry-run estimate; the
// models file; the canonical JSONL output; the API key kept out of ledgers and outputs.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callCost, estimateLabel, labelQueries, parseJudgeSpec, readModelsFile, validateModels, writeLabelledJsonl, type CandidateModel } from '../src/synth/label.js';
import { Ledger } from '../src/synth/ledger.js';
import { estimateTokens } from '../src/synth/llm.js';
import { answerMessages, judgeMessages } from '../src/synth/prompts.js';
import { fakeJudgeScore, fakeQueries, startFakeLlm, type FakeLlm } from './helpers-llm.js';

const tmp = mkdtempSync(join(tmpdir(), 'tr-label-'));

describe('models file', () => {
  const good = { name: 'small', baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen2.5-7b', inputPrice: 0.1, outputPrice: 0.2 };
  it('accepts good entries and names the bad one', () => {
    expect(validateModels([good, { ...good, name: 'big', apiKeyEnv: 'BIG_KEY', concurrency: 2 }])).toEqual([good, { ...good, name: 'big', apiKeyEnv: 'BIG_KEY', concurrency: 2 }]);
    const bad = (m: unknown) => () => validateModels(m, 'models.json');
    expect(bad([])).toThrow('models.json: expected a non-empty array of models');
    expect(bad([good, { ...good }])).toThrow('models.json: [1] ("small"): duplicate name "small" (also [0])');
    expect(bad([{ ...good, inputPrice: -1 }])).toThrow('models.json: [0] ("small"): "inputPrice" must be a number >= 0 (USD per million tokens), received -1');
    expect(bad([{ ...good, outputPrice: '0.2' }])).toThrow('"outputPrice" must be a number >= 0 (USD per million tokens), received "0.2"');
    expect(bad([{ ...good, baseUrl: 'localhost:8000' }])).toThrow('"baseUrl" must be an http(s) URL, received "localhost:8000"');
    expect(bad([{ ...good, name: '' }])).toThrow('models.json: [0] (""): "name" must be a non-empty string, received ""');
    expect(bad([{ ...good, apiKey: 'sk-123' }])).toThrow('models.json: [0] ("small"): "apiKey": API keys do not go in files; name the environment variable that holds it with "apiKeyEnv"');
    expect(bad([{ ...good, apiKeyEnv: 'sk-123' }])).toThrow('"apiKeyEnv" must be the name of an environment variable, received "sk-123"');
    expect(bad([{ ...good, price: 1 }])).toThrow('unknown field "price"');
    const p = join(tmp, 'm.json');
    writeFileSync(p, '[{"name": ');
    expect(() => readModelsFile(p)).toThrow(`${p}: not valid JSON`);
    expect(() => readModelsFile(join(tmp, 'none.json'))).toThrow('cannot read the models file');
  });

  it('parses --judge URL,MODEL', () => {
    expect(parseJudgeSpec('http://127.0.0.1:8000/v1,qwen2.5-72b')).toEqual({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen2.5-72b' });
    expect(() => parseJudgeSpec('qwen2.5-72b')).toThrow('Expected "--judge" to be URL,MODEL');
    expect(() => parseJudgeSpec('http://x/v1,')).toThrow('Expected "--judge" to be URL,MODEL');
    expect(() => parseJudgeSpec('nourl,model')).toThrow('Expected "baseUrl" to be an http(s) URL');
  });
});

describe('labelQueries against the fake server', () => {
  let server: FakeLlm;
  let models: CandidateModel[];
  const sleep = async () => {};
  beforeAll(async () => {
    server = await startFakeLlm({ skill: { strong: 0.9, weak: 0.3 } });
    models = [
      { name: 'strong', baseUrl: server.url, model: 'strong', inputPrice: 3, outputPrice: 15 },
      { name: 'weak', baseUrl: server.url, model: 'weak', inputPrice: 0.1, outputPrice: 0.4 },
    ];
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    server.log.length = 0;
    server.clearFaults();
    delete process.env.TR_LABEL_KEY;
  });

  /** What the server answered `model` for `question`, and with what usage. */
  const served = (model: string, question: string) => {
    const hits = server.of('answer').filter((l) => l.model === model && l.question === question && l.outcome === 'ok');
    expect(hits).toHaveLength(1);
    return hits[0];
  };

  it('scores every answer with the judge and prices it by its tokens', async () => {
    const qs = fakeQueries(6);
    const r = await labelQueries({ queries: qs, models, judge: { baseUrl: server.url, model: 'judge', inputPrice: 1, outputPrice: 2 }, client: { sleep } });
    expect(r.failures).toEqual([]);
    expect(r.records).toHaveLength(6);
    expect(r.calls).toEqual({ answers: { made: 12, replayed: 0 }, judge: { made: 12, replayed: 0 } });
    let answerCost = 0;
    r.records.forEach((rec, i) => {
      expect(rec).toMatchObject({ id: qs[i].id, prompt: qs[i].prompt, task: qs[i].task, leaf: qs[i].leaf });
      expect(Object.keys(rec.scores)).toEqual(['strong', 'weak']);
      for (const m of models) {
        const a = served(m.model, qs[i].prompt);
        expect(rec.scores[m.name]).toBe(fakeJudgeScore(qs[i].reference, a.content as string));
        const c = ((a.usage?.prompt_tokens ?? 0) * m.inputPrice + (a.usage?.completion_tokens ?? 0) * m.outputPrice) / 1e6;
        expect(rec.costs[m.name]).toBe(c);
        answerCost += c;
        // the judge saw this very answer, against the reference
        const j = server.of('judge').filter((l) => l.question === qs[i].prompt && l.answer === a.content);
        expect(j).toHaveLength(1);
      }
    });
    expect(r.costUsd.answers).toBeCloseTo(answerCost, 15);
    const ju = server.of('judge').reduce((a, l) => [a[0] + (l.usage?.prompt_tokens ?? 0), a[1] + (l.usage?.completion_tokens ?? 0)], [0, 0]);
    expect(r.costUsd.judge).toBeCloseTo((ju[0] * 1 + ju[1] * 2) / 1e6, 15);
    // the two models differ as configured: the strong one scores higher on average
    const mean = (m: string) => r.records.reduce((a, x) => a + x.scores[m], 0) / r.records.length;
    expect(mean('strong')).toBeGreaterThan(mean('weak'));
    // request settings: answers at temperature 0 with the authors' 2048-token budget; the judge in JSON mode
    expect(server.of('answer').every((l) => l.temperature === 0 && l.maxTokens === 2048 && l.responseFormat === undefined)).toBe(true);
    expect(server.of('judge').every((l) => l.temperature === 0 && l.maxTokens === 256 && (l.responseFormat as { type: string }).type === 'json_object')).toBe(true);
  });

  it('writes canonical routing JSONL', async () => {
    const qs = fakeQueries(3);
    const r = await labelQueries({ queries: qs, models, judge: { baseUrl: server.url, model: 'judge' }, client: { sleep } });
    const p = join(tmp, 'data.jsonl');
    await writeLabelledJsonl(r.records, p);
    const lines = readFileSync(p, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(o)).toEqual(['id', 'prompt', 'task', 'leaf', 'scores', 'costs']);
      expect(o.id).toBe(qs[i].id);
      expect(o.leaf).toBe('math/arithmetic/easy');
      for (const m of ['strong', 'weak']) {
        const s = (o.scores as Record<string, number>)[m];
        expect([0, 0.5, 1]).toContain(s);
        expect((o.costs as Record<string, number>)[m]).toBeGreaterThan(0);
      }
    });
  });

  it('gets through 429s, 500s, dropped connections and bad JSON from the judge', async () => {
    server.fault({ kind: 'status', status: 429, retryAfter: '1', on: 'answer', times: 2 });
    server.fault({ kind: 'status', status: 500, on: 'judge' });
    server.fault({ kind: 'drop', on: 'answer' });
    server.fault({ kind: 'malformed-repairable', on: 'judge' });
    server.fault({ kind: 'malformed-fatal', on: 'judge' });
    const qs = fakeQueries(4);
    const r = await labelQueries({ queries: qs, models, judge: { baseUrl: server.url, model: 'judge' }, client: { sleep } });
    expect(r.failures).toEqual([]);
    expect(r.records).toHaveLength(4);
    expect(server.log.filter((l) => l.outcome !== 'ok').map((l) => l.outcome).sort()).toEqual(['drop', 'malformed-fatal', 'malformed-repairable', 'status', 'status', 'status']);
    expect(server.of('judge').filter((l) => l.reask)).toHaveLength(1);
    for (const rec of r.records) for (const m of models) expect(rec.scores[m.name]).toBe(fakeJudgeScore(qs[r.records.indexOf(rec)].reference, served(m.model, rec.prompt).content as string));
  });

  it('collects failures without writing records, and a rerun retries only those calls', async () => {
    const path = join(tmp, 'fail.ledger.jsonl');
    const qs = fakeQueries(3);
    server.fault({ kind: 'malformed-fatal', on: 'judge', times: 3, match: (l) => l.question === qs[1].prompt && l.answer?.endsWith('says weak.') === true });
    const l1 = Ledger.open(path);
    const r1 = await labelQueries({ queries: qs, models, judge: { baseUrl: server.url, model: 'judge' }, ledger: l1, client: { sleep }, concurrency: 1 });
    l1.close();
    expect(r1.records).toEqual([]);
    expect(r1.failures).toHaveLength(1);
    expect(r1.failures[0]).toMatchObject({ stage: 'judge', query: qs[1].id, model: 'weak' });
    expect(r1.failures[0].error).toContain('no usable JSON after 3 asks');
    expect(Ledger.read(path).entries.size).toBe(11);
    server.log.length = 0;
    const l2 = Ledger.open(path);
    const r2 = await labelQueries({ queries: qs, models, judge: { baseUrl: server.url, model: 'judge' }, ledger: l2, client: { sleep } });
    l2.close();
    expect(r2.failures).toEqual([]);
    expect(r2.records).toHaveLength(3);
    expect(server.log.map((l) => l.kind)).toEqual(['judge']);
    expect(r2.calls).toEqual({ answers: { made: 0, replayed: 6 }, judge: { made: 1, replayed: 5 } });
  });

  it('estimates the dry run from prompt lengths and budgets, less what the ledger holds', async () => {
    const qs = fakeQueries(2);
    const judge = { baseUrl: server.url, model: 'judge', inputPrice: 1, outputPrice: 2 };
    const e = estimateLabel({ queries: qs, models, judge, answerMaxTokens: 100, judgeMaxTokens: 50 });
    expect(e.calls).toEqual({ answers: 4, judge: 4, total: 8 });
    expect(e.cached).toEqual({ answers: 0, judge: 0 });
    const aTok = qs.map((q) => estimateTokens(answerMessages(q.prompt)[0].content));
    const jTok = qs.map((q) => estimateTokens(judgeMessages(q.prompt, q.reference, '')[0].content) + 100);
    expect(e.costUsd.byModel.strong).toBeCloseTo(callCost({ promptTokens: aTok[0] + aTok[1], completionTokens: 200 }, models[0]), 15);
    expect(e.costUsd.byModel.weak).toBeCloseTo(callCost({ promptTokens: aTok[0] + aTok[1], completionTokens: 200 }, models[1]), 15);
    expect(e.costUsd.judge).toBeCloseTo(callCost({ promptTokens: 2 * (jTok[0] + jTok[1]), completionTokens: 4 * 50 }, judge), 15);
    expect(e.tokens).toEqual({ prompt: 2 * (aTok[0] + aTok[1]) + 2 * (jTok[0] + jTok[1]), completion: 4 * 100 + 4 * 50 });
    expect(server.log).toHaveLength(0);
    const path = join(tmp, 'est.ledger.jsonl');
    const l = Ledger.open(path);
    await labelQueries({ queries: qs, models, judge, ledger: l, answerMaxTokens: 100, judgeMaxTokens: 50, client: { sleep } });
    l.close();
    const after = estimateLabel({ queries: qs, models, judge, answerMaxTokens: 100, judgeMaxTokens: 50, ledger: Ledger.peek(path) });
    expect(after.calls).toEqual({ answers: 0, judge: 0, total: 0 });
    expect(after.cached).toEqual({ answers: 4, judge: 4 });
    expect(after.costUsd.total).toBe(0);
  });

  it('keeps the API key out of the ledger, the output and the errors', async () => {
    const key = 'sk-label-9d2e7c11aa04f5b3';
    process.env.TR_LABEL_KEY = key;
    const keyed = models.map((m) => ({ ...m, apiKeyEnv: 'TR_LABEL_KEY' }));
    const path = join(tmp, 'key.ledger.jsonl');
    const out = join(tmp, 'key.jsonl');
    server.fault({ kind: 'echo-auth-content', on: 'answer' });
    const l = Ledger.open(path);
    const r = await labelQueries({ queries: fakeQueries(2), models: keyed, judge: { baseUrl: server.url, model: 'judge' }, ledger: l, client: { sleep } });
    l.close();
    await writeLabelledJsonl(r.records, out);
    expect(server.of('answer').every((x) => x.authorization === `Bearer ${key}`)).toBe(true);
    expect(server.of('judge').every((x) => x.authorization === undefined)).toBe(true);
    expect(server.log.some((x) => x.content?.includes(key))).toBe(true); // the server echoed it once
    expect(readFileSync(path, 'utf8')).not.toContain(key);
    expect(readFileSync(path, 'utf8')).toContain('[redacted]');
    expect(readFileSync(out, 'utf8')).not.toContain(key);
    server.fault({ kind: 'echo-auth', on: 'answer' });
    const f = await labelQueries({ queries: fakeQueries(1), models: keyed.slice(0, 1), judge: { baseUrl: server.url, model: 'judge' }, client: { sleep } });
    expect(f.failures).toHaveLength(1);
    expect(f.failures[0].error).toContain('Bearer [redacted]');
    expect(f.failures[0].error).not.toContain(key);
  });

  it('validates its inputs', async () => {
    const judge = { baseUrl: server.url, model: 'judge' };
    await expect(labelQueries({ queries: [], models, judge })).rejects.toThrow('Expected "queries" to be a non-empty array of queries');
    const q = fakeQueries(1);
    await expect(labelQueries({ queries: [...q, ...q], models, judge })).rejects.toThrow(`Expected "queries" to have unique ids, received "${q[0].id}" twice`);
    await expect(labelQueries({ queries: q, models: [], judge })).rejects.toThrow('models: expected a non-empty array of models');
    await expect(labelQueries({ queries: q, models, judge: { baseUrl: server.url } as never })).rejects.toThrow('Expected "judge" to be { baseUrl, model }');
    await expect(labelQueries({ queries: q, models, judge, answerMaxTokens: 0 })).rejects.toThrow('Expected "answerMaxTokens" to be an integer >= 1, received 0');
    expect(server.log).toHaveLength(0);
  });
});
