// The HTML report opened in headless Chromium: one series per router with every point,
// points placed as their costs (log axis) and qualities say, single-model and oracle
// markers, hostile names escaped, no network request and no console error.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompare } from '../src/eval/compare.js';
import { renderReport } from '../src/eval/report.js';
import { syntheticRoutingData } from '../src/eval/synthetic.js';
import type { CompareResult } from '../src/eval/types.js';
import { writeFileAtomicSync } from '../src/fsutil.js';
import { silentProgress } from '../src/progress.js';
import '../src/routers/index.js';
import { hashEmbedder } from './helpers-eval.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`45.report.chromium: skipped, no Chromium at ${CHROMIUM}`);

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HOSTILE = `<img src=x onerror="window.__pwned=1">&'"`;

interface Drawn {
  cost: number;
  quality: number;
  x: number;
  y: number;
}

describe.skipIf(!hasChromium)('the report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let result: CompareResult;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  let fileUrl: string;

  beforeAll(async () => {
    const data = syntheticRoutingData({ nTrain: 600, nTest: 200, seed: 5 });
    result = await runCompare({
      data,
      methods: ['random', 'cheapest', 'best-single', 'oracle', 'kmeans'],
      embedder: hashEmbedder(64),
      seed: 2,
      progress: silentProgress,
      routerOptions: { kmeans: { ks: [8] } },
    });
    // a hostile model name must arrive as text, never as markup
    const renamed = result.models[1];
    const rename = (m: string) => (m === renamed ? HOSTILE : m);
    result = {
      ...result,
      models: result.models.map(rename),
      singles: result.singles!.map((s) => ({ ...s, model: rename(s.model) })),
      routers: result.routers.map((r) => ({
        ...r,
        shares: r.shares && {
          atMaxQuality: Object.fromEntries(Object.entries(r.shares.atMaxQuality).map(([k, v]) => [rename(k), v])),
          atBalanced: Object.fromEntries(Object.entries(r.shares.atBalanced).map(([k, v]) => [rename(k), v])),
        },
      })),
    };
    dir = mkdtempSync(join(tmpdir(), 'taskroute-report-'));
    const file = join(dir, 'report.html');
    writeFileAtomicSync(file, renderReport(result));
    fileUrl = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(fileUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws one series per router with one circle per realised point', async () => {
    const series = await page.$$eval('svg.chart g.series', (gs) =>
      gs.map((g) => ({ router: g.getAttribute('data-router'), points: Number(g.getAttribute('data-points')), circles: g.querySelectorAll('circle.point').length })),
    );
    expect(series.map((s) => s.router)).toEqual(result.routers.map((r) => r.name));
    for (const s of series) {
      expect(s.points).toBe(61);
      expect(s.circles).toBe(61);
    }
  });

  it('places the points by cost on a log axis and by quality on a linear one', async () => {
    for (const r of result.routers) {
      const drawn: Drawn[] = await page.$$eval(`svg.chart g.series[data-router="${r.name}"] circle.point`, (cs) =>
        cs.map((c) => {
          const b = c.getBoundingClientRect();
          return { cost: Number(c.getAttribute('data-cost')), quality: Number(c.getAttribute('data-quality')), x: b.x + b.width / 2, y: b.y + b.height / 2 };
        }),
      );
      // the attributes carry exactly the result's numbers
      expect(drawn.map((d) => [d.cost, d.quality])).toEqual(r.points.map((p) => [p.cost, p.quality]));
      for (const a of drawn)
        for (const b of drawn) {
          if (b.cost > a.cost * 1.02) expect(b.x).toBeGreaterThan(a.x);
          if (b.quality > a.quality + 0.005) expect(b.y).toBeLessThan(a.y);
        }
    }
    // all markers together: x is affine in log10(cost), not in cost
    const all: Drawn[] = await page.$$eval('svg.chart circle.point, svg.chart g.single rect', (els) =>
      els.map((e) => {
        const b = e.getBoundingClientRect();
        const g = e.tagName === 'rect' ? e.parentElement! : e;
        return { cost: Number(g.getAttribute('data-cost')), quality: Number(g.getAttribute('data-quality')), x: b.x + b.width / 2, y: b.y + b.height / 2 };
      }),
    );
    const fit = (f: (c: number) => number) => {
      const xs = all.map((d) => f(d.cost));
      const ys = all.map((d) => d.x);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      let sxy = 0;
      let sxx = 0;
      xs.forEach((x, k) => {
        sxy += (x - mx) * (ys[k] - my);
        sxx += (x - mx) ** 2;
      });
      const slope = sxy / sxx;
      return Math.max(...xs.map((x, k) => Math.abs(my + slope * (x - mx) - ys[k])));
    };
    expect(all.every((d) => d.cost > 0)).toBe(true);
    expect(fit(Math.log10)).toBeLessThan(1);
    expect(fit((c) => c)).toBeGreaterThan(20);
    // readable dollar tick labels on the cost axis
    const ticks = await page.$$eval('svg.chart text.tick.x', (ts) => ts.map((t) => t.textContent));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const t of ticks) expect(t).toMatch(/^\$\d+(\.\d+)?$/);
    expect(await page.textContent('svg.chart')).toContain('log scale');
  });

  it('marks every single model, the best single model and the oracle', async () => {
    const singles = await page.$$eval('svg.chart g.single', (gs) =>
      gs.map((g) => ({ model: g.getAttribute('data-model'), best: g.classList.contains('best'), quality: Number(g.getAttribute('data-quality')), label: g.querySelector('text')!.textContent })),
    );
    expect(singles.map((s) => s.model).sort()).toEqual([...result.models].sort());
    expect(singles.filter((s) => s.best).map((s) => s.model)).toEqual([result.bestSingle.model]);
    // the hostile name came through as text
    expect(singles.find((s) => s.model === HOSTILE)!.label).toBe(HOSTILE);
    const oracle = await page.$$eval('svg.chart g.oracle', (gs) => gs.map((g) => Number(g.getAttribute('data-quality'))));
    expect(oracle).toEqual([result.oracle.quality]);
    expect(await page.$$eval('svg.chart .legend-item', (ls) => ls.map((l) => l.getAttribute('data-router')))).toEqual(result.routers.map((r) => r.name));
  });

  it('renders the tables, the shares and the synthetic label; injects nothing', async () => {
    expect(await page.$$eval('table.metrics tbody tr', (rs) => rs.map((r) => r.getAttribute('data-router')))).toEqual(result.routers.map((r) => r.name));
    expect(await page.$$eval('table.per-task tbody tr', (rs) => rs.length)).toBe(result.routers[0].perTask!.length);
    const bars = await page.$$eval('svg.shares g.share-bar', (gs) =>
      gs.map((g) => [...g.querySelectorAll('rect.share')].reduce((a, r) => a + Number(r.getAttribute('data-share')), 0)),
    );
    expect(bars.length).toBe(2 * result.routers.length);
    for (const b of bars) expect(b).toBeCloseTo(1, 9);
    expect(await page.textContent('.banner.synthetic')).toContain('not results of real LLMs');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$eval('img', (i) => i.length)).toBe(0);
    expect(await page.$$eval('script', (s) => s.length)).toBe(1);
  });

  it('hovering a legend entry fades the other series', async () => {
    await page.hover(`svg.chart .legend-item[data-router="kmeans"]`);
    const faded = await page.$$eval('svg.chart g.series', (gs) => gs.map((g) => [g.getAttribute('data-router'), g.classList.contains('on')]));
    expect(faded.filter(([, on]) => on).map(([r]) => r)).toEqual(['kmeans']);
    expect(await page.$eval('svg.chart', (s) => s.classList.contains('focus'))).toBe(true);
  });

  it('made no network request and logged no console error', () => {
    expect(requests).toEqual([fileUrl]);
    expect(consoleErrors).toEqual([]);
  });
});
