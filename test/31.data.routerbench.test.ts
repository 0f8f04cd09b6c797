// RouterBench CSV: the reference figures on the real files, the Python string literal
// parser, blank and duplicate rows, split by file name, line numbers across quoted newlines.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRoutingData, parsePythonString, parsePythonStringList, PythonLiteralError, rowsOf, summarize } from '../src/data/index.js';
import { SPLIT_CODES } from '../src/data/types.js';
import { sharedData } from './helpers.js';
import { cleanupTmp, errorOf, routerbenchCsv, tmpDir } from './helpers-data.js';

afterAll(cleanupTmp);

describe('Python string literals', () => {
  // expected values from Python's ast.literal_eval on the same text
  const cases: [string, string[]][] = [
    ["['hello']", ['hello']],
    [`["it's"]`, ["it's"]],
    ["['it\\'s']", ["it's"]],
    ["['a\\nb\\tc\\\\d']", ['a\nb\tc\\d']],
    ["['\\x41\\x7f\\xe9']", ['A\x7f\u00e9']],
    ["['\\u00e9\\u4e2d']", ['\u00e9\u4e2d']],
    ["['\\U0001F600']", ['\ud83d\ude00']],
    ["['\\101\\60\\0']", ['A0\0']],
    ["['\\d\\w unknown']", ['\\d\\w unknown']],
    [`['a' 'b', "c"]`, ['ab', 'c']],
    ["[r'raw\\n\\'q']", ["raw\\n\\'q"]],
    ["['''tri'ple''']", ["tri'ple"]],
    ['["""x"y"""]', ['x"y']],
    ["['trail',]", ['trail']],
    ['[]', []],
    ["  [ 'sp' ]  ", ['sp']],
    ["['line\\\ncont']", ['linecont']],
    ["['\\a\\b\\f\\v\\r']", ['\x07\b\f\v\r']],
    [`['"dq" inside']`, ['"dq" inside']],
    ["['\\\\\\\\']", ['\\\\']],
    [`["a\\"b", 'c\\'d']`, ['a"b', "c'd"]],
  ];
  for (const [text, want] of cases) it(`parses ${text}`, () => expect(parsePythonStringList(text)).toEqual(want));

  it('rejects what is not a list of string literals, with the offset', () => {
    const bad: [string, string][] = [
      ["['open", 'unterminated string literal at offset 1'],
      ["['a'", 'unterminated list literal at offset 4'],
      ["['a' 1]", 'expected "," or "]" at offset 5'],
      ["['a'] x", 'unexpected text after the list literal at offset 6'],
      ["[b'bytes']", 'expected a string literal at offset 1'],
      ["['\\x4']", 'truncated \\x escape (expected 2 hex digits) at offset 2'],
      ["['\\u12']", 'truncated \\u escape (expected 4 hex digits) at offset 2'],
      ["['\\U00110000']", '\\U escape out of range (0x110000) at offset 2'],
      ["['\\N{BULLET}']", 'unsupported \\N{…} escape (named Unicode characters) at offset 2'],
      ["['a\nb']", 'newline inside a single-quoted string literal at offset 3'],
      ["'not a list'", 'expected "[" (a Python list literal) at offset 0'],
      ['[1]', 'expected a string literal at offset 1'],
    ];
    for (const [text, msg] of bad) {
      let err: unknown;
      try {
        parsePythonStringList(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(PythonLiteralError);
      expect((err as Error).message, text).toBe(msg);
    }
    expect(parsePythonString(`'a' "b"`)).toBe('ab');
  });
});

describe('RouterBench CSV (synthetic)', () => {
  const models = ['org/m1', 'm2'];

  it('reads models, measured costs, tasks, Python-literal prompts; drops blank and duplicate rows', async () => {
    const dir = tmpDir();
    const p = join(dir, 'mini_test.csv');
    writeFileSync(
      p,
      routerbenchCsv(models, [
        { id: 's1', prompt: "['line one\\nline \"two\"', ]", task: 'arc', scores: [1, 0], costs: [0.5, 0.25] },
        { id: 's2', prompt: `["it's, quoted"]`, task: 'mbpp', scores: [0.5, 1], costs: [1e-5, 2e-5] },
        { id: '', prompt: "['no id']", scores: [1, 1], costs: [1, 1] },
        { id: 's3', prompt: "['half row']", scores: ['', 1], costs: [1, 1] },
        { id: 's1', prompt: "['repeat']", scores: [0, 0], costs: [1, 1] },
        { id: 's4', prompt: '[INST] a plain prompt', scores: [0, 1], costs: [0, 0] },
        { id: 's5', prompt: "['first', 'second']", scores: [0, 0], costs: [0, 0] },
        { id: 's6', prompt: "['']", scores: [0, 0], costs: [0, 0] },
      ]),
    );
    const d = await loadRoutingData(p);
    expect(d.format).toBe('routerbench');
    expect(d.models).toEqual(models);
    expect(d.ids).toEqual(['s1', 's2', 's4', 's5']);
    expect(d.prompts).toEqual(['line one\nline "two"', "it's, quoted", '[INST] a plain prompt', 'first\n\nsecond']);
    expect(d.tasks).toEqual(['arc', 'mbpp', 'task', 'task']);
    expect(Array.from(d.scores)).toEqual([1, 0, 0.5, 1, 0, 1, 0, 0]);
    expect(Array.from(d.costs)).toEqual([0.5, 0.25, Math.fround(1e-5), Math.fround(2e-5), 0, 0, 0, 0]);
    expect(d.hasCosts).toBe(true);
    expect(d.costNote).toBe('measured (RouterBench |total_cost columns, USD)');
    expect(Array.from(d.splits)).toEqual([2, 2, 2, 2]);
    expect(d.notes).toEqual([
      'dropped 3 blank rows, 1 duplicate sample_id row (blank: no sample_id, no prompt or an empty score cell)',
      '1 prompt held several strings, joined with blank lines',
    ]);
  });

  it('takes the split from _train/_test names and hashes the rest; line numbers count quoted newlines', async () => {
    const dir = tmpDir();
    // plain (non-literal) prompts spanning three lines inside quoted CSV fields
    const row = (id: string) => ({ id, prompt: 'multi\nline\ncell', scores: [0.5, 0.5], costs: [0, 0] });
    writeFileSync(join(dir, 'a_train.csv'), routerbenchCsv(models, [row('t1'), row('t2')]));
    writeFileSync(join(dir, 'b_test.csv'), routerbenchCsv(models, [row('u1')]));
    writeFileSync(join(dir, 'c.csv'), routerbenchCsv(models, [row('r9'), row('a')]));
    const d = await loadRoutingData(dir);
    expect(d.ids).toEqual(['t1', 't2', 'u1', 'r9', 'a']);
    expect(d.prompts[0]).toBe('multi\nline\ncell');
    // r9 hashes to test, a to train (sha1, see 30.data.jsonl)
    expect(Array.from(d.splits)).toEqual([0, 0, 2, 2, 0]);
    expect(d.notes).toEqual(['hash split (sha1 of sample_id) for c.csv: no _train/_val/_test in the name']);
    // A raw newline inside a single-quoted literal (Python repr never writes one) is an
    // error, reported at the line its row starts on: rows 2-4 and 5-7 hold r9 and a.
    writeFileSync(join(dir, 'c.csv'), routerbenchCsv(models, [row('r9'), row('a'), { id: 'bad', prompt: "['x\ny']", scores: [1, 1], costs: [0, 0] }]));
    const err = await errorOf(loadRoutingData(join(dir, 'c.csv')));
    expect(err.message).toBe(`${join(dir, 'c.csv')}:8: record "bad": the prompt cell is not a Python list of strings (newline inside a single-quoted string literal at offset 3)`);
  });

  it('reports bad cells at the line their row starts on', async () => {
    const dir = tmpDir();
    const p = join(dir, 'x_test.csv');
    writeFileSync(
      p,
      routerbenchCsv(models, [
        { id: 's1', prompt: "['ok\\nfine']", scores: [1, 0], costs: [0, 0] },
        { id: 's2', prompt: 'plain\nmulti\nline', scores: [1, 0], costs: [0, 0] },
        { id: 's3', prompt: "['x']", scores: [1.5, 0], costs: [0, 0] },
      ]),
    );
    expect((await errorOf(loadRoutingData(p))).message).toBe(`${p}:6: record "s3": score for model "org/m1" is outside [0, 1]: 1.5`);
    const cases: [(number | string)[], (number | string)[], string][] = [
      [['abc', 0], [0, 0], 'record "s3": score for model "org/m1" is not a number: "abc"'],
      [['nan', 0], [0, 0], 'record "s3": score for model "org/m1" is not finite: NaN'],
      [[0, 0], [-0.1, 0], 'record "s3": cost for model "org/m1" is negative: -0.1'],
      [[0, 0], [0, 'inf'], 'record "s3": cost for model "m2" is not finite: Infinity'],
      [[0, 0], [0, ''], 'record "s3" has no cost for model "m2"'],
    ];
    for (const [scores, costs, msg] of cases) {
      writeFileSync(
        p,
        routerbenchCsv(models, [
          { id: 's1', prompt: "['ok']", scores: [1, 0], costs: [0, 0] },
          { id: 's2', prompt: 'plain\nmulti\nline', scores: [1, 0], costs: [0, 0] },
          { id: 's3', prompt: "['x']", scores, costs },
        ]),
      );
      const e = await errorOf(loadRoutingData(p));
      expect(e.code).toBe('ERR_TASKROUTE_DATA');
      expect(e.message).toBe(`${p}:6: ${msg}`);
    }
    writeFileSync(p, `${routerbenchCsv(models, [{ id: 's1', prompt: "['ok']", scores: [1, 0], costs: [0, 0] }])}1,s2,short row\n`);
    expect((await errorOf(loadRoutingData(p))).message).toBe(`${p}:3: row has 3 cells, the header has 11`);
    writeFileSync(p, 'sample_id,m1\ns1,1\n');
    expect((await errorOf(loadRoutingData(p))).message).toBe(`${p}:1: no "prompt" column (is this a RouterBench CSV?)`);
    writeFileSync(p, 'sample_id,prompt,m1,m2,m1|total_cost\ns1,x,1,1,0\n');
    expect((await errorOf(loadRoutingData(p))).message).toBe(`${p}:1: no "m2|total_cost" column, while other models have costs`);
    writeFileSync(p, 'sample_id,prompt,m1\ns1,"unclosed,1\n');
    expect((await errorOf(loadRoutingData(p))).message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: malformed CSV \\(`));
  });

  it('requires the same models in every file of a directory', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'a_train.csv'), routerbenchCsv(['m1', 'm2'], [{ id: 'a', prompt: "['p']", scores: [1, 1], costs: [0, 0] }]));
    writeFileSync(join(dir, 'b_test.csv'), routerbenchCsv(['m1', 'm3'], [{ id: 'b', prompt: "['p']", scores: [1, 1], costs: [0, 0] }]));
    expect((await errorOf(loadRoutingData(dir))).message).toBe(`${join(dir, 'b_test.csv')}:1: model "m3" is not in the files read before`);
  });
});

const shared = sharedData();
if (!shared) console.warn('skipping the RouterBench reference figures: shared/data not found (set TASKROUTE_DATA)');
describe.skipIf(!shared)('RouterBench CSV (real files in shared/data/routerbench)', () => {
  it('reproduces the reference figures of the data README', async () => {
    const d = await loadRoutingData(join(shared!, 'routerbench'));
    expect(d.format).toBe('routerbench');
    expect(d.models).toHaveLength(11);
    expect(d.models).toContain('gpt-4-1106-preview');
    expect(d.models).toContain('WizardLM/WizardLM-13B-V1.2');
    expect(rowsOf(d, 'test').length).toBe(945);
    expect(rowsOf(d, 'train').length).toBe(2205);
    expect(rowsOf(d, 'val').length).toBe(0);
    expect(d.hasCosts).toBe(true);
    const s = summarize(d);
    expect(s.bestSingle!.model).toBe('gpt-4-1106-preview');
    expect(s.bestSingle!.test!.quality).toBeCloseTo(0.879, 3);
    expect(Math.abs(s.bestSingle!.test!.cost - 0.005)).toBeLessThan(0.0001);
    expect(Math.abs(s.oracle.test!.quality - 0.976)).toBeLessThanOrEqual(0.001);
    expect(s.tasks.map((t) => t.name).sort()).toEqual(['arc-challenge', 'mbpp', 'winogrande']);
    expect(d.notes[0]).toBe('dropped 28 blank rows, 0 duplicate sample_id rows (blank: no sample_id, no prompt or an empty score cell)');
    // prompts are decoded from the Python literal: no list brackets or escaped newlines remain
    const i = d.ids.indexOf('arc-challenge.test.1');
    expect(d.splits[i]).toBe(SPLIT_CODES.test);
    expect(d.prompts[i].startsWith('George wants to warm his hands quickly by rubbing them.')).toBe(true);
    expect(d.prompts[i]).toContain('\nA) dry palms\nB) wet palms\n');
    expect(d.prompts.some((p) => p.startsWith("['") || p.includes('\\n'))).toBe(false);
  });

  it('reads one file alone, its split from the name', async () => {
    const d = await loadRoutingData(join(shared!, 'routerbench', 'mbpp_test.csv'));
    expect(d.n).toBe(128);
    expect(Array.from(new Set(d.splits))).toEqual([SPLIT_CODES.test]);
    expect(d.notes).toEqual([]);
  });
});
