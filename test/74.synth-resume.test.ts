// Resumability: the ledger (call ids, append + flush, torn last lines, damage) and a real
// kill: `synth label` run as a child process, SIGKILLed mid-run, rerun — the output must be
// complete and correct and the server must have seen no completed call twice.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callId, Ledger, ledgerPathFor, type LedgerEntry } from '../src/synth/ledger.js';
import { ensureCompiled, fakeJudgeScore, fakeQueries, startFakeLlm, type FakeLlm } from './helpers-llm.js';

const root = resolve(__dirname, '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'tr-resume-'));
const usage = { promptTokens: 1, completionTokens: 2, estimated: false };
const entry = (id: string, result: unknown = 'x'): LedgerEntry => ({ id, stage: 'answer', key: { query: 'q', model: 'm' }, result, usage, asks: 1 });

describe('the ledger', () => {
  it('derives call ids from the call, not from attempt or key order', () => {
    const a = callId('answer', { query: 'q1', model: 'm', temperature: 0 });
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(callId('answer', { temperature: 0, model: 'm', query: 'q1' })).toBe(a);
    expect(callId('answer', { query: 'q1', model: 'm', temperature: 0, extra: undefined })).toBe(a);
    expect(callId('judge', { query: 'q1', model: 'm', temperature: 0 })).not.toBe(a);
    expect(callId('answer', { query: 'q1', model: 'm', temperature: 0.1 })).not.toBe(a);
    expect(callId('answer', { query: 'q2', model: 'm', temperature: 0 })).not.toBe(a);
  });

  it('appends a line per entry, on disk before append returns, and replays them', async () => {
    const p = join(tmp, 'a.ledger.jsonl');
    const l = Ledger.open(p);
    l.append(entry('1'));
    expect(readFileSync(p, 'utf8')).toBe(`${JSON.stringify(entry('1'))}\n`);
    let calls = 0;
    const fn = async () => {
      calls++;
      return { result: 'made', usage };
    };
    const [x, y] = await Promise.all([l.run('2', 'answer', { query: 'q' }, fn), l.run('2', 'answer', { query: 'q' }, fn)]);
    expect(calls).toBe(1); // concurrent requests for one id share the call
    expect([x.cached, y.cached]).toEqual([false, true]);
    expect((await l.run('1', 'answer', {}, fn)).entry.result).toBe('x');
    expect(calls).toBe(1);
    l.close();
    expect(() => l.append(entry('3'))).toThrow('is not open for writing');
    const again = Ledger.open(p);
    expect(again.loaded).toBe(2);
    expect(again.get('2')?.result).toBe('made');
    again.close();
    expect(ledgerPathFor('/x/data.jsonl')).toBe('/x/data.jsonl.ledger.jsonl');
  });

  it('ignores a torn last line and cuts it off before appending', () => {
    const p = join(tmp, 'torn.ledger.jsonl');
    writeFileSync(p, `${JSON.stringify(entry('1'))}\n${JSON.stringify(entry('2')).slice(0, 25)}`);
    expect(Ledger.read(p)).toMatchObject({ torn: 1 });
    const l = Ledger.open(p);
    expect(l.tornLines).toBe(1);
    expect([...l.values()].map((e) => e.id)).toEqual(['1']);
    l.append(entry('3'));
    l.close();
    expect(readFileSync(p, 'utf8')).toBe(`${JSON.stringify(entry('1'))}\n${JSON.stringify(entry('3'))}\n`);
  });

  it('keeps a complete last entry that lost only its newline', () => {
    const p = join(tmp, 'nonl.ledger.jsonl');
    writeFileSync(p, `${JSON.stringify(entry('1'))}\n${JSON.stringify(entry('2'))}`);
    const l = Ledger.open(p);
    expect(l.size).toBe(2);
    l.append(entry('3'));
    l.close();
    expect(readFileSync(p, 'utf8').split('\n').filter(Boolean).map((s) => (JSON.parse(s) as LedgerEntry).id)).toEqual(['1', '2', '3']);
  });

  it('refuses a damaged line in the middle, naming file and line', () => {
    const p = join(tmp, 'bad.ledger.jsonl');
    writeFileSync(p, `${JSON.stringify(entry('1'))}\n{oops\n${JSON.stringify(entry('2'))}\n`);
    expect(() => Ledger.open(p)).toThrow(`${p}:2: not a ledger entry (the ledger is damaged; remove this line to continue)`);
  });

  it('peeks without creating anything', () => {
    const p = join(tmp, 'never.ledger.jsonl');
    expect(Ledger.peek(p).size).toBe(0);
    expect(existsSync(p)).toBe(false);
    expect(() => Ledger.peek(p).append(entry('1'))).toThrow('is not open for writing');
  });
});

describe('killing synth label mid-run', () => {
  let server: FakeLlm;
  beforeAll(async () => {
    ensureCompiled();
    server = await startFakeLlm({ delayMs: 40, skill: { alpha: 0.8, beta: 0.4 } });
  });
  afterAll(async () => {
    await server.close();
  });

  const run = (args: string[]) => spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const completedLines = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').length - 1 : 0);

  it('loses nothing and repeats no completed call', async () => {
    const qs = fakeQueries(8);
    const dir = mkdtempSync(join(tmp, 'kill-'));
    const queries = join(dir, 'queries.jsonl');
    writeFileSync(queries, qs.map((q) => JSON.stringify(q)).join('\n') + '\n');
    const models = join(dir, 'models.json');
    const prices = { alpha: [2, 8], beta: [0.2, 0.6] } as const;
    writeFileSync(
      models,
      JSON.stringify([
        { name: 'alpha', baseUrl: server.url, model: 'alpha', inputPrice: prices.alpha[0], outputPrice: prices.alpha[1], concurrency: 1 },
        { name: 'beta', baseUrl: server.url, model: 'beta', inputPrice: prices.beta[0], outputPrice: prices.beta[1], concurrency: 1 },
      ]),
    );
    const out = join(dir, 'data.jsonl');
    const ledger = ledgerPathFor(out);
    const args = ['synth', 'label', '--queries', queries, '--models', models, '--judge', `${server.url},judge`, '--out', out, '--json', '--concurrency', '1'];

    // Run 1: kill it once a third of the 32 calls are in the ledger.
    const child = run(args);
    const killedBy = await new Promise<NodeJS.Signals | null>((res, rej) => {
      const t = setInterval(() => {
        if (completedLines(ledger) >= 10) {
          clearInterval(t);
          child.kill('SIGKILL');
        }
      }, 5);
      child.on('exit', (_code, signal) => {
        clearInterval(t);
        res(signal);
      });
      child.on('error', rej);
    });
    expect(killedBy).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const first = Ledger.read(ledger).entries;
    expect(first.size).toBeGreaterThanOrEqual(10);
    expect(first.size).toBeLessThan(32);

    // Run 2: to completion.
    const second = run(args);
    let stdout = '';
    let stderr = '';
    second.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    second.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => second.on('exit', (c) => res(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { records: number; calls: { answers: { made: number; replayed: number }; judge: { made: number; replayed: number } } };
    expect(summary.records).toBe(8);
    expect(summary.calls.answers.replayed + summary.calls.judge.replayed).toBe(first.size);
    expect(summary.calls.answers.made + summary.calls.answers.replayed).toBe(16);
    expect(summary.calls.judge.made + summary.calls.judge.replayed).toBe(16);

    // No completed call was made twice: every call in the first run's ledger reached the server once.
    const all = Ledger.read(ledger).entries;
    expect(all.size).toBe(32);
    const answerOf = new Map<string, LedgerEntry<{ text: string }>>();
    for (const e of all.values()) if (e.stage === 'answer') answerOf.set(`${e.key.query}\0${e.key.model}`, e as LedgerEntry<{ text: string }>);
    const promptOf = new Map(qs.map((q) => [q.id, q.prompt]));
    for (const e of first.values()) {
      const q = promptOf.get(String(e.key.query)) as string;
      const text = (answerOf.get(`${e.key.query}\0${e.key.model}`) as LedgerEntry<{ text: string }>).result.text;
      const seen =
        e.stage === 'answer'
          ? server.of('answer').filter((l) => l.model === e.key.model && l.question === q && l.outcome === 'ok')
          : server.of('judge').filter((l) => l.question === q && l.answer === text && l.outcome === 'ok');
      expect(seen, `${e.stage} ${e.key.query} ${e.key.model}`).toHaveLength(1);
    }
    // Only calls in flight at the kill may have reached the server twice (one per client at most).
    const dupAnswers = server.of('answer').length - 16;
    const dupJudge = server.of('judge').length - 16;
    expect(dupAnswers).toBeGreaterThanOrEqual(0);
    expect(dupAnswers).toBeLessThanOrEqual(2);
    expect(dupJudge).toBeLessThanOrEqual(1);

    // The output is complete and right: scores from the judge, costs from the ledger's usage × prices.
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    lines.forEach((line, i) => {
      const rec = JSON.parse(line) as { id: string; prompt: string; task: string; leaf: string; scores: Record<string, number>; costs: Record<string, number> };
      expect(rec.id).toBe(qs[i].id);
      expect(rec.prompt).toBe(qs[i].prompt);
      expect(rec.leaf).toBe(qs[i].leaf);
      expect(rec.task).toBe(qs[i].task);
      for (const m of ['alpha', 'beta'] as const) {
        const a = answerOf.get(`${qs[i].id}\0${m}`) as LedgerEntry<{ text: string }>;
        expect(rec.scores[m]).toBe(fakeJudgeScore(qs[i].reference, a.result.text));
        expect(rec.costs[m]).toBe((a.usage.promptTokens * prices[m][0] + a.usage.completionTokens * prices[m][1]) / 1e6);
        // the usage recorded is what the server reported for that answer
        expect(server.of('answer').some((l) => l.model === m && l.content === a.result.text && l.usage?.prompt_tokens === a.usage.promptTokens && l.usage?.completion_tokens === a.usage.completionTokens)).toBe(true);
      }
    });

    // Run 3: everything from the ledger, no call.
    const n = server.log.length;
    appendFileSync(ledger, '{"id": "torn'); // as if killed mid-write once more
    const third = run(args);
    let out3 = '';
    third.stdout.on('data', (d: Buffer) => (out3 += d.toString()));
    expect(await new Promise<number | null>((res) => third.on('exit', (c) => res(c)))).toBe(0);
    expect(server.log.length).toBe(n);
    expect((JSON.parse(out3) as { calls: { answers: { made: number } } }).calls.answers.made).toBe(0);
  });
});
