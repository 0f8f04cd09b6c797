// The LLM client: JSON extraction and repair, schema checks, retries (429 + Retry-After,
// 500, hangs, dropped connections), re-asks on unusable JSON, and API-key hygiene.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../src/http/client.js';
import { checkSchema, extractJson, JsonAnswerError, parseJsonAnswer, repairJson, type JsonSchema } from '../src/synth/json.js';
import { LlmClient, normaliseLlmUrl } from '../src/synth/llm.js';
import { subcategoryMessages, NODE_SET_SCHEMA, JUDGE_SCHEMA, judgeMessages, answerMessages } from '../src/synth/prompts.js';
import { FakeLlm, startFakeLlm } from './helpers-llm.js';

describe('JSON out of LLM answers', () => {
  it('takes the fenced / outermost JSON and parses it strictly when it can', () => {
    expect(parseJsonAnswer('Here you go:\n```json\n{"a": 1, "b": [2, 3]}\n```\nAnything else?')).toEqual({ value: { a: 1, b: [2, 3] }, repaired: false });
    expect(parseJsonAnswer('The result {"a":{"b":1}} is {ok}')).toEqual({ value: { a: { b: 1 } }, repaired: false });
    expect(parseJsonAnswer('[1, 2] and more')).toEqual({ value: [1, 2], repaired: false });
    expect(extractJson('```\n{"x": "a } b"}\n```')).toBe('{"x": "a } b"}');
  });

  it('repairs trailing commas, single quotes, raw newlines, Python literals, missing commas, bare keys, truncation', () => {
    const cases: [string, unknown][] = [
      ['{"a": [1, 2,], "b": 3,}', { a: [1, 2], b: 3 }],
      ["{'name': 'x', 'n': 2}", { name: 'x', n: 2 }],
      ['{"text": "line1\nline2\tend"}', { text: 'line1\nline2\tend' }],
      ["{'ok': True, 'no': False, 'x': None}", { ok: true, no: false, x: null }],
      ['{"a": 1 "b": 2}', { a: 1, b: 2 }],
      ['[{"a": 1} {"a": 2}]', [{ a: 1 }, { a: 2 }]],
      ['{score: 0.5, reason: "fine"}', { score: 0.5, reason: 'fine' }],
      ['{"reason": "he said "hi" to me"}', { reason: 'he said "hi" to me' }],
      ['{"pairs": [{"question": "q1", "answer": "a1"}, {"question": "q2"', { pairs: [{ question: 'q1', answer: 'a1' }, { question: 'q2' }] }],
      ['{"pairs": [{"question": "q1", "answer": "a1"},', { pairs: [{ question: 'q1', answer: 'a1' }] }],
      ['{"a": "unterminated', { a: 'unterminated' }],
      ['{"a": 1, "b":}', { a: 1, b: null }],
      ['{"a": 1} // a comment', { a: 1 }],
    ];
    for (const [text, want] of cases) {
      const r = parseJsonAnswer(text);
      expect(r.value, text).toEqual(want);
    }
    expect(parseJsonAnswer('{"a": [1, 2,]}').repaired).toBe(true);
    expect(JSON.parse(repairJson('{"a": [1, {"b": 2'))).toEqual({ a: [1, { b: 2 }] });
  });

  it('says why when there is no JSON at all', () => {
    expect(() => parseJsonAnswer("I'm sorry, I cannot do that.")).toThrow(JsonAnswerError);
    expect(() => parseJsonAnswer("I'm sorry, I cannot do that.")).toThrow('the answer contains no JSON object or array');
  });

  it('checks shapes with paths', () => {
    const s: JsonSchema = NODE_SET_SCHEMA(2);
    const node = { name: 'a', definition: 'b', example: 'c' };
    expect(checkSchema({ nodes: [node] }, s)).toBeUndefined();
    expect(checkSchema({ nodes: [node, node, node] }, s)).toBe('$.nodes: expected at most 2 items, received 3');
    expect(checkSchema({ nodes: [] }, s)).toBe('$.nodes: expected at least 1 item, received 0');
    expect(checkSchema({ nodes: [{ ...node, name: 3 }] }, s)).toBe('$.nodes[0].name: expected a string, received the number 3');
    expect(checkSchema({ nodes: [{ ...node, example: '  ' }] }, s)).toBe('$.nodes[0].example: expected a string of at least 1 character, received a string "  "');
    expect(checkSchema({ nodes: [{ name: 'a', definition: 'b' }] }, s)).toBe('$.nodes[0]: missing the field "example"');
    expect(checkSchema({}, s)).toBe('$: missing the field "nodes"');
    expect(checkSchema([], s)).toBe('$: expected an object, received an array');
    expect(checkSchema({ score: 1.5 }, JUDGE_SCHEMA)).toBe('$.score: expected a number in [0, 1], received 1.5');
    expect(checkSchema({ score: '0.5' }, JUDGE_SCHEMA)).toBe('$.score: expected a number, received a string "0.5"');
    expect(checkSchema({ preferred: 'C' }, { type: 'object', properties: { preferred: { type: 'enum', values: ['A', 'B'] } } })).toBe(
      '$.preferred: expected one of "A", "B", received a string "C"',
    );
  });
});

describe('LlmClient against the fake server', () => {
  let server: FakeLlm;
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  const client = (o: Partial<ConstructorParameters<typeof LlmClient>[0]> = {}) =>
    new LlmClient({ baseUrl: server.url, model: 'fake-1', sleep, maxRetries: 3, ...o });

  beforeAll(async () => {
    server = await startFakeLlm();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    waits.length = 0;
    server.log.length = 0;
    server.clearFaults();
    delete process.env.TR_TEST_KEY;
  });

  it('normalises endpoint URLs', () => {
    expect(normaliseLlmUrl('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000/v1');
    expect(normaliseLlmUrl('http://127.0.0.1:8000/')).toBe('http://127.0.0.1:8000/v1');
    expect(normaliseLlmUrl('https://api.example.com/v1/')).toBe('https://api.example.com/v1');
    expect(normaliseLlmUrl('http://h:1/v1/chat/completions')).toBe('http://h:1/v1');
    expect(normaliseLlmUrl('http://localhost:11434/v1')).toBe('http://localhost:11434/v1');
    expect(() => normaliseLlmUrl('ftp://x')).toThrow('Expected "baseUrl" to be an http(s) URL, received "ftp://x"');
  });

  it('validates its options and messages', async () => {
    expect(() => new LlmClient({ baseUrl: server.url, model: '' })).toThrow('Expected "model" to be a non-empty string');
    expect(() => new LlmClient({ baseUrl: 'not a url', model: 'm' })).toThrow('Expected "baseUrl" to be an http(s) URL');
    expect(() => new LlmClient({ baseUrl: server.url, model: 'm', apiKeyEnv: 'sk-abc' })).toThrow('Expected "apiKeyEnv" to be the name of an environment variable');
    expect(() => new LlmClient({ baseUrl: server.url, model: 'm', jsonAttempts: 0 })).toThrow('Expected "jsonAttempts" to be an integer in [1, 20], received 0');
    await expect(client().chat([])).rejects.toThrow('Expected "messages" to be a non-empty array');
    await expect(client().chat([{ role: 'bot', content: 'x' } as never])).rejects.toThrow(`Expected "messages[0].role" to be one of 'system', 'user', 'assistant', received "bot"`);
    await expect(client().chat([{ role: 'user', content: 3 } as never])).rejects.toThrow('Expected "messages[0].content" to be a string, received number');
    expect(server.log).toHaveLength(0);
  });

  it('returns text and usage, and sends model, temperature and max_tokens', async () => {
    const r = await client({ temperature: 0.3 }).chat(answerMessages('What is 2 + 3?'), { maxTokens: 50 });
    expect(r.text).toMatch(/^The answer is (5|6|15), says fake-1\.$/);
    const l = server.log[0];
    expect(r.usage).toEqual({ promptTokens: l.usage?.prompt_tokens, completionTokens: l.usage?.completion_tokens, estimated: false });
    expect(r.finishReason).toBe('stop');
    expect(l).toMatchObject({ kind: 'answer', model: 'fake-1', temperature: 0.3, maxTokens: 50, responseFormat: undefined, authorization: undefined });
  });

  it('estimates usage when the server sends none', async () => {
    const s2 = await startFakeLlm({ noUsage: true });
    try {
      const msgs = answerMessages('What is 2 + 3?');
      const r = await new LlmClient({ baseUrl: s2.url, model: 'm' }).chat(msgs);
      expect(r.usage).toEqual({ promptTokens: Math.ceil(msgs[0].content.length / 4), completionTokens: Math.ceil(r.text.length / 4), estimated: true });
    } finally {
      await s2.close();
    }
  });

  it('retries 429 honouring Retry-After, and 500 with backoff', async () => {
    server.fault({ kind: 'status', status: 429, retryAfter: '2', on: 'answer' });
    server.fault({ kind: 'status', status: 500, on: 'answer' });
    const r = await client({ backoffMs: 100 }).chat(answerMessages('What is 2 + 3?'));
    expect(r.text).toContain('The answer is');
    expect(server.log.map((l) => l.outcome)).toEqual(['status', 'status', 'ok']);
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBeGreaterThanOrEqual(150); // second retry: 100 × 2 ± 25 %
    expect(waits[1]).toBeLessThanOrEqual(250);
  });

  it('retries a hang after the timeout and a dropped connection', async () => {
    server.fault({ kind: 'hang', on: 'answer' });
    server.fault({ kind: 'drop', on: 'answer' });
    const t0 = Date.now();
    const r = await client({ timeoutMs: 300 }).chat(answerMessages('What is 4 + 4?'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(r.text).toContain('The answer is');
    expect(server.log.map((l) => l.outcome)).toEqual(['hang', 'drop', 'ok']);
    expect(waits).toHaveLength(2);
  });

  it('gives up after maxRetries with the model, URL and attempts in the error', async () => {
    server.fault({ kind: 'status', status: 503, on: 'answer', times: 5 });
    const err = await client({ maxRetries: 1 })
      .chat(answerMessages('What is 1 + 1?'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).code).toBe('ERR_TASKROUTE_HTTP');
    expect((err as HttpError).attempts).toBe(2);
    expect((err as Error).message).toMatch(/^model fake-1: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions failed after 2 attempts: HTTP 503/);
    expect(server.log).toHaveLength(2);
  });

  it('asks for JSON mode, and repairs fenced / truncated / single-quoted JSON without a re-ask', async () => {
    const msgs = judgeMessages('What is 2 + 3?', 'It is 5.', 'The answer is 5, says m.');
    const r0 = await client().chatJson(msgs, JUDGE_SCHEMA);
    expect(r0).toMatchObject({ value: { score: 1, reason: 'Matches the reference.' }, asks: 1, repaired: false });
    expect(server.log[0].responseFormat).toEqual({ type: 'json_object' });

    server.fault({ kind: 'malformed-repairable', on: 'judge' });
    const r1 = await client().chatJson(msgs, JUDGE_SCHEMA);
    expect(server.log[1].content).toMatch(/^Sure! Here is the JSON you asked for:\n```json\n\{"score":1,"reason":"Matches the reference\.",\n$/);
    expect(r1).toMatchObject({ value: { score: 1, reason: 'Matches the reference.' }, asks: 1, repaired: true });

    server.fault({ kind: 'malformed-quotes', on: 'judge' });
    const r2 = await client().chatJson(msgs, JUDGE_SCHEMA);
    expect(server.log[2].content).toBe("{'score':1,'reason':'Matches the reference.'}");
    expect(r2).toMatchObject({ value: { score: 1 }, asks: 1, repaired: true });
    expect(server.log).toHaveLength(3);

    const plain = await client({ jsonMode: false }).chatJson(msgs, JUDGE_SCHEMA);
    expect(plain.value).toEqual({ score: 1, reason: 'Matches the reference.' });
    expect(server.log[3].responseFormat).toBeUndefined();
  });

  it('re-asks, quoting the parse error, when the answer cannot be repaired; usage covers both asks', async () => {
    server.fault({ kind: 'malformed-fatal', on: 'judge' });
    const msgs = judgeMessages('What is 2 + 3?', 'It is 5.', 'The answer is 6, says m.');
    const r = await client().chatJson<{ score: number }>(msgs, JUDGE_SCHEMA);
    expect(r.value.score).toBe(0.5);
    expect(r.asks).toBe(2);
    expect(server.log.map((l) => [l.kind, l.reask, l.outcome])).toEqual([
      ['judge', false, 'malformed-fatal'],
      ['judge', true, 'ok'],
    ]);
    const u = server.log.map((l) => l.usage as { prompt_tokens: number; completion_tokens: number });
    expect(r.usage.promptTokens).toBe(u[0].prompt_tokens + u[1].prompt_tokens);
    expect(r.usage.completionTokens).toBe(u[0].completion_tokens + u[1].completion_tokens);
  });

  it('re-asks when the shape is wrong (too many nodes), quoting the path', async () => {
    const s2 = await startFakeLlm({ overshoot: true, subcategories: 5 });
    const seen: string[] = [];
    try {
      const c = new LlmClient({ baseUrl: s2.url, model: 'm' });
      const r = await c.chatJson<{ nodes: unknown[] }>(subcategoryMessages({ name: 'Mathematics', definition: 'd', example: 'e' }, 3), NODE_SET_SCHEMA(3));
      expect(r.value.nodes).toHaveLength(3);
      expect(r.asks).toBe(2);
      expect(s2.log.map((l) => l.reask)).toEqual([false, true]);
      seen.push(...s2.log.map((l) => l.kind));
    } finally {
      await s2.close();
    }
    expect(seen).toEqual(['subcategories', 'subcategories']);
  });

  it('fails after jsonAttempts unusable answers with ERR_TASKROUTE_LLM, the model and an excerpt', async () => {
    server.fault({ kind: 'malformed-fatal', on: 'judge', times: 3 });
    const err = await client()
      .chatJson(judgeMessages('q', 'r', 'a'), JUDGE_SCHEMA)
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ERR_TASKROUTE_LLM');
    expect((err as Error).message).toMatch(
      /^model fake-1 at http:\/\/127\.0\.0\.1:\d+\/v1: no usable JSON after 3 asks: the answer contains no JSON object or array; last answer "I'm sorry, I cannot produce that right now\."$/,
    );
    expect(server.log).toHaveLength(3);
  });

  it('sends the key from the named variable and never lets it into errors or answers', async () => {
    const key = 'sk-test-4f9a1c0ffee2b7d3';
    process.env.TR_TEST_KEY = key;
    const c = client({ apiKeyEnv: 'TR_TEST_KEY' });
    await c.chat(answerMessages('What is 2 + 2?'));
    expect(server.log[0].authorization).toBe(`Bearer ${key}`);

    server.fault({ kind: 'echo-auth', on: 'answer' });
    const err = (await c.chat(answerMessages('What is 2 + 2?')).catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('invalid credentials: Bearer [redacted]');
    for (const s of [err.message, String(err.stack), JSON.stringify(err), String((err as Error & { cause?: unknown }).cause ?? '')]) expect(s).not.toContain(key);

    server.fault({ kind: 'echo-auth-content', on: 'answer' });
    const r = await c.chat(answerMessages('What is 2 + 2?'));
    expect(server.log[2].content).toContain(key); // the server did echo it …
    expect(r.text).toContain('Bearer [redacted]'); // … and the client scrubbed it
    expect(r.text).not.toContain(key);
  });

  it('names a missing key variable without calling', async () => {
    const err = await client({ apiKeyEnv: 'TR_TEST_KEY' })
      .chat(answerMessages('x'))
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ERR_TASKROUTE_CONFIG');
    expect((err as Error).message).toBe('the API key variable TR_TEST_KEY is not set in the environment');
    expect(server.log).toHaveLength(0);
  });
});
