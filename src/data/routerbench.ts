// RouterBench CSVs (withmartian/routerbench, as split by RouterDC): one row a prompt,
// one score column per model, `<model>|total_cost` (measured USD), `<model>|model_response`
// (ignored), the prompt as a Python list literal. Streamed through csv-parse, since cells
// hold newlines and quotes.

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { TaskrouteError } from '../errors.js';
import { silentProgress, type Progress } from '../progress.js';
import { RoutingDataBuilder, type Built } from './builder.js';
import { readError, PROGRESS_EVERY } from './jsonl.js';
import { parsePythonStringList, PythonLiteralError } from './pyliteral.js';
import type { Split } from './types.js';

const COST_SUFFIX = '|total_cost';
const RESPONSE_SUFFIX = '|model_response';
/** Columns that are neither scores nor per-model extras. */
const META_COLUMNS = new Set(['', 'Unnamed: 0', 'index', 'sample_id', 'prompt', 'eval_name', 'oracle_model_to_route_to']);

/** The split a RouterBench file name gives: `*_train.csv`, `*_val.csv`, `*_test.csv`; else none (hash split). */
export function splitFromFileName(path: string): Split | undefined {
  const m = /[_-](train|val|test)\.csv$/i.exec(basename(path));
  return m ? (m[1].toLowerCase() as Split) : undefined;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A numeric CSV cell as Python/pandas writes it ('0.5', '1e-05', 'nan', 'inf'); the raw text when it is none. */
export function parseNumberCell(cell: string): number | string {
  const t = cell.trim();
  if (DECIMAL.test(t)) return Number(t);
  const l = t.toLowerCase();
  if (l === 'nan' || l === '+nan' || l === '-nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return cell;
}

interface Layout {
  sampleId: number;
  prompt: number;
  evalName: number;
  /** score column per model, models in header order */
  models: string[];
  score: number[];
  /** cost column per model (same order), or empty when the file has none */
  cost: number[];
}

function headerLayout(path: string, header: string[]): Layout {
  const at = (name: string) => header.indexOf(name);
  const fail = (why: string): never => {
    throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}:1: ${why}`);
  };
  const sampleId = at('sample_id');
  const prompt = at('prompt');
  if (sampleId < 0) fail('no "sample_id" column (is this a RouterBench CSV?)');
  if (prompt < 0) fail('no "prompt" column (is this a RouterBench CSV?)');
  const models: string[] = [];
  const score: number[] = [];
  const costByModel = new Map<string, number>();
  header.forEach((h, j) => {
    if (j === 0 && /^\s*$/.test(h)) return; // the unnamed pandas index
    if (META_COLUMNS.has(h) || h.endsWith(RESPONSE_SUFFIX)) return;
    if (h.endsWith(COST_SUFFIX)) costByModel.set(h.slice(0, -COST_SUFFIX.length), j);
    else {
      if (models.includes(h)) fail(`column ${JSON.stringify(h)} appears twice`);
      models.push(h);
      score.push(j);
    }
  });
  if (!models.length) fail('no score columns (one column per model is expected)');
  for (const name of costByModel.keys())
    if (!models.includes(name)) fail(`column ${JSON.stringify(name + COST_SUFFIX)} names no score column`);
  let cost: number[] = [];
  if (costByModel.size) {
    const missing = models.find((m) => !costByModel.has(m));
    if (missing !== undefined) fail(`no ${JSON.stringify(missing + COST_SUFFIX)} column, while other models have costs`);
    cost = models.map((m) => costByModel.get(m) as number);
  }
  return { sampleId, prompt, evalName: at('eval_name'), models, score, cost };
}

/** Counters of rows dropped by rule (not errors): blank/incomplete rows and repeated sample_ids. */
export interface RouterBenchDrops {
  blank: number;
  duplicate: number;
  joined: number;
}

/**
 * Reads one RouterBench CSV into `b`. Rows with no sample_id, no prompt or an empty
 * score cell are blank (RouterBench splits some prompts over two half-filled rows) and
 * dropped; a row repeating a sample_id already read is dropped too.
 */
export async function readRouterBenchInto(
  path: string,
  b: RoutingDataBuilder,
  seen: Set<string>,
  drops: RouterBenchDrops,
  expectModels: string[] | undefined,
  progress: Progress,
): Promise<string[]> {
  const stream = createReadStream(path);
  const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: false, record_delimiter: ['\r\n', '\n'] });
  const split = splitFromFileName(path);
  let layout: Layout | undefined;
  let width = 0;
  let prevEnd = 0;
  let sinceTick = 0;
  let failure: unknown;
  stream.on('error', (err) => {
    failure = readError(path, err);
    parser.destroy();
  });
  stream.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      const line = prevEnd + 1;
      prevEnd = info.lines;
      if (!layout) {
        layout = headerLayout(path, record);
        width = record.length;
        if (expectModels) {
          const a = [...layout.models].sort().join('\n');
          const e = [...expectModels].sort().join('\n');
          if (a !== e) {
            const extra = layout.models.find((m) => !expectModels.includes(m));
            const lack = expectModels.find((m) => !layout?.models.includes(m));
            throw new TaskrouteError(
              'ERR_TASKROUTE_DATA',
              `${path}:1: ${extra !== undefined ? `model ${JSON.stringify(extra)} is not in the files read before` : `no score column for model ${JSON.stringify(lack)}, which the files read before have`}`,
            );
          }
        }
        continue;
      }
      if (record.length === 1 && record[0] === '') continue; // an empty line
      if (++sinceTick === PROGRESS_EVERY) {
        progress.tick(sinceTick);
        sinceTick = 0;
      }
      const ordinal = b.read();
      if (record.length !== width) {
        b.reject(path, line, 'bad row', `row has ${record.length} cells, the header has ${width}`);
        continue;
      }
      const id = record[layout.sampleId].trim();
      const promptCell = record[layout.prompt];
      if (id === '' || promptCell.trim() === '' || layout.score.some((j) => record[j].trim() === '')) {
        drops.blank++;
        continue;
      }
      if (seen.has(id)) {
        drops.duplicate++;
        continue;
      }
      let prompt: string;
      const literal = /^\s*\[\s*[rRuU]{0,2}['"]/.test(promptCell) || /^\s*\[\s*\]\s*$/.test(promptCell);
      if (literal) {
        let parts: string[];
        try {
          parts = parsePythonStringList(promptCell);
        } catch (err) {
          if (!(err instanceof PythonLiteralError)) throw err;
          b.reject(path, line, 'bad prompt literal', `record ${JSON.stringify(id)}: the prompt cell is not a Python list of strings (${err.message})`);
          continue;
        }
        prompt = parts.join('\n\n');
        if (prompt.trim() === '') {
          drops.blank++; // [] or [''] holds no prompt
          continue;
        }
        if (parts.length > 1) drops.joined++;
      } else prompt = promptCell;
      const scores: Record<string, unknown> = {};
      layout.models.forEach((m, k) => {
        scores[m] = parseNumberCell(record[layout!.score[k]]);
      });
      let costs: Record<string, unknown> | undefined;
      if (layout.cost.length) {
        costs = {};
        for (let k = 0; k < layout.models.length; k++) {
          const cell = record[layout.cost[k]];
          if (cell.trim() !== '') costs[layout.models[k]] = parseNumberCell(cell);
        }
      }
      const task = layout.evalName >= 0 ? record[layout.evalName].trim() : '';
      if (b.add(path, line, ordinal, { id, prompt, task, scores, costs, split })) seen.add(id);
    }
  } catch (err) {
    if (failure) throw failure;
    if (err instanceof TaskrouteError) throw err;
    const e = err as Error & { lines?: number; code?: string };
    throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}:${e.lines ?? prevEnd + 1}: malformed CSV (${e.message})`, { cause: err });
  } finally {
    stream.destroy();
  }
  if (failure) throw failure;
  if (!layout) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}: empty file (no header row)`);
  progress.tick(sinceTick);
  return layout.models;
}

/** Loads one RouterBench CSV or several (a directory's, in name order) as one data set. */
export async function loadRouterBench(files: string[], source: string, skipInvalid: boolean, progress: Progress = silentProgress): Promise<Built> {
  const b = new RoutingDataBuilder({ source, format: 'routerbench', skipInvalid, costNote: 'measured (RouterBench |total_cost columns, USD)' });
  const seen = new Set<string>();
  const drops: RouterBenchDrops = { blank: 0, duplicate: 0, joined: 0 };
  let models: string[] | undefined;
  const unsplit: string[] = [];
  for (const f of files) {
    progress.start(`reading ${f}`);
    models = await readRouterBenchInto(f, b, seen, drops, models, progress);
    progress.done();
    if (!splitFromFileName(f)) unsplit.push(basename(f));
  }
  if (drops.blank || drops.duplicate) {
    const rows = (c: number, what: string) => `${c} ${what} row${c === 1 ? '' : 's'}`;
    b.note(`dropped ${rows(drops.blank, 'blank')}, ${rows(drops.duplicate, 'duplicate sample_id')} (blank: no sample_id, no prompt or an empty score cell)`);
  }
  if (drops.joined) b.note(`${drops.joined} prompt${drops.joined === 1 ? '' : 's'} held several strings, joined with blank lines`);
  if (unsplit.length) b.note(`hash split (sha1 of sample_id) for ${unsplit.join(', ')}: no _train/_val/_test in the name`);
  return b.finish();
}
