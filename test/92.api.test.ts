// The library API: Router.train / save / load / route (λ, budget, floor, explain) / routeEmbeddings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Router } from '../src/api.js';
import { withValidation } from '../src/data/index.js';
import { syntheticRoutingData } from '../src/eval/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'tr-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = withValidation(syntheticRoutingData({ nTrain: 600, nTest: 100, seed: 5 }), 0.1, 0);
const prompts = data.prompts.slice(-20);

describe('Router API', async () => {
  const router = await Router.train(data, { method: 'finerouter', options: { moeFolds: 2, epochs: 20 }, seed: 1 });

  it('saves and loads to identical decisions, keeping metadata', async () => {
    const p = join(dir, 'r.safetensors');
    await router.save(p);
    const back = await Router.load(p);
    expect(back.method).toBe('finerouter');
    expect(back.models).toEqual(data.models);
    expect(back.costRef).toBe(router.costRef);
    expect(back.training).toEqual(router.training);
    const a = await router.route(prompts, { lambda: 0.5 });
    const b = await back.route(prompts, { lambda: 0.5 });
    expect(b.decisions).toEqual(a.decisions);
    expect(back.diagnostics().tasks).toBe(router.diagnostics().tasks);
  });

  it('λ trades quality for cost; the budget is met; the floor picks the cheapest model that clears it', async () => {
    const q0 = await router.route(prompts, { lambda: 0 });
    const q9 = await router.route(prompts, { lambda: 1000 });
    expect(q9.estimatedCost).toBeLessThanOrEqual(q0.estimatedCost);
    const budget = (q0.estimatedCost + q9.estimatedCost) / 2;
    const b = await router.route(prompts, { budget });
    expect(b.estimatedCost).toBeLessThanOrEqual(budget + 1e-12);
    expect(b.feasible).toBe(true);
    const f = await router.route(prompts, { minQuality: 0.5, explain: true });
    for (const d of f.decisions) {
      const clear = d.estimates!.filter((e) => e.quality >= 0.5);
      if (clear.length) expect(d.cost).toBe(Math.min(...clear.map((e) => e.cost)));
      expect(d.tasks!.length).toBeGreaterThan(0);
    }
    const e = await router.route('one prompt only');
    expect(e.decisions).toHaveLength(1);
  });

  it('routeEmbeddings gives the same decisions as route', async () => {
    const X = await router.embed(prompts);
    const a = await router.route(prompts, { lambda: 2 });
    const b = await router.routeEmbeddings(X, prompts.length, { lambda: 2 });
    expect(b.decisions).toEqual(a.decisions);
  });

  it('rejects bad input with exact messages', async () => {
    await expect(router.route(prompts, { lambda: 1, budget: 1 })).rejects.toThrow(/at most one of "lambda", "budget", "minQuality"/);
    await expect(router.route(prompts, { lambda: Number.NaN })).rejects.toThrow(/"lambda" to be a finite number/);
    await expect(router.route(prompts, { minQuality: 2 })).rejects.toThrow(/"minQuality" to be a number in \[0, 1\]/);
    await expect(router.route([1 as unknown as string])).rejects.toThrow(/"prompts\[0\]" to be a string/);
    await expect(router.routeEmbeddings(new Float32Array(3), 1)).rejects.toThrow(/"X.length"/);
    await expect(Router.load(join(dir, 'missing.safetensors'))).rejects.toThrow(/cannot read the router file/);
    await expect(Router.train(data, { method: 'oracle' })).rejects.toThrow(/reads the test labels/);
  });
});
