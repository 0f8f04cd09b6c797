// The compare report: one self-contained HTML file (inline SVG and CSS, a few lines of
// inline JS for hover, nothing fetched from anywhere) and the cost–quality chart alone
// as SVG. Every series and marker carries data attributes so a test (or a script) can
// read what was drawn; every string from the data is escaped.

import { version } from '../info.js';
import { nonDecreasingHull, type HullPoint } from './metrics.js';
import type { CompareResult, RouterResult, Shares } from './types.js';

/** Escapes text for HTML/SVG element content and attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const SERIES_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const MODEL_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#86bcb6', '#d37295'];
const colourOf = (list: string[], k: number) => list[k % list.length];

/** "$0.0001", "$0.0042", "$12.5": fixed notation with `sig` significant digits (exponent below 1e-8). */
export function formatUsd(v: number, sig = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '$0';
  const a = Math.abs(v);
  if (a < 1e-8) return `$${v.toExponential(sig - 1)}`;
  const decimals = Math.max(0, Math.min(12, sig - 1 - Math.floor(Math.log10(a))));
  return `$${Number(v.toFixed(decimals)).toFixed(decimals).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')}`;
}

const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const fmtSeconds = (v: number) => (v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(2) : v.toExponential(1));
/** Numbers in data attributes: full precision, so a reader gets back exactly what was drawn. */
const num = (v: number) => String(v);

function costsAreEstimated(r: CompareResult): boolean {
  return /estimat|synthetic|invented|price/i.test(r.costNote ?? '');
}

// ---------------------------------------------------------------------------------------
// Scales

interface Scale {
  (v: number): number;
  ticks: { v: number; label: string; major: boolean }[];
  log: boolean;
}

function logScale(values: number[], x0: number, x1: number): Scale {
  const pos = values.filter((v) => v > 0);
  let lo = Math.log10(Math.min(...pos));
  let hi = Math.log10(Math.max(...pos));
  const pad = Math.max(0.08, (hi - lo) * 0.05);
  lo -= pad;
  hi += pad;
  if (hi - lo < 0.5) {
    const mid = (lo + hi) / 2;
    lo = mid - 0.25;
    hi = mid + 0.25;
  }
  const f = ((v: number) => {
    const l = v > 0 ? Math.log10(v) : lo; // zero costs sit on the left edge
    return x0 + ((Math.min(Math.max(l, lo), hi) - lo) / (hi - lo)) * (x1 - x0);
  }) as Scale;
  const ticks: Scale['ticks'] = [];
  // label as many mantissas per decade as fit without crowding (~70 px per label)
  const perDecade = (x1 - x0) / (hi - lo);
  const labelled = perDecade >= 230 ? [1, 2, 5] : perDecade >= 140 ? [1, 3] : [1];
  const everyOther = perDecade < 45;
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++)
    for (let m = 1; m <= 9; m++) {
      const v = Number((m * 10 ** e).toPrecision(1));
      const l = Math.log10(v);
      if (l < lo || l > hi) continue;
      const major = labelled.includes(m) && !(everyOther && m === 1 && e % 2 !== 0);
      ticks.push({ v, label: major ? formatUsd(v, 1) : '', major });
    }
  f.ticks = ticks;
  f.log = true;
  return f;
}

function linearScale(lo: number, hi: number, x0: number, x1: number, step: number, label: (v: number) => string): Scale {
  const f = ((v: number) => x0 + ((v - lo) / (hi - lo)) * (x1 - x0)) as Scale;
  f.ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9; k++) f.ticks.push({ v: k * step, label: label(k * step), major: true });
  f.log = false;
  return f;
}

function qualityScale(values: number[], y0: number, y1: number): Scale {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span0 = hi - lo;
  lo -= Math.max(0.02, span0 * 0.05);
  hi += Math.max(0.02, span0 * 0.05);
  const step = hi - lo > 0.6 ? 0.1 : hi - lo > 0.25 ? 0.05 : 0.02;
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  return linearScale(lo, hi, y0, y1, step, (v) => v.toFixed(step < 0.05 ? 2 : step < 0.1 ? 2 : 1));
}

// ---------------------------------------------------------------------------------------
// The chart

export interface ChartOptions {
  /** Width of the plot area's box in px, legend included (default 900). */
  width?: number;
  /** Height in px (default 520). */
  height?: number;
}

function star(cx: number, cy: number, r: number): string {
  const pts: string[] = [];
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    const rr = k % 2 ? r * 0.45 : r;
    pts.push(`${(cx + rr * Math.cos(a)).toFixed(2)},${(cy + rr * Math.sin(a)).toFixed(2)}`);
  }
  return pts.join(' ');
}

/** The cost–quality chart as a standalone SVG document fragment (`--plot curve.svg`). */
export function renderChart(result: CompareResult, options: ChartOptions = {}): string {
  const W = options.width ?? 900;
  const H = options.height ?? 520;
  const legendW = 210;
  const m = { left: 64, right: 16 + legendW, top: 40, bottom: 56 };
  const x0 = m.left;
  const x1 = W - m.right;
  const y0 = H - m.bottom;
  const y1 = m.top;
  const singles = result.singles ?? [];
  const routers = result.routers ?? [];
  const allCosts = [
    ...routers.flatMap((r) => r.points.map((p) => p.cost)),
    ...singles.map((s) => s.cost),
    result.oracle.cost,
    result.bestSingle.cost,
  ];
  const allQualities = [
    ...routers.flatMap((r) => r.points.map((p) => p.quality)),
    ...singles.map((s) => s.quality),
    result.oracle.quality,
    result.bestSingle.quality,
  ];
  const noCosts = !allCosts.some((c) => c > 0);
  const X = noCosts ? linearScale(-1, 1, x0, x1, 1, (v) => (v === 0 ? '$0' : '')) : logScale(allCosts, x0, x1);
  const Y = qualityScale(allQualities, y0, y1);
  const px = (v: number) => X(v).toFixed(2);
  const py = (v: number) => Y(v).toFixed(2);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="cost versus quality of each router" data-x-scale="${X.log ? 'log' : 'linear'}">`,
  );
  out.push(
    `<style>.chart{font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#222}.chart .grid{stroke:#e4e4e4}.chart .grid.minor{stroke:#f2f2f2}.chart .axis{stroke:#555}` +
      `.chart .hull{fill:none;stroke-width:2}.chart .hull-ext{fill:none;stroke-width:1.5;stroke-dasharray:4 3}.chart .point{fill-opacity:.75;stroke:#fff;stroke-width:.8}` +
      `.chart .single rect{fill:#fff;stroke:#333;stroke-width:1.5}.chart .single.best rect{fill:#333}.chart .oracle polygon{fill:#f5b700;stroke:#7a5b00}` +
      `.chart .label{font-size:11px;fill:#333}.chart .title{font-size:14px;font-weight:600}.chart .flag{fill:#b00020;font-weight:600}` +
      `.chart .series{transition:opacity .15s}.chart.focus .series:not(.on){opacity:.15}.chart .legend-item{cursor:default}</style>`,
  );
  const title = `${result.data}: ${result.nTest} test prompts`;
  out.push(`<text class="title" x="${x0}" y="22">${escapeHtml(title)}</text>`);
  if (result.synthetic) out.push(`<text class="flag" x="${x1}" y="22" text-anchor="end">synthetic data (generated)</text>`);

  // grid and axes
  for (const t of X.ticks) {
    const x = px(t.v);
    out.push(`<line class="grid${t.major ? '' : ' minor'}" x1="${x}" x2="${x}" y1="${y1}" y2="${y0}"/>`);
    if (t.label) out.push(`<text class="tick x" x="${x}" y="${y0 + 16}" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  }
  for (const t of Y.ticks) {
    const y = py(t.v);
    out.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${y}" y2="${y}"/>`);
    out.push(`<text class="tick y" x="${x0 - 6}" y="${(Y(t.v) + 4).toFixed(2)}" text-anchor="end">${escapeHtml(t.label)}</text>`);
  }
  out.push(`<line class="axis" x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}"/><line class="axis" x1="${x0}" x2="${x0}" y1="${y1}" y2="${y0}"/>`);
  const xTitle = noCosts
    ? 'mean cost per prompt (no cost data: every cost is $0)'
    : `mean cost per prompt (USD, log scale${costsAreEstimated(result) ? '; estimated, not measured' : ''})`;
  out.push(`<text class="axis-title" x="${(x0 + x1) / 2}" y="${H - 14}" text-anchor="middle">${escapeHtml(xTitle)}</text>`);
  out.push(`<text class="axis-title" transform="translate(16 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">mean quality</text>`);

  // router series: hull line, its flat extension, one circle per realised point
  routers.forEach((r, k) => {
    const c = colourOf(SERIES_COLOURS, k);
    const hull: HullPoint[] = nonDecreasingHull(r.points);
    out.push(`<g class="series" data-router="${escapeHtml(r.name)}" data-points="${r.points.length}" data-hull="${hull.length}" style="color:${c}">`);
    if (hull.length) {
      out.push(`<path class="hull" stroke="${c}" d="${hull.map((p, j) => `${j ? 'L' : 'M'}${px(p.cost)} ${py(p.quality)}`).join(' ')}"/>`);
      const last = hull[hull.length - 1];
      if (X(last.cost) < x1) out.push(`<path class="hull-ext" stroke="${c}" d="M${px(last.cost)} ${py(last.quality)} L${x1} ${py(last.quality)}"/>`);
    }
    for (const p of r.points)
      out.push(
        `<circle class="point" cx="${px(p.cost)}" cy="${py(p.quality)}" r="3.5" fill="${c}" data-cost="${num(p.cost)}" data-quality="${num(p.quality)}" data-lambda="${num(p.lambda)}">` +
          `<title>${escapeHtml(`${r.name}: λ = ${p.lambda.toPrecision(3)}, cost ${formatUsd(p.cost)}, quality ${p.quality.toFixed(3)}`)}</title></circle>`,
      );
    out.push('</g>');
  });

  // single models (the best single filled) and the oracle
  const order = singles.map((s, k) => ({ s, k })).sort((a, b) => X(a.s.cost) - X(b.s.cost));
  order.forEach(({ s }, j) => {
    const best = s.model === result.bestSingle.model;
    const x = X(s.cost);
    const y = Y(s.quality);
    const dy = j % 2 ? 14 : -8;
    const text = `${s.model}${best ? ' (best single)' : ''}`;
    // keep the label inside the plot: flip it to the left of the marker near the right edge
    const flip = x + 7 + text.length * 6.3 > x1;
    out.push(
      `<g class="single${best ? ' best' : ''}" data-model="${escapeHtml(s.model)}" data-cost="${num(s.cost)}" data-quality="${num(s.quality)}">` +
        `<rect x="${(x - 4).toFixed(2)}" y="${(y - 4).toFixed(2)}" width="8" height="8"/>` +
        `<text class="label" x="${(flip ? x - 7 : x + 7).toFixed(2)}" y="${(y + dy).toFixed(2)}"${flip ? ' text-anchor="end"' : ''}>${escapeHtml(text)}</text>` +
        `<title>${escapeHtml(`${s.model}: cost ${formatUsd(s.cost)}, quality ${s.quality.toFixed(3)}${best ? ' — best single model by mean train score' : ''}`)}</title></g>`,
    );
  });
  {
    const x = X(result.oracle.cost);
    const y = Y(result.oracle.quality);
    out.push(
      `<g class="oracle" data-cost="${num(result.oracle.cost)}" data-quality="${num(result.oracle.quality)}"><polygon points="${star(x, y, 8)}"/>` +
        `<text class="label" x="${(x + 10).toFixed(2)}" y="${(y - 6).toFixed(2)}">oracle</text>` +
        `<title>${escapeHtml(`oracle (reads the test labels): cost ${formatUsd(result.oracle.cost)}, quality ${result.oracle.quality.toFixed(3)}`)}</title></g>`,
    );
  }

  // legend
  const lx = W - legendW + 8;
  let ly = m.top + 4;
  out.push(`<g class="legend">`);
  routers.forEach((r, k) => {
    const c = colourOf(SERIES_COLOURS, k);
    out.push(
      `<g class="legend-item" data-router="${escapeHtml(r.name)}"><line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/>` +
        `<circle cx="${lx + 11}" cy="${ly}" r="3.5" fill="${c}"/><text x="${lx + 30}" y="${ly + 4}">${escapeHtml(r.name)}${r.readsLabels ? ' (reads labels)' : ''}</text></g>`,
    );
    ly += 18;
  });
  ly += 6;
  out.push(`<g class="legend-key"><rect x="${lx + 7}" y="${ly - 4}" width="8" height="8" fill="#fff" stroke="#333" stroke-width="1.5"/><text x="${lx + 30}" y="${ly + 4}">single model</text></g>`);
  ly += 18;
  out.push(`<g class="legend-key"><rect x="${lx + 7}" y="${ly - 4}" width="8" height="8" fill="#333"/><text x="${lx + 30}" y="${ly + 4}">best single (train)</text></g>`);
  ly += 18;
  out.push(`<g class="legend-key"><polygon points="${star(lx + 11, ly, 7)}" fill="#f5b700" stroke="#7a5b00"/><text x="${lx + 30}" y="${ly + 4}">oracle</text></g>`);
  ly += 18;
  out.push(`<g class="legend-key"><line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="#555" stroke-width="2"/><text x="${lx + 30}" y="${ly + 4}">non-decreasing hull</text></g>`);
  out.push('</g></svg>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------
// Routing shares as stacked bars

function sharesChart(result: CompareResult): string {
  const routers = result.routers.filter((r) => r.shares);
  if (!routers.length) return '<p>No routing shares recorded.</p>';
  const models = result.models;
  const barW = 560;
  const rowH = 18;
  const labelW = 220;
  const rows: { r: RouterResult; at: 'atMaxQuality' | 'atBalanced'; shares: Shares }[] = [];
  for (const r of routers) {
    rows.push({ r, at: 'atMaxQuality', shares: r.shares!.atMaxQuality });
    rows.push({ r, at: 'atBalanced', shares: r.shares!.atBalanced });
  }
  const legendH = Math.ceil(models.length / 4) * 18 + 8;
  const H = rows.length * (rowH + 6) + legendH + 10;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="shares" viewBox="0 0 ${labelW + barW + 20} ${H}" width="${labelW + barW + 20}" height="${H}">`];
  rows.forEach(({ r, at, shares }, j) => {
    const y = j * (rowH + 6) + 4;
    out.push(
      `<text x="${labelW - 8}" y="${y + 13}" text-anchor="end">${escapeHtml(r.name)} · ${at === 'atMaxQuality' ? 'max quality' : 'balanced U'}</text>`,
    );
    out.push(`<g class="share-bar" data-router="${escapeHtml(r.name)}" data-at="${at}">`);
    let x = labelW;
    models.forEach((model, k) => {
      const s = shares[model] ?? 0;
      const w = s * barW;
      if (w > 0)
        out.push(
          `<rect class="share" x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${rowH}" fill="${colourOf(MODEL_COLOURS, k)}" data-model="${escapeHtml(model)}" data-share="${num(s)}">` +
            `<title>${escapeHtml(`${r.name}, ${at === 'atMaxQuality' ? 'max-quality point' : 'balanced-utility choice'}: ${model} ${(100 * s).toFixed(1)}%`)}</title></rect>`,
        );
      x += w;
    });
    out.push('</g>');
  });
  const ly = rows.length * (rowH + 6) + 12;
  models.forEach((model, k) => {
    const x = labelW + (k % 4) * (barW / 4);
    const y = ly + Math.floor(k / 4) * 18;
    out.push(`<rect x="${x}" y="${y}" width="10" height="10" fill="${colourOf(MODEL_COLOURS, k)}"/><text x="${x + 14}" y="${y + 9}">${escapeHtml(model)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------
// The HTML report

function metricsTable(result: CompareResult): string {
  const head =
    '<tr><th>router</th><th>max quality</th><th>nAUC</th><th>cost to match best</th><th>gap recovered</th>' +
    '<th>U(0.8, 0.2)</th><th>U(0.5, 0.5)</th><th>U(0.2, 0.8)</th><th>U sum</th><th>train s</th><th>estimate s</th></tr>';
  const rows = result.routers.map(
    (r) =>
      `<tr data-router="${escapeHtml(r.name)}"><th scope="row">${escapeHtml(r.name)}${r.readsLabels ? ' <span class="tag">reads labels</span>' : ''}</th>` +
      `<td>${fmt(r.maxQuality)}</td><td>${fmt(r.nAUC)}</td><td>${r.costToMatchBest === null ? '<span title="the hull never reaches the best single model">never</span>' : `${fmt(r.costToMatchBest)}×`}</td>` +
      `<td>${fmt(r.gapRecovered)}</td><td>${fmt(r.utilities.costFirst)}</td><td>${fmt(r.utilities.balanced)}</td><td>${fmt(r.utilities.performanceFirst)}</td><td>${fmt(r.utilities.sum)}</td>` +
      `<td>${fmtSeconds(r.trainSeconds)}</td><td>${fmtSeconds(r.estimateSeconds)}</td></tr>`,
  );
  return `<table class="metrics"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function referenceTable(result: CompareResult): string {
  const singles = result.singles ?? [result.bestSingle];
  const rows = singles.map(
    (s) =>
      `<tr${s.model === result.bestSingle.model ? ' class="best"' : ''}><th scope="row">${escapeHtml(s.model)}${s.model === result.bestSingle.model ? ' <span class="tag">best single</span>' : ''}</th><td>${fmt(s.quality)}</td><td>${escapeHtml(formatUsd(s.cost))}</td></tr>`,
  );
  rows.push(`<tr class="oracle"><th scope="row">oracle <span class="tag">reads labels</span></th><td>${fmt(result.oracle.quality)}</td><td>${escapeHtml(formatUsd(result.oracle.cost))}</td></tr>`);
  return `<table class="singles"><thead><tr><th>model</th><th>test quality</th><th>mean cost per prompt</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function perTaskTable(result: CompareResult): string {
  const routers = result.routers.filter((r) => r.perTask && r.perTask.length);
  if (!routers.length) return '<p>No per-task breakdown recorded.</p>';
  const tasks = routers[0].perTask!;
  const head =
    `<tr><th rowspan="2">task</th><th rowspan="2">n</th><th rowspan="2">best single</th><th rowspan="2">oracle</th>` +
    routers.map((r) => `<th colspan="2">${escapeHtml(r.name)}</th>`).join('') +
    '</tr><tr>' +
    routers.map(() => '<th>quality</th><th>cost</th>').join('') +
    '</tr>';
  const rows = tasks.map((t) => {
    const cells = routers
      .map((r) => {
        const b = r.perTask!.find((x) => x.task === t.task);
        return b ? `<td>${fmt(b.quality)}</td><td>${escapeHtml(formatUsd(b.cost))}</td>` : '<td>—</td><td>—</td>';
      })
      .join('');
    return `<tr data-task="${escapeHtml(t.task)}"><th scope="row">${t.task ? escapeHtml(t.task) : '<em>(no task)</em>'}</th><td>${t.n}</td><td>${fmt(t.bestSingleQuality)}</td><td>${fmt(t.oracleQuality)}</td>${cells}</tr>`;
  });
  return `<table class="per-task"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1180px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 8px}
.banner{padding:8px 12px;border-radius:4px;margin:8px 0}
.banner.synthetic{background:#fde8ea;border:1px solid #e8a1a9;color:#7a0010;font-weight:600}
.banner.costs{background:#fff6db;border:1px solid #e9d18a}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{padding:4px 9px;border-bottom:1px solid #e6e6e6;text-align:right;white-space:nowrap}
th[scope=row],thead th:first-child{text-align:left}
thead th{background:#f6f6f6;font-weight:600}
thead th[colspan]{text-align:center}
tr.best th,tr.best td{font-weight:600}
.tag{font-size:11px;font-weight:500;background:#eee;border-radius:3px;padding:1px 5px;color:#555}
.explain{color:#555;font-size:13px;max-width:900px}
.scroll{overflow-x:auto}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:12px}
footer{margin-top:32px;color:#888;font-size:12px}
`;

// Hovering a legend entry fades the other series (no network, no libraries).
const JS = `
(function(){var c=document.querySelector('svg.chart');if(!c)return;
c.querySelectorAll('.legend-item').forEach(function(it){
it.addEventListener('mouseenter',function(){var n=it.getAttribute('data-router');c.classList.add('focus');
c.querySelectorAll('.series').forEach(function(s){s.classList.toggle('on',s.getAttribute('data-router')===n);});});
it.addEventListener('mouseleave',function(){c.classList.remove('focus');});});})();
`;

/** The whole report as one self-contained HTML document. */
export function renderReport(result: CompareResult): string {
  const estimated = costsAreEstimated(result);
  const meta = [
    `data: ${result.data}`,
    `${result.nTrain} train${result.nVal ? ` (+${result.nVal} validation)` : ''} / ${result.nTest} test prompts`,
    `${result.models.length} models`,
    result.embedder ? `embedder: ${result.embedder}` : '',
    result.seed !== undefined ? `seed ${result.seed}` : '',
  ].filter(Boolean);
  const parts: string[] = [];
  parts.push('<!doctype html>', '<html lang="en"><head><meta charset="utf-8">');
  parts.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`);
  parts.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  parts.push(`<title>${escapeHtml(`taskroute compare — ${result.data}`)}</title>`);
  parts.push(`<style>${CSS}</style></head><body>`);
  parts.push(`<header><h1>Routing comparison</h1><p class="meta">${meta.map(escapeHtml).join(' · ')}</p>`);
  if (result.synthetic)
    parts.push('<p class="banner synthetic">Synthetic data: every prompt, score and cost here was generated by taskroute. These are not results of real LLMs.</p>');
  if (result.costNote) parts.push(`<p class="banner costs">Costs: ${escapeHtml(result.costNote)}${estimated ? ' — every cost shown is an estimate.' : ''}</p>`);
  parts.push('</header>');

  parts.push('<section><h2>Cost and quality</h2>');
  parts.push(
    `<p class="explain">Each router's realised operating points on the test split for λ ∈ {0} ∪ 60 log-spaced values in [1e-4, 1e3] of the policy argmax q̂ − λ·ĉ/c_ref, and the non-decreasing upper hull of those points (dashed: extended flat). Squares: single models; star: the per-prompt oracle.</p>`,
  );
  parts.push(`<div class="scroll">${renderChart(result)}</div></section>`);

  parts.push('<section><h2>Metrics</h2>');
  parts.push(`<div class="scroll">${metricsTable(result)}</div>`);
  parts.push(
    `<p class="explain">max quality: the best realised point. nAUC: area under the hull over [cheapest, dearest] single model's mean test cost, divided by that range (0 left of the hull). cost to match best: the hull's first cost reaching the best single model's test quality, as a multiple of that model's cost. gap recovered: (max quality − best single) / (oracle − best single). U(μ<sub>c</sub>, μ<sub>r</sub>): mean of μ<sub>r</sub>·score − μ<sub>c</sub>·cost normalised per task. See docs/metrics.md.</p>`,
  );
  parts.push(`<div class="scroll">${referenceTable(result)}</div></section>`);

  parts.push('<section><h2>Per task</h2><p class="explain">At each router\'s max-quality point; best single = the best single model by mean train score.</p>');
  parts.push(`<div class="scroll">${perTaskTable(result)}</div></section>`);

  parts.push('<section><h2>Routing shares</h2><p class="explain">Fraction of test prompts sent to each model, at the max-quality point and at the balanced-utility choice U(0.5, 0.5).</p>');
  parts.push(`<div class="scroll">${sharesChart(result)}</div></section>`);

  if (result.notes?.length) parts.push(`<section><h2>Notes</h2><ul class="notes">${result.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`);
  let v = '';
  try {
    v = ` ${version()}`;
  } catch {
    // a report still renders where package.json cannot be read
  }
  parts.push(`<footer>generated by taskroute${escapeHtml(v)}</footer>`);
  parts.push(`<script>${JS}</script></body></html>`);
  return parts.join('\n');
}
