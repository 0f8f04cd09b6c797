// Helpers shared by the CLI commands: option parsers with exact messages, progress that
// is quiet with --json or off a TTY, and router-option lists ("key=value,…").

import { InvalidArgumentError } from 'commander';
import { createProgress, silentProgress, type Progress } from '../progress.js';

/** commander parser for a finite number in [min, max]. */
export function numberOption(name: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < min || x > max)
      throw new InvalidArgumentError(`${name} must be a number${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}, received ${JSON.stringify(v)}`);
    return x;
  };
}

/** commander parser for an integer in [min, max]. */
export function intOption(name: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || x < min || x > max)
      throw new InvalidArgumentError(`${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}, received ${JSON.stringify(v)}`);
    return x;
  };
}

/** Progress on a TTY stderr, silent with --json (or off a TTY). */
export function cliProgress(json: boolean | undefined): Progress {
  return json ? silentProgress : createProgress();
}

/** Parses a JSON-ish scalar: numbers, booleans, null, [a;b] lists, else the string. */
function scalar(v: string): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null') return null;
  if (/^\[.*\]$/.test(v)) return v.slice(1, -1).split(';').filter((s) => s !== '').map((s) => scalar(s.trim()));
  if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

/**
 * Router options from repeated `--option key=value` flags (values: numbers, booleans,
 * lists as [a;b;c], else strings). Keys may be scoped to one method: `knn.ks=[5;10]`.
 */
export function parseRouterOptions(list: string[] | undefined, method?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--option must be key=value, received ${JSON.stringify(item)}`);
    let key = item.slice(0, eq).trim();
    const dot = key.indexOf('.');
    if (dot > 0) {
      if (method !== undefined && key.slice(0, dot) !== method) continue;
      key = key.slice(dot + 1);
    }
    out[key] = scalar(item.slice(eq + 1).trim());
  }
  return out;
}

/** commander collector for repeatable options. */
export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Writes a line to stdout. */
export function println(s = ''): void {
  process.stdout.write(`${s}\n`);
}

/** Formats a table of rows (first row: header) with padded columns. */
export function table(rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((v, c) => ((align[c] ?? (c === 0 ? 'l' : 'r')) === 'l' ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd())
    .join('\n');
}
