// LLMRouter's published routing data (ulab-uiuc/LLMRouter): dcrouter_{train,test}.json
// give prompts and per-model scores, default_query_*.jsonl give each prompt's task (joined
// by exact query text), default_llm.json gives prices. The files hold no token counts, so
// costs are an estimate from the prompt length and a fixed answer length (see costNote).

import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { TaskrouteError } from '../errors.js';
import { silentProgress, type Progress } from '../progress.js';
import { RoutingDataBuilder, type Built } from './builder.js';
import { readError } from './jsonl.js';
import type { Split } from './types.js';

/** Characters per input token of the estimate: input tokens = ceil(characters / 4). */
export const CHARS_PER_TOKEN = 4;
/** Output tokens assumed for every answer (the files record none). */
export const ASSUMED_OUTPUT_TOKENS = 256;
export const PRICE_FILE = 'default_llm.json';
export const QUERY_FILES = ['default_query_train.jsonl', 'default_query_test.jsonl'] as const;
export const LLMROUTER_COST_NOTE =
  `estimated: ceil(chars/${CHARS_PER_TOKEN}) input tokens, ${ASSUMED_OUTPUT_TOKENS} output tokens, × ${PRICE_FILE} prices (USD per million tokens)`;

/** Input tokens of the estimate: ceil(Unicode code points / CHARS_PER_TOKEN). */
export function estimateInputTokens(prompt: string): number {
  let chars = 0;
  for (const _ of prompt) chars++;
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Estimated USD of one call: (in·input_price + out·output_price) / 1e6. */
export function estimateCost(prompt: string, price: { input: number; output: number }): number {
  return (estimateInputTokens(prompt) * price.input + ASSUMED_OUTPUT_TOKENS * price.output) / 1e6;
}

function fail(where: string, why: string): never {
  throw new TaskrouteError('ERR_TASKROUTE_DATA', `${where}: ${why}`);
}

/** The dcrouter files of a directory (train, then test), or [] when there are none. */
export function dcrouterFiles(dir: string): string[] {
  return ['dcrouter_train.json', 'dcrouter_val.json', 'dcrouter_test.json'].map((f) => join(dir, f)).filter((p) => existsSync(p));
}

/** Elements of a top-level JSON array with the 1-based line each starts on. */
export function* jsonArrayElements(text: string, path: string): Generator<{ text: string; line: number }> {
  let i = 0;
  let line = 1;
  const n = text.length;
  const ws = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) break;
    }
  };
  ws();
  if (text[i] !== '[') fail(`${path}:${line}`, 'expected a JSON array of records');
  i++;
  ws();
  if (text[i] === ']') {
    i++;
  } else {
    for (;;) {
      const start = i;
      const startLine = line;
      let depth = 0;
      let inString = false;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
          if (c === 92) i++; // backslash: skip the escaped character
          else if (c === 34) inString = false;
          else if (c === 10) line++;
        } else if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          if (depth === 0) break;
          depth--;
        } else if (c === 44 && depth === 0) break;
        else if (c === 10) line++;
      }
      if (i >= n) fail(`${path}:${startLine}`, 'malformed JSON (the array is not closed)');
      yield { text: text.slice(start, i), line: startLine };
      if (text[i] === ',') {
        i++;
        ws();
        continue;
      }
      // text[i] is '}' or ']' at depth 0
      if (text[i] === ']') {
        i++;
        break;
      }
      fail(`${path}:${line}`, `malformed JSON (unexpected "${text[i]}")`);
    }
  }
  ws();
  if (i < n) fail(`${path}:${line}`, 'malformed JSON (text after the array)');
}

interface Price {
  input: number;
  output: number;
}

async function readPrices(path: string): Promise<Map<string, Price>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw readError(path, err);
  }
  let table: unknown;
  try {
    table = JSON.parse(text);
  } catch (err) {
    fail(path, `malformed JSON (${(err as Error).message})`);
  }
  if (typeof table !== 'object' || table === null || Array.isArray(table)) fail(path, 'expected an object {model: {input_price, output_price}}');
  const out = new Map<string, Price>();
  for (const [model, v] of Object.entries(table as Record<string, unknown>)) {
    const o = v as Record<string, unknown> | null;
    const input = o?.input_price;
    const output = o?.output_price;
    for (const [k, p] of [['input_price', input], ['output_price', output]] as const)
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0)
        fail(path, `model ${JSON.stringify(model)}: "${k}" must be a finite number >= 0 (USD per million tokens), received ${JSON.stringify(p)}`);
    out.set(model, { input: input as number, output: output as number });
  }
  return out;
}

/** query text → task_name, the first line holding it winning; plus the queries seen with several tasks. */
async function readQueries(path: string): Promise<{ tasks: Map<string, string>; multi: Set<string> }> {
  const tasks = new Map<string, string>();
  const multi = new Set<string>();
  const stream = createReadStream(path, { encoding: 'utf8' });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('ready', () => resolve());
      stream.once('error', reject);
    });
  } catch (err) {
    throw readError(path, err);
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        fail(`${path}:${line}`, `malformed JSON (${(err as Error).message})`);
      }
      if (typeof o?.query !== 'string' || typeof o.task_name !== 'string')
        fail(`${path}:${line}`, 'expected {"query": string, "task_name": string, …}');
      const prev = tasks.get(o.query);
      if (prev === undefined) tasks.set(o.query, o.task_name);
      else if (prev !== o.task_name) multi.add(o.query);
    }
  } catch (err) {
    if (err instanceof TaskrouteError) throw err;
    throw readError(path, err);
  } finally {
    rl.close();
    stream.destroy();
  }
  return { tasks, multi };
}

function splitOf(file: string): Split | undefined {
  const m = /(train|val|test)\.json$/i.exec(basename(file));
  return m ? (m[1].toLowerCase() as Split) : undefined;
}

/**
 * Loads LLMRouter data: `files` are dcrouter JSON files of one directory (which also
 * holds the query and price files). Ids: llmrouter-<split>-000001 by position in the file.
 */
export async function loadLlmRouter(files: string[], source: string, skipInvalid: boolean, progress: Progress = silentProgress): Promise<Built> {
  const dir = dirname(files[0]);
  const pricePath = join(dir, PRICE_FILE);
  if (!existsSync(pricePath)) fail(files[0], `LLMRouter data needs the price table ${PRICE_FILE} beside it (${pricePath} not found)`);
  const prices = await readPrices(pricePath);
  const queryPaths = QUERY_FILES.map((f) => join(dir, f)).filter((p) => existsSync(p));
  if (!queryPaths.length) fail(files[0], `LLMRouter data needs ${QUERY_FILES.join(' or ')} beside it, for the tasks`);
  const queries = await Promise.all(queryPaths.map((p) => readQueries(p)));

  const b = new RoutingDataBuilder({ source, format: 'llmrouter', skipInvalid, costNote: LLMROUTER_COST_NOTE });
  let ambiguous = 0;
  for (const file of files) {
    const split = splitOf(file);
    const stem = split ?? basename(file).replace(/\.json$/i, '').replace(/^dcrouter_/, '');
    // A question found in several query files takes the task of the same split's file first.
    const own = queryPaths.findIndex((p) => basename(p) === `default_query_${stem}.jsonl`);
    const order = own < 0 ? queries.map((_, k) => k) : [own, ...queries.map((_, k) => k).filter((k) => k !== own)];
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw readError(file, err);
    }
    progress.start(`reading ${file}`);
    let pos = 0;
    for (const el of jsonArrayElements(text, file)) {
      pos++;
      const ordinal = b.read();
      const id = `llmrouter-${stem}-${String(pos).padStart(6, '0')}`;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(el.text) as Record<string, unknown>;
      } catch (err) {
        b.reject(file, el.line, 'malformed JSON', `malformed JSON (${(err as Error).message})`);
        continue;
      }
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
        b.reject(file, el.line, 'not an object', `expected a JSON object {"question", "scores"}, found ${JSON.stringify(rec)?.slice(0, 40)}`);
        continue;
      }
      const question = rec.question;
      let task: string | undefined;
      if (typeof question === 'string' && question.trim() !== '') {
        let multi = false;
        for (const k of order) {
          task = queries[k].tasks.get(question);
          if (task !== undefined) {
            const t = task;
            multi = queries[k].multi.has(question) || queries.some((q) => (q.tasks.get(question) ?? t) !== t);
            break;
          }
        }
        if (task === undefined) {
          b.reject(
            file,
            el.line,
            'no matching query',
            `record ${JSON.stringify(id)}: the question matches no query in ${queryPaths.map((p) => basename(p)).join(' or ')} (tasks are joined by exact query text)`,
          );
          continue;
        }
        if (multi) ambiguous++;
      }
      // Prices are per model, not per record: a model without one is an error even with skipInvalid.
      const scores = rec.scores;
      let costs: Record<string, number> | undefined;
      if (typeof scores === 'object' && scores !== null && !Array.isArray(scores) && typeof question === 'string') {
        costs = {};
        for (const m of Object.keys(scores)) {
          const p = prices.get(m);
          if (!p) fail(`${file}:${el.line}`, `model ${JSON.stringify(m)} is not in the price table ${pricePath}, so its cost cannot be estimated`);
          costs[m] = estimateCost(question, p);
        }
      }
      b.add(file, el.line, ordinal, { id, prompt: question, task, scores, costs, split });
      if (pos % 4096 === 0) progress.tick(4096);
    }
    progress.done();
  }
  if (ambiguous)
    b.note(`${ambiguous} question${ambiguous === 1 ? ' matches' : 's match'} queries of several tasks; the first match in the query file of the same split was taken`);
  return b.finish();
}
