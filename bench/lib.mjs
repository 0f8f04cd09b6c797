// Shared benchmark helpers: machine description, timing, and appending rows to RESULTS.md.
import { appendFileSync, existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const resultsPath = join(here, 'RESULTS.md');

export function machine() {
  const c = cpus();
  return `${c.length}× ${c[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}

export function today() {
  return new Date().toISOString().slice(0, 10);
}

/** Median wall time in seconds of `reps` runs of an async or sync fn (after `warmup` runs). */
export async function timeIt(fn, { reps = 3, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

/**
 * Appends rows under a "## section" heading of RESULTS.md (creating the heading with
 * `header` — a markdown table header — when missing). Atomic: temp file + rename.
 */
export function appendResults(section, header, rows) {
  let text = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '# Benchmark results\n\nEvery row: `npm run bench -- NAME`, on the machine named in the row.\n';
  const heading = `## ${section}`;
  const lines = rows.map((r) => `${r}\n`).join('');
  if (!text.includes(`\n${heading}\n`)) {
    text += `\n${heading}\n\n${header.trim()}\n${lines}`;
  } else {
    // insert after the last table row of that section
    const start = text.indexOf(`\n${heading}\n`) + 1;
    const next = text.indexOf('\n## ', start + heading.length);
    const end = next === -1 ? text.length : next + 1;
    let body = text.slice(start, end).replace(/\s*$/, '\n');
    body += lines;
    text = text.slice(0, start) + body + (next === -1 ? '' : `\n${text.slice(end)}`);
  }
  const tmp = `${resultsPath}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, resultsPath);
}


