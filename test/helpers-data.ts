// Test helpers of the data area: temp directories, JSONL/CSV writers, catching the
// loader's errors for exact-message assertions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A fresh temp directory (removed by cleanupTmp). */
export function tmpDir(prefix = 'taskroute-data-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function cleanupTmp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes one line per entry: objects as JSON, strings verbatim. */
export function writeJsonl(path: string, lines: (object | string)[]): string {
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** CSV cell quoting as pandas writes it (quotes only where needed). */
export function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A RouterBench-shaped CSV: unnamed index, sample_id, prompt, eval_name, scores, responses, costs, oracle. */
export function routerbenchCsv(
  models: string[],
  rows: { id: string; prompt: string; task?: string; scores: (number | string)[]; costs: (number | string)[] }[],
): string {
  const header = [
    '',
    'sample_id',
    'prompt',
    'eval_name',
    ...models,
    ...models.map((m) => `${m}|model_response`),
    ...models.map((m) => `${m}|total_cost`),
    'oracle_model_to_route_to',
  ];
  const lines = [header.map(csvCell).join(',')];
  rows.forEach((r, i) => {
    lines.push(
      [i, r.id, r.prompt, r.task ?? 'task', ...r.scores, ...models.map(() => 'resp'), ...r.costs, models[0]].map(csvCell).join(','),
    );
  });
  return `${lines.join('\n')}\n`;
}
