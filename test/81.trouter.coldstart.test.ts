// The cold-start protocol on the real LLMRouter data (30 train + 10 validation prompts per
// task, the whole test split): trouter, its ablations and the baselines run end to end
// through runCompare with the builtin embedder; trouter's taxonomy is derived from the task
// labels with the shipped domain mapping, its recogniser finds the tasks, and its utility
// sum is above metric's, adaptive's, knn's and both ablations'. Also the same protocol
// through the CLI (`taskroute compare --cold-start 30/10 --json`). Skips without the data.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyColdStart } from '../src/coldstart.js';
import { loadRoutingData } from '../src/data/index.js';
import { createEmbedder } from '../src/embed/index.js';
import { runCompare } from '../src/eval/compare.js';
import type { CompareResult } from '../src/eval/types.js';
import { silentProgress } from '../src/progress.js';
import { sharedData } from './helpers.js';

const shared = sharedData();
const dir = shared && join(shared, 'llmrouter');
const have = !!dir && existsSync(join(dir, 'dcrouter_train.json'));
if (!have) console.warn(`skipping the LLMRouter cold-start tests: ${dir ?? 'the shared data directory (set TASKROUTE_DATA)'} is absent`);

const METHODS = ['trouter', 'trouter-no-task', 'trouter-no-prior', 'metric', 'adaptive', 'knn'];

describe.skipIf(!have)('TRouter cold start on LLMRouter (30/10 per task)', () => {
  let res: CompareResult;
  beforeAll(async () => {
    const data = applyColdStart(await loadRoutingData(dir!), { perTask: 30, valPerTask: 10 }, 0);
    res = await runCompare({ data, methods: METHODS, embedder: createEmbedder({ kind: 'builtin' }), seed: 0, progress: silentProgress, threads: 2 });
  }, 120_000);

  const sum = (name: string) => res.routers.find((r) => r.name === name)!.utilities.sum;

  it('trains on 30 + 10 prompts per task and scores the whole test split', () => {
    expect(res.nTrain).toBe(14 * 30);
    expect(res.nVal).toBe(14 * 10);
    expect(res.nTest).toBe(500);
    expect(res.routers.map((r) => r.name)).toEqual(METHODS);
  });

  it('derives the taxonomy from the task labels and recognises the tasks', () => {
    const d = res.routers.find((r) => r.name === 'trouter')!.diagnostics!;
    expect(d.taxonomy).toBe('derived from the task labels with the built-in LLMRouter domain mapping');
    expect(d.leaves).toBe(14);
    expect(d.priorRows).toBe(420);
    expect(d.recogniserRows).toBe(140);
    expect(d.recogniserTop1 as number).toBeGreaterThan(0.6);
    expect(d.recogniserTop5 as number).toBeGreaterThan(0.85);
    expect(String(d.calibration)).toMatch(/^τ × /);
  });

  it("trouter's utility sum is above metric, adaptive, knn and both ablations", () => {
    for (const m of ['metric', 'adaptive', 'knn', 'trouter-no-task', 'trouter-no-prior']) expect(sum('trouter'), m).toBeGreaterThan(sum(m));
    expect(sum('trouter')).toBeGreaterThan(sum('adaptive') + 0.05);
    for (const r of res.routers) {
      const u = r.utilities;
      expect(u.sum).toBeCloseTo(u.costFirst + u.balanced + u.performanceFirst, 12);
      expect(r.nAUC).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(!have)('taskroute compare --cold-start with trouter', () => {
  it('runs end to end from the CLI and passes scoped options to the router', () => {
    const main = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
    expect(existsSync(main)).toBe(true);
    const r = spawnSync(
      process.execPath,
      [main, 'compare', '--data', dir!, '--methods', 'trouter,adaptive', '--cold-start', '10/5', '--option', 'trouter.epochs=3', '--option', 'trouter.beta=0.5', '--threads', '2', '--json'],
      { encoding: 'utf8', env: { ...process.env, TASKROUTE_DEBUG: '' } },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as CompareResult;
    expect(out.nTrain).toBe(140);
    const t = out.routers.find((x) => x.name === 'trouter')!;
    expect(t.diagnostics!.beta).toBe(0.5);
    expect(t.diagnostics!.epochs as number).toBeLessThanOrEqual(3);
  }, 60_000);
});
