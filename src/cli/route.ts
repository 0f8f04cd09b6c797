// `taskroute route`: one decision per prompt from a trained router, by λ, a batch budget
// or a quality floor; prompts from the command line or a JSONL file, in batches.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Router, type Decision, type RouteOptions } from '../api.js';
import { TaskrouteError } from '../errors.js';
import { openAtomicWriter } from '../fsutil.js';
import { cliProgress, intOption, numberOption, println, table } from './common.js';

interface RouteCliOptions {
  router: string;
  lambda?: number;
  budget?: number;
  minQuality?: number;
  input?: string;
  out?: string;
  batch: number;
  json?: boolean;
  explain?: boolean;
}

interface InputRow {
  id?: string;
  prompt: string;
  embedding?: number[];
}

/** Reads prompts from JSONL ({"prompt", "id"?, "embedding"?} a line), batch by batch. */
async function* readBatches(path: string, batch: number): AsyncGenerator<InputRow[]> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let buf: InputRow[] = [];
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (!text.trim()) continue;
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch (err) {
        throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}:${line}: malformed JSON (${(err as Error).message})`);
      }
      const r = rec as InputRow;
      if (typeof r !== 'object' || r === null || typeof r.prompt !== 'string')
        throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}:${line}: expected an object with a string "prompt"`);
      if (r.embedding !== undefined && (!Array.isArray(r.embedding) || r.embedding.some((v) => typeof v !== 'number' || !Number.isFinite(v))))
        throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}:${line}: "embedding" must be an array of finite numbers`);
      buf.push({ id: r.id === undefined ? undefined : String(r.id), prompt: r.prompt, embedding: r.embedding });
      if (buf.length >= batch) {
        yield buf;
        buf = [];
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}: no such file`);
    throw err;
  }
  if (buf.length) yield buf;
}

function embeddingsOf(rows: InputRow[]): Float32Array | undefined {
  if (!rows.some((r) => r.embedding)) return undefined;
  const d = rows[0].embedding?.length ?? 0;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    if (!r.embedding || r.embedding.length !== d)
      throw new TaskrouteError('ERR_TASKROUTE_DATA', `input row ${i + 1} of the batch: every row needs an embedding of length ${d}`);
    out.set(r.embedding, i * d);
  });
  return out;
}

export function register(program: Command): void {
  program
    .command('route')
    .description('choose a model for each prompt with a trained router')
    .argument('[prompts...]', 'prompts to route (or use --input)')
    .requiredOption('--router <file>', 'router file written by `taskroute train`')
    .option('--lambda <x>', 'cost weight λ of argmax q̂ − λ·ĉ/c_ref (default 0)', numberOption('--lambda', 0))
    .option('--budget <usd>', 'total USD for the whole input: λ found by bisection', numberOption('--budget', 0))
    .option('--min-quality <q>', 'cheapest model whose estimated quality clears q', numberOption('--min-quality', 0, 1))
    .option('--input <file.jsonl>', 'prompts as JSONL: {"prompt", "id"?, "embedding"?} a line')
    .option('--out <file.jsonl>', 'write decisions here (atomically) instead of stdout')
    .option('--batch <n>', 'prompts per native batch', intOption('--batch', 1, 1 << 20), 4096)
    .option('--json', 'JSON lines: one decision per prompt')
    .option('--explain', 'add the top tasks and every model’s estimated quality and cost')
    .action(async (prompts: string[], o: RouteCliOptions) => {
      const modes = [o.lambda, o.budget, o.minQuality].filter((x) => x !== undefined).length;
      if (modes > 1) throw new RangeError('use one of --lambda, --budget, --min-quality');
      if (!prompts.length && !o.input) throw new RangeError('give prompts as arguments or --input FILE.jsonl');
      if (prompts.length && o.input) throw new RangeError('give prompts as arguments or --input, not both');
      const router = await Router.load(o.router);
      const opts: RouteOptions = { lambda: o.lambda, budget: o.budget, minQuality: o.minQuality, explain: o.explain };
      const out = o.out ? await openAtomicWriter(o.out) : undefined;
      const progress = cliProgress(o.json || !o.input);
      const emit = async (rows: InputRow[], decisions: Decision[], offset: number) => {
        if (o.json || out) {
          const lines = decisions.map((d, i) => `${JSON.stringify({ ...(rows[i].id !== undefined ? { id: rows[i].id } : { index: offset + i }), ...d })}\n`);
          if (out) for (const l of lines) await out.write(l);
          else process.stdout.write(lines.join(''));
          return;
        }
        const t: string[][] = [['#', 'model', 'est. quality', 'est. cost', 'prompt']];
        decisions.forEach((d, i) => {
          t.push([String(rows[i].id ?? offset + i), d.model, d.quality.toFixed(3), `$${d.cost.toPrecision(3)}`, rows[i].prompt.replace(/\s+/g, ' ').slice(0, 60)]);
        });
        println(table(t, ['l', 'l', 'r', 'r', 'l']));
        if (o.explain)
          decisions.forEach((d, i) => {
            println(`\n[${rows[i].id ?? offset + i}] ${rows[i].prompt.replace(/\s+/g, ' ').slice(0, 100)}`);
            if (d.tasks) println(`  tasks: ${d.tasks.map((t) => `${t.label} (${t.probability.toFixed(3)})`).join(', ')}`);
            for (const e of d.estimates ?? []) println(`  ${e.model.padEnd(40)} quality ${e.quality.toFixed(3)}  cost $${e.cost.toPrecision(3)}${e.model === d.model ? '  ← chosen' : ''}`);
          });
      };
      try {
        if (!o.input) {
          const rows = prompts.map((p) => ({ prompt: p }));
          const r = await router.route(prompts, opts);
          await emit(rows, r.decisions, 0);
        } else if (o.budget !== undefined) {
          const rows: InputRow[] = [];
          for await (const b of readBatches(o.input, o.batch)) rows.push(...b);
          const r = await router.route(rows.map((x) => x.prompt), { ...opts, embeddings: embeddingsOf(rows) });
          await emit(rows, r.decisions, 0);
          if (!o.json) process.stderr.write(`budget $${o.budget}: λ = ${r.lambda.toPrecision(4)}, estimated total $${r.estimatedCost.toPrecision(4)}${r.feasible === false ? ' (infeasible: even the cheapest models exceed it)' : ''}\n`);
        } else {
          progress.start('routing');
          let offset = 0;
          for await (const rows of readBatches(o.input, o.batch)) {
            const r = await router.route(rows.map((x) => x.prompt), { ...opts, embeddings: embeddingsOf(rows) });
            await emit(rows, r.decisions, offset);
            offset += rows.length;
            progress.tick(rows.length);
          }
          progress.done(`${offset} prompts`);
        }
        await out?.commit();
        if (o.out && !o.json) process.stderr.write(`decisions written to ${o.out}\n`);
      } catch (err) {
        await out?.abort();
        throw err;
      }
    });
}
