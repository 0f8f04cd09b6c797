// `taskroute data inspect|convert` through the built CLI (dist/cli/main.js): output,
// exit codes, and no partial file when convert fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRoutingData } from '../src/data/index.js';
import { Command } from 'commander';
import { addDataOptions, dataLoadOptions, loadDataFromOptions, parsePositiveInt } from '../src/cli/data-options.js';
import { sharedData } from './helpers.js';
import { cleanupTmp, tmpDir, writeJsonl } from './helpers-data.js';

const root = resolve(__dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  // Rebuild dist/ only when a source file is newer (npm test's pretest already did it).
  if (!existsSync(main) || statSync(main).mtimeMs < newestMtime(join(root, 'src')))
    execFileSync('npm', ['run', 'compile:ts'], { cwd: root, stdio: 'ignore' });
}, 120_000);
afterAll(cleanupTmp);

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, TASKROUTE_DEBUG: '' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const rec = (id: string, extra: object = {}) => ({ id, prompt: `prompt ${id}`, task: id < 'r3' ? 'alpha' : 'beta', scores: { m1: 0.5, m2: 1 }, costs: { m1: 0.001, m2: 0.01 }, ...extra });

describe('taskroute data inspect', () => {
  it('prints a readable summary', () => {
    const p = writeJsonl(join(tmpDir(), 'd.jsonl'), [rec('r1', { split: 'train' }), rec('r2', { split: 'train', scores: { m1: 1, m2: 0 } }), rec('r3', { split: 'test' })]);
    const r = cli('data', 'inspect', p);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`source       ${p} (jsonl)\n`);
    expect(r.out).toContain('records      3: train 2, val 0, test 1\n');
    expect(r.out).toContain('costs        as recorded in the file\n');
    expect(r.out).toMatch(/\n {2}m1 +0\.667 +\$0\.00100 +0\.750 +0\.500 +\$0\.00100\n/);
    expect(r.out).toMatch(/\n {2}alpha +2 +2 +0 +0\n/);
    // oracle: r1 → m2 (1), r2 → m1 (1), r3 → m2 (1)
    expect(r.out).toContain('oracle       train 1.000 at $0.00550, test 1.000 at $0.0100 (per-prompt best model, ties to the cheaper)\n');
    // train means m1 0.75, m2 0.5 → m1
    expect(r.out).toContain('best single  m1: train 0.750, test 0.500 at $0.00100 per prompt\n');
  });

  it('--json prints one object; --skip-invalid reports the skips', () => {
    const p = writeJsonl(join(tmpDir(), 'd.jsonl'), [rec('r1'), '{broken', rec('r3', { scores: { m1: 2, m2: 1 } }), rec('r4')]);
    const r = cli('data', 'inspect', p, '--json', '--skip-invalid');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.records).toBe(2);
    expect(s.models.map((m: { name: string }) => m.name)).toEqual(['m1', 'm2']);
    expect(s.notes).toEqual(['skipped 2 invalid records: 1 malformed JSON, 1 score outside [0,1]']);
    expect(s.costNote).toBe('as recorded in the file');
  });

  it('exits 1 with FILE:LINE on bad input and on bad options', () => {
    const p = writeJsonl(join(tmpDir(), 'd.jsonl'), [rec('r1'), rec('r1')]);
    const r = cli('data', 'inspect', p);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`taskroute: ${p}:2: duplicate id "r1" (first at ${p}:1)\n`);
    const f = cli('data', 'inspect', p, '--format', 'xml');
    expect(f.code).toBe(1);
    expect(f.err).toBe(`taskroute: Expected "--format" to be one of 'auto', 'jsonl', 'routerbench', 'llmrouter', received "xml"\n`);
    const dim = cli('data', 'inspect', p, '--embeddings', 'x.f32', '--embedding-dim', 'abc');
    expect(dim.code).toBe(1);
    expect(dim.err).toBe('taskroute: Expected "--embedding-dim" to be an integer >= 1, received "abc"\n');
    const none = cli('data', 'inspect', join(tmpDir(), 'absent.jsonl'));
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/absent\.jsonl: cannot read \(ENOENT/);
  });
});

describe('taskroute data convert', () => {
  it('writes canonical JSONL and says what it wrote', async () => {
    const dir = tmpDir();
    const src = join(dir, 'mini_test.csv');
    writeFileSync(
      src,
      ',sample_id,prompt,eval_name,a,b,a|model_response,b|model_response,a|total_cost,b|total_cost,oracle_model_to_route_to\n' +
        `0,s1,"['two\\nlines, \\'quoted\\'']",arc,1.0,0.0,x,y,0.002,0.0001,a\n` +
        '1,,,,,,,,,,\n' +
        `2,s2,"[""it's""]",arc,0.0,1.0,x,y,0.002,0.0001,b\n`,
    );
    const out = join(dir, 'out', 'canon.jsonl');
    const r = cli('data', 'convert', src, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `wrote 2 records (2 models; train 0, val 0, test 2) to ${out}\n` +
        'costs: measured (RouterBench |total_cost columns, USD)\n' +
        'note: dropped 1 blank row, 0 duplicate sample_id rows (blank: no sample_id, no prompt or an empty score cell)\n',
    );
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { id: 's1', prompt: "two\nlines, 'quoted'", task: 'arc', scores: { a: 1, b: 0 }, costs: { a: 0.002, b: 0.0001 }, split: 'test' },
      { id: 's2', prompt: "it's", task: 'arc', scores: { a: 0, b: 1 }, costs: { a: 0.002, b: 0.0001 }, split: 'test' },
    ]);
    const back = await loadRoutingData(out);
    expect(back.ids).toEqual(['s1', 's2']);
  });

  it('leaves no file (and an existing one untouched) when the input is bad', () => {
    const dir = tmpDir();
    const p = writeJsonl(join(dir, 'bad.jsonl'), [rec('r1'), rec('r2'), rec('r3', { costs: { m1: -5, m2: 0 } })]);
    const out = join(dir, 'out.jsonl');
    const r = cli('data', 'convert', p, '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`taskroute: ${p}:3: record "r3": cost for model "m1" is negative: -5\n`);
    expect(existsSync(out)).toBe(false);
    writeFileSync(out, 'old\n');
    expect(cli('data', 'convert', p, '--out', out).code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('old\n');
    expect(readdirSync(dir).sort()).toEqual(['bad.jsonl', 'out.jsonl']);
    const missingOut = cli('data', 'convert', p);
    expect(missingOut.code).toBe(1);
    expect(missingOut.err).toContain("required option '--out <path>' not specified");
  });
});

const shared = sharedData();
if (!shared) console.warn('skipping the CLI runs on the real data sets: shared/data not found (set TASKROUTE_DATA)');
describe.skipIf(!shared)('taskroute data on the real data sets', () => {
  it('inspects RouterBench and LLMRouter', () => {
    const rb = cli('data', 'inspect', join(shared!, 'routerbench'));
    expect(rb.code).toBe(0);
    expect(rb.out).toContain('records      3150: train 2205, val 0, test 945\n');
    expect(rb.out).toContain('best single  gpt-4-1106-preview: train 0.879, test 0.879 at $0.00500 per prompt\n');
    const lr = cli('data', 'inspect', join(shared!, 'llmrouter'), '--json');
    expect(lr.code).toBe(0);
    const s = JSON.parse(lr.out);
    expect(s.splits).toEqual({ train: 5608, val: 0, test: 500 });
    expect(s.bestSingle.model).toBe('llama-3.1-nemotron-51b-instruct');
    expect(s.costNote).toBe('estimated: ceil(chars/4) input tokens, 256 output tokens, × default_llm.json prices (USD per million tokens)');
  });
});

describe('shared data options (src/cli/data-options.ts)', () => {
  it('adds the options and turns them into loadRoutingData options', async () => {
    const cmd = addDataOptions(new Command('x').exitOverride());
    cmd.parse(['--data', 'd.jsonl', '--skip-invalid', '--embeddings', 'e.f32', '--embedding-dim', '8'], { from: 'user' });
    const o = cmd.opts();
    expect(o).toEqual({ data: 'd.jsonl', format: 'auto', skipInvalid: true, embeddings: 'e.f32', embeddingDim: '8' });
    const lo = dataLoadOptions(o);
    expect({ ...lo, progress: undefined }).toEqual({ format: 'auto', skipInvalid: true, embeddingsFile: 'e.f32', embeddingDim: 8, progress: undefined });
    expect(() => dataLoadOptions({ embeddingDim: '8' })).toThrow('--embedding-dim needs --embeddings <file>');
    expect(() => parsePositiveInt('--k', '0')).toThrow('Expected "--k" to be an integer >= 1, received "0"');
    expect(() => parsePositiveInt('--k', '2.5')).toThrow('Expected "--k" to be an integer >= 1, received "2.5"');
    await expect(loadDataFromOptions({})).rejects.toThrow('missing --data <path> (canonical JSONL, RouterBench CSV or LLMRouter data)');
    const p = writeJsonl(join(tmpDir(), 'd.jsonl'), [rec('r1'), '{bad']);
    const d = await loadDataFromOptions({ data: p, skipInvalid: true, format: 'jsonl' });
    expect(d.ids).toEqual(['r1']);
  });
});
