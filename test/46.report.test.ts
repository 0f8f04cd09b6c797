// The report as text (no browser): escaping, self-containment, data attributes, labels
// for synthetic data and estimated costs, a result without costs, number formatting.
import { describe, expect, it } from 'vitest';
import { escapeHtml, formatUsd, renderChart, renderReport } from '../src/eval/report.js';
import type { CompareResult, RouterResult } from '../src/eval/types.js';

function router(name: string, points: [number, number][], extra: Partial<RouterResult> = {}): RouterResult {
  return {
    name,
    maxQuality: Math.max(...points.map((p) => p[1])),
    nAUC: 0.5,
    costToMatchBest: null,
    gapRecovered: 0.25,
    utilities: { costFirst: 0.1, balanced: 0.2, performanceFirst: 0.3, sum: 0.6 },
    points: points.map(([cost, quality], k) => ({ lambda: k, cost, quality })),
    trainSeconds: 0.5,
    estimateSeconds: 0.001,
    shares: { atMaxQuality: { a: 0.25, 'b<&>': 0.75 }, atBalanced: { a: 1, 'b<&>': 0 } },
    perTask: [{ task: '<task>', n: 3, bestSingleQuality: 0.5, oracleQuality: 0.9, quality: 0.7, cost: 0.002 }],
    ...extra,
  };
}

const base: CompareResult = {
  data: 'data/<x>.jsonl',
  nTrain: 10,
  nTest: 3,
  models: ['a', 'b<&>'],
  bestSingle: { model: 'b<&>', quality: 0.8, cost: 0.004 },
  oracle: { quality: 0.9, cost: 0.002 },
  routers: [
    router('knn"><script>alert(1)</script>', [
      [0.001, 0.5],
      [0.002, 0.7],
      [0.003, 0.85],
    ]),
    router('plain', [[0.0005, 0.4]], { costToMatchBest: 0.42 }),
  ],
  singles: [
    { model: 'a', quality: 0.4, cost: 0.0005 },
    { model: 'b<&>', quality: 0.8, cost: 0.004 },
  ],
  notes: ['note with <b>markup</b>'],
  seed: 3,
  embedder: 'builtin:dim=256',
  costNote: 'estimated from the price table (no token counts)',
};

describe('renderReport', () => {
  const html = renderReport(base);

  it('is one self-contained document: no URL but the SVG namespace, a CSP that forbids fetching', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const urls = html.match(/\b(?:https?|ftp):\/\/[^\s"'<>)]+/g) ?? [];
    expect([...new Set(urls)]).toEqual(['http://www.w3.org/2000/svg']);
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/<link\b|@import|url\(|<img\b|src=/);
  });

  it('escapes every name from the data', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('data-router="knn&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('data-model="b&lt;&amp;&gt;"');
    expect(html).toContain('&lt;task&gt;');
    expect(html).toContain('note with &lt;b&gt;markup&lt;/b&gt;');
    expect(html).toContain('data/&lt;x&gt;.jsonl');
    // exactly one script element: the inline hover helper
    expect(html.match(/<script>/g)!.length).toBe(1);
  });

  it('shows "never" for a null costToMatchBest, the multiple otherwise, and labels estimated costs', () => {
    expect(html).toContain('>never<');
    expect(html).toContain('0.420×');
    expect(html).toContain('every cost shown is an estimate');
    expect(html).toContain('estimated, not measured');
    expect(html).not.toContain('banner synthetic');
    expect(renderReport({ ...base, synthetic: true })).toContain('These are not results of real LLMs');
  });
});

describe('renderChart', () => {
  it('marks each series and point with data attributes', () => {
    const svg = renderChart(base);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g class="series"/g)!.length).toBe(2);
    expect(svg).toContain('data-points="3"');
    expect(svg.match(/<circle class="point"/g)!.length).toBe(4);
    expect(svg).toContain('data-cost="0.002" data-quality="0.7"');
    expect(svg).toContain('data-x-scale="log"');
    expect(svg.match(/<g class="single( best)?"/g)!.length).toBe(2);
    expect(svg).toContain('<g class="single best" data-model="b&lt;&amp;&gt;"');
    expect(svg).toContain('<g class="oracle" data-cost="0.002" data-quality="0.9">');
  });

  it('draws a result without costs on a linear axis at $0, and says so', () => {
    const zero: CompareResult = {
      ...base,
      costNote: 'no costs in the data: every cost is 0',
      bestSingle: { ...base.bestSingle, cost: 0 },
      oracle: { ...base.oracle, cost: 0 },
      singles: base.singles!.map((s) => ({ ...s, cost: 0 })),
      routers: [router('r', [[0, 0.6]])],
    };
    const svg = renderChart(zero);
    expect(svg).toContain('data-x-scale="linear"');
    expect(svg).toContain('no cost data: every cost is $0');
    expect(svg).not.toContain('NaN');
  });

  it('a single cost value still gets a usable log axis', () => {
    const one: CompareResult = {
      ...base,
      bestSingle: { ...base.bestSingle, cost: 0.001 },
      oracle: { ...base.oracle, cost: 0.001 },
      singles: base.singles!.map((s) => ({ ...s, cost: 0.001 })),
      routers: [router('r', [[0.001, 0.6]])],
    };
    const svg = renderChart(one);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('$0.001');
  });
});

describe('formatting and escaping', () => {
  it('formatUsd writes fixed notation with the significant digits asked for', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.0001, 1)).toBe('$0.0001');
    expect(formatUsd(0.00451)).toBe('$0.00451');
    expect(formatUsd(0.0045099)).toBe('$0.00451');
    expect(formatUsd(0.002)).toBe('$0.002');
    expect(formatUsd(12.5)).toBe('$12.5');
    expect(formatUsd(1500)).toBe('$1500');
    expect(formatUsd(2e-9)).toBe('$2.00e-9');
  });

  it('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
