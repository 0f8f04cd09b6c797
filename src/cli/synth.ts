// `taskroute synth taxonomy | queries | label`: TRouter's cold-start data synthesis through an
// OpenAI-compatible LLM endpoint. Every LLM call is recorded in a ledger beside the output
// ("<out>.ledger.jsonl"), so a killed command rerun continues where it stopped; outputs are
// written atomically at the end; --dry-run prints the calls and the estimated cost first.

import { loadRoutingData } from '../data/index.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { createEmbedder } from '../embed/index.js';
import type { Embedder } from '../embed/types.js';
import { TaskrouteError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { createProgress } from '../progress.js';
import { buildTaxonomy, resolveSeeds, SEED_DOMAINS, taxonomyCallBound } from '../synth/build.js';
import { ngramEmbedder } from '../synth/dedup.js';
import { callCost, estimateLabel, labelQueries, parseJudgeSpec, readModelsFile, writeLabelledJsonl } from '../synth/label.js';
import { Ledger, ledgerPathFor } from '../synth/ledger.js';
import { estimateTokens, LlmClient, type LlmClientOptions } from '../synth/llm.js';
import { domainMessages, subcategoryMessages } from '../synth/prompts.js';
import { estimateQueries, readQueries, synthesizeQueries, writeQueries } from '../synth/queries.js';
import {
  builtinDomainMapping,
  leaves,
  readDomainMapping,
  readTaxonomy,
  taxonomyFromTasks,
  writeTaxonomy,
  type TaxonomyLimits,
} from '../synth/taxonomy.js';

// ---------------------------------------------------------------- option parsing

function intOpt(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new RangeError(`Expected "${flag}" to be ${max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`}, received ${JSON.stringify(v)}`);
    return n;
  };
}

function numOpt(flag: string, min: number, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new RangeError(`Expected "${flag}" to be a number ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}, received ${JSON.stringify(v)}`);
    return n;
  };
}

function listOpt(v: string): string[] {
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function priceOpt(flag: string) {
  return (v: string): { inputPrice: number; outputPrice: number } => {
    const parts = v.split(',');
    const n = parts.map((p) => Number(p));
    if (parts.length !== 2 || parts.some((p) => p.trim() === '') || n.some((x) => !Number.isFinite(x) || x < 0))
      throw new RangeError(`Expected "${flag}" to be IN,OUT prices in USD per million tokens (e.g. 0.15,0.6), received ${JSON.stringify(v)}`);
    return { inputPrice: n[0], outputPrice: n[1] };
  };
}

interface EndpointOpts {
  apiKeyEnv?: string;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
  jsonMode: boolean;
}

interface CommonOpts extends EndpointOpts {
  out: string;
  ledger?: string;
  dryRun?: boolean;
  json?: boolean;
}

function endpointOptions(cmd: Command): Command {
  return cmd
    .option('--api-key-env <VAR>', 'environment variable holding the API key (the key itself never goes on the command line or on disk)')
    .option('--concurrency <n>', 'requests in flight per endpoint', intOpt('--concurrency', 1, 1024), 4)
    .option('--timeout-ms <ms>', 'per-request timeout', intOpt('--timeout-ms', 1), 120_000)
    .option('--max-retries <n>', 'retries on 429 / 5xx / timeouts / dropped connections', intOpt('--max-retries', 0, 100), 5)
    .option('--no-json-mode', "do not send response_format json_object (for servers that reject it; answers are still parsed as JSON)");
}

function commonOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--out <file>', 'output file')
    .option('--ledger <file>', 'ledger of completed calls (default: <out>.ledger.jsonl)')
    .option('--dry-run', 'print the number of calls and the estimated cost, make no call')
    .option('--json', 'print one JSON summary on stdout; no progress');
}

function clientOpts(o: EndpointOpts): Pick<LlmClientOptions, 'timeoutMs' | 'maxRetries' | 'jsonMode'> {
  return { timeoutMs: o.timeoutMs, maxRetries: o.maxRetries, jsonMode: o.jsonMode };
}

function print(o: { json?: boolean }, summary: unknown, lines: string[]): void {
  if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(lines.map((l) => `${l}\n`).join(''));
}

const usd = (x: number) => `$${x < 0.01 && x > 0 ? x.toPrecision(3) : x.toFixed(2)}`;
const int = (x: number) => x.toLocaleString('en-US');

// ---------------------------------------------------------------- taxonomy

/** Task labels of a routing data set (any format the loader reads), first-seen order, non-empty. */
async function tasksOfData(path: string): Promise<string[]> {
  const data = await loadRoutingData(path);
  return [...new Set(data.tasks)].filter((t) => t !== '');
}

function mappingPath(v: string): string {
  return builtinDomainMapping(v) ?? v;
}

interface TaxonomyOpts extends CommonOpts {
  llm?: string;
  model?: string;
  seedDomains?: string[];
  newDomains: number;
  maxSubcategories: number;
  maxLevels: number;
  preferences?: boolean;
  maxPreferences: number;
  stableRounds: number;
  maxRounds: number;
  temperature: number;
  maxTokens: number;
  seed: number;
  inputPrice: number;
  outputPrice: number;
  fromTasks?: string;
  tasks?: string[];
  mapping?: string;
  taskLeaves?: string;
}

async function taxonomyCommand(o: TaxonomyOpts): Promise<void> {
  const limits: TaxonomyLimits = { maxSubcategories: o.maxSubcategories, maxLevels: o.maxLevels, maxPreferences: o.maxPreferences };
  if (o.fromTasks !== undefined || o.tasks !== undefined) {
    if (o.llm) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'use either --llm (build with an LLM) or --from-tasks/--tasks with --mapping (derive from task labels), not both');
    if (!o.mapping) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', '--from-tasks/--tasks need --mapping FILE (e.g. resources/llmrouter-domains.json, or the name "llmrouter")');
    const file = mappingPath(o.mapping);
    const mapping = readDomainMapping(file);
    const tasks = o.tasks ?? (await tasksOfData(o.fromTasks as string));
    const r = taxonomyFromTasks(tasks, mapping, file);
    if (o.dryRun) {
      print(o, { dryRun: true, calls: 0, leaves: leaves(r.taxonomy).length }, [`synth taxonomy (dry run): no LLM calls; ${leaves(r.taxonomy).length} leaves from ${tasks.length} task labels`]);
      return;
    }
    await writeTaxonomy(r.taxonomy, o.out, limits);
    if (o.taskLeaves) await writeFileAtomic(o.taskLeaves, `${JSON.stringify(r.taskLeaves, null, 2)}\n`);
    const lv = leaves(r.taxonomy);
    print(o, { out: o.out, taskLeaves: o.taskLeaves ?? null, domains: r.taxonomy.domains.length, leaves: lv.length, mapping: r.taskLeaves, notes: r.notes }, [
      `wrote ${o.out}: ${r.taxonomy.domains.length} domains, ${lv.length} leaves from ${new Set(tasks.filter(Boolean)).size} tasks (${file})`,
      ...(o.taskLeaves ? [`wrote ${o.taskLeaves}: task → leaf mapping`] : []),
      ...r.notes.map((n) => `note: ${n}`),
    ]);
    return;
  }
  if (!o.llm || !o.model) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'synth taxonomy needs --llm URL and --model NAME (or --from-tasks/--tasks with --mapping)');
  const ledgerPath = o.ledger ?? ledgerPathFor(o.out);
  const seeds = resolveSeeds(o.seedDomains);
  const buildOptions = {
    seedDomains: o.seedDomains,
    newDomains: o.newDomains,
    maxSubcategories: o.maxSubcategories,
    maxLevels: o.maxLevels,
    preferences: o.preferences,
    maxPreferences: o.maxPreferences,
    stableRounds: o.stableRounds,
    maxRounds: o.maxRounds,
    temperature: o.temperature,
    maxTokens: o.maxTokens,
    seed: o.seed,
  };
  if (o.dryRun) {
    const ledger = Ledger.peek(ledgerPath);
    // Replay the ledger with a client that refuses to call: when that completes, nothing is left to call.
    const offline = {
      model: o.model,
      chatJson: async () => {
        throw new TaskrouteError('ERR_TASKROUTE_INTERNAL', 'dry run');
      },
    } as unknown as LlmClient;
    const complete = ledger.size > 0 && (await buildTaxonomy({ ...buildOptions, llm: offline, ledger }).then(() => true, () => false));
    if (complete) {
      print(o, { dryRun: true, calls: { max: 0 }, cached: ledger.size, tokens: { prompt: 0, completion: 0 }, costUsd: 0 }, [
        `synth taxonomy (dry run): 0 calls to ${o.model}: the ledger ${ledgerPath} holds the whole build (${ledger.size} calls)`,
      ]);
      return;
    }
    const bound = taxonomyCallBound({
      seeds: seeds.order.length,
      needDefinitions: seeds.unknown.length,
      newDomains: o.newDomains,
      maxSubcategories: o.maxSubcategories,
      preferences: !!o.preferences,
      maxRounds: o.maxRounds,
    });
    // Prompt sizes: the revision/choice prompts carry one or two node sets; take the larger
    // step prompts as a per-call estimate.
    const sample = [domainMessages([...SEED_DOMAINS], o.newDomains), subcategoryMessages(SEED_DOMAINS[0], o.maxSubcategories)];
    const perPrompt = Math.max(...sample.map((m) => estimateTokens(m.map((x) => x.content).join('\n')))) + 60 * o.maxSubcategories;
    const calls = Math.max(0, bound - ledger.size);
    const cost = callCost({ promptTokens: perPrompt * calls, completionTokens: o.maxTokens * calls }, o);
    print(
      o,
      { dryRun: true, calls: { max: calls }, cached: ledger.size, tokens: { prompt: perPrompt * calls, completion: o.maxTokens * calls }, costUsd: cost },
      [
        `synth taxonomy (dry run): at most ${int(calls)} calls to ${o.model} (${ledger.size} already in ${ledgerPath}); the self-evaluation loop usually stops well before the bound`,
        `estimated tokens at most: prompt ${int(perPrompt * calls)} (≈ characters / 4), completion ${int(o.maxTokens * calls)} (the per-call budget)`,
        `estimated cost at most: ${usd(cost)}${o.inputPrice || o.outputPrice ? '' : ' (set --input-price/--output-price for a cost)'}`,
      ],
    );
    return;
  }
  const llm = new LlmClient({ baseUrl: o.llm, model: o.model, apiKeyEnv: o.apiKeyEnv, concurrency: o.concurrency, ...clientOpts(o) });
  const ledger = Ledger.open(ledgerPath);
  try {
    const r = await buildTaxonomy({
      ...buildOptions,
      llm,
      ledger,
      progress: createProgress({ enabled: o.json ? false : undefined }),
    });
    await writeTaxonomy(r.taxonomy, o.out, limits);
    const lv = leaves(r.taxonomy);
    const unstable = r.sets.filter((s) => !s.stable);
    const cost = callCost(r.usage, o);
    print(o, { out: o.out, ledger: ledgerPath, domains: r.taxonomy.domains.length, leaves: lv.length, calls: r.calls, usage: r.usage, costUsd: cost, sets: r.sets }, [
      `wrote ${o.out}: ${r.taxonomy.domains.length} domains, ${lv.length} leaves`,
      `calls: ${r.calls.made} made, ${r.calls.replayed} from the ledger ${ledgerPath}; tokens ${int(r.usage.promptTokens)} prompt + ${int(r.usage.completionTokens)} completion${r.usage.estimated ? ' (some estimated)' : ''}${o.inputPrice || o.outputPrice ? `, ${usd(cost)}` : ''}`,
      `self-evaluation: ${r.sets.length} sets, ${r.sets.length - unstable.length} stable${unstable.length ? `, ${unstable.length} stopped at --max-rounds ${o.maxRounds}` : ''}`,
    ]);
  } finally {
    ledger.close();
  }
}

// ---------------------------------------------------------------- queries

interface QueriesOpts extends CommonOpts {
  taxonomy: string;
  llm: string;
  model: string;
  perLeaf: number;
  perCall: number;
  maxCalls?: number;
  threshold: number;
  avoid: number;
  temperature: number;
  maxTokens: number;
  leaves?: string[];
  dedupEmbedder: 'builtin' | 'ngram';
  inputPrice: number;
  outputPrice: number;
  partial?: boolean;
}

function dedupEmbedder(kind: 'builtin' | 'ngram'): Embedder {
  if (kind === 'ngram') return ngramEmbedder();
  try {
    return createEmbedder({ kind: 'builtin' });
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `the builtin embedder is not available (${(err as Error).message}); use --dedup-embedder ngram`);
  }
}

async function queriesCommand(o: QueriesOpts): Promise<void> {
  const taxonomy = await readTaxonomy(o.taxonomy);
  const ledgerPath = o.ledger ?? ledgerPathFor(o.out);
  const common = { taxonomy, perLeaf: o.perLeaf, perCall: o.perCall, maxCalls: o.maxCalls, threshold: o.threshold, avoid: o.avoid, temperature: o.temperature, maxTokens: o.maxTokens, leaves: o.leaves };
  if (o.dryRun) {
    const e = estimateQueries({ ...common, ledger: Ledger.peek(ledgerPath) });
    const cost = callCost({ promptTokens: e.tokens.prompt, completionTokens: e.tokens.completion }, o);
    print(o, { dryRun: true, ...e, costUsd: cost }, [
      `synth queries (dry run): ${int(e.calls.min)} to ${int(e.calls.max)} calls to ${o.model} for ${e.leaves} leaves × ${o.perLeaf} pairs (${e.cached} already in ${ledgerPath})`,
      `estimated tokens at most: prompt ${int(e.tokens.prompt)} (≈ characters / 4), completion ${int(e.tokens.completion)} (the per-call budget)`,
      `estimated cost at most: ${usd(cost)}${o.inputPrice || o.outputPrice ? '' : ' (set --input-price/--output-price for a cost)'}`,
    ]);
    return;
  }
  const embedder = dedupEmbedder(o.dedupEmbedder);
  const llm = new LlmClient({ baseUrl: o.llm, model: o.model, apiKeyEnv: o.apiKeyEnv, concurrency: o.concurrency, ...clientOpts(o) });
  const ledger = Ledger.open(ledgerPath);
  try {
    const r = await synthesizeQueries({ ...common, llm, embedder, ledger, leafConcurrency: o.concurrency, progress: createProgress({ enabled: o.json ? false : undefined }) });
    const failed = r.leaves.filter((l) => l.error);
    if (failed.length && !o.partial)
      throw new TaskrouteError(
        'ERR_TASKROUTE_LLM',
        `${failed.length} of ${r.leaves.length} leaves failed (completed calls are kept in ${ledgerPath}; rerun to retry, or pass --partial to write what there is). First: ${failed[0].leaf}: ${failed[0].error}`,
      );
    await writeQueries(r.queries, o.out);
    const short = r.leaves.filter((l) => l.shortfall > 0);
    const cost = callCost(r.usage, o);
    print(o, { out: o.out, ledger: ledgerPath, queries: r.queries.length, calls: r.calls, usage: r.usage, costUsd: cost, shortfalls: short, leaves: r.leaves }, [
      `wrote ${o.out}: ${r.queries.length} QA pairs for ${r.leaves.length} leaves (${r.leaves.reduce((a, l) => a + l.duplicates, 0)} near-duplicates dropped)`,
      `calls: ${r.calls.made} made, ${r.calls.replayed} from the ledger ${ledgerPath}; tokens ${int(r.usage.promptTokens)} prompt + ${int(r.usage.completionTokens)} completion${o.inputPrice || o.outputPrice ? `, ${usd(cost)}` : ''}`,
      ...short.map((l) => `shortfall: ${l.leaf} has ${l.kept} of ${o.perLeaf} pairs after ${l.calls} calls${l.error ? ` (failed: ${l.error})` : ''}`),
    ]);
  } finally {
    ledger.close();
  }
}

// ---------------------------------------------------------------- label

interface LabelOpts extends CommonOpts {
  queries: string;
  models: string;
  judge: string;
  judgeApiKeyEnv?: string;
  judgePrice?: { inputPrice: number; outputPrice: number };
  answerMaxTokens: number;
  judgeMaxTokens: number;
}

async function labelCommand(o: LabelOpts): Promise<void> {
  const queries = await readQueries(o.queries);
  const models = readModelsFile(o.models);
  const judge = { ...parseJudgeSpec(o.judge), apiKeyEnv: o.judgeApiKeyEnv, ...(o.judgePrice ?? {}) };
  const ledgerPath = o.ledger ?? ledgerPathFor(o.out);
  const common = { queries, models, judge, answerMaxTokens: o.answerMaxTokens, judgeMaxTokens: o.judgeMaxTokens };
  if (o.dryRun) {
    const e = estimateLabel({ ...common, ledger: Ledger.peek(ledgerPath) });
    print(o, { dryRun: true, queries: queries.length, models: models.length, ...e }, [
      `synth label (dry run): ${int(e.calls.total)} calls to make (${int(e.calls.answers)} answers from ${models.length} models, ${int(e.calls.judge)} judge verdicts) for ${queries.length} queries; ${e.cached.answers + e.cached.judge} already in ${ledgerPath}`,
      `estimated tokens at most: prompt ${int(e.tokens.prompt)} (≈ characters / 4), completion ${int(e.tokens.completion)} (the per-call budgets)`,
      `estimated cost at most: ${usd(e.costUsd.total)} (answers ${usd(e.costUsd.answers)} at the models' prices; judge ${usd(e.costUsd.judge)}${o.judgePrice ? '' : ', set --judge-price IN,OUT for it'})`,
      ...models.map((m) => `  ${m.name}: ${usd(e.costUsd.byModel[m.name])}`),
    ]);
    return;
  }
  const ledger = Ledger.open(ledgerPath);
  try {
    const r = await labelQueries({ ...common, ledger, concurrency: o.concurrency, client: clientOpts(o), progress: createProgress({ enabled: o.json ? false : undefined }) });
    if (r.failures.length) {
      const f = r.failures[0];
      throw new TaskrouteError(
        'ERR_TASKROUTE_LLM',
        `${r.failures.length} of ${queries.length * models.length} (query, model) pairs failed; nothing written. Completed calls are kept in ${ledgerPath}: rerun to retry the rest. First: ${f.stage} of ${f.query} by ${f.model}: ${f.error}`,
      );
    }
    await writeLabelledJsonl(r.records, o.out);
    const calls = r.calls.answers.made + r.calls.judge.made;
    const replayed = r.calls.answers.replayed + r.calls.judge.replayed;
    print(o, { out: o.out, ledger: ledgerPath, records: r.records.length, models: models.map((m) => m.name), calls: r.calls, usage: r.usage, costUsd: r.costUsd }, [
      `wrote ${o.out}: ${r.records.length} records × ${models.length} models (scores by ${judge.model}, costs from token usage × prices)`,
      `calls: ${calls} made, ${replayed} from the ledger ${ledgerPath}; answers cost ${usd(r.costUsd.answers)}${o.judgePrice ? `, judge ${usd(r.costUsd.judge)} this run` : ''}`,
    ]);
  } finally {
    ledger.close();
  }
}

// ---------------------------------------------------------------- registration

export function register(program: Command): void {
  const synth = program.command('synth').description("TRouter's cold-start data: task taxonomy, synthetic queries, labels (through an OpenAI-compatible LLM)");

  const tax = synth
    .command('taxonomy')
    .description('build the task taxonomy with an LLM (--llm, --model), or derive it from task labels (--from-tasks/--tasks with --mapping)')
    .option('--llm <url>', 'OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1')
    .option('--model <name>', 'model that proposes, revises and chooses')
    .option('--seed-domains <list>', `comma-separated seed domains (default: ${SEED_DOMAINS.map((s) => s.name).join(', ')})`, listOpt)
    .option('--new-domains <n>', 'new domains the LLM may propose beyond the seeds', intOpt('--new-domains', 0, 20), 4)
    .option('--max-subcategories <n>', 'subcategories per domain, at most', intOpt('--max-subcategories', 1, 10), 10)
    .option('--max-levels <n>', 'difficulty levels per subcategory, at most', intOpt('--max-levels', 1, 5), 5)
    .option('--preferences', 'add the optional 4th level, user preference')
    .option('--max-preferences <n>', 'preference nodes per subcategory, at most', intOpt('--max-preferences', 1, 6), 6)
    .option('--stable-rounds <n>', 'stop a set after this many consecutive unchanged rounds', intOpt('--stable-rounds', 1, 100), 2)
    .option('--max-rounds <n>', 'revision rounds per set, at most', intOpt('--max-rounds', 0, 100), 6)
    .option('--temperature <t>', 'sampling temperature', numOpt('--temperature', 0, 2), 0.7)
    .option('--max-tokens <n>', 'completion budget per call', intOpt('--max-tokens', 1), 4096)
    .option('--seed <n>', 'seeds the A/B order of the choice prompts', intOpt('--seed', 0), 0)
    .option('--input-price <usd>', 'USD per million prompt tokens of --model (for cost figures)', numOpt('--input-price', 0), 0)
    .option('--output-price <usd>', 'USD per million completion tokens of --model', numOpt('--output-price', 0), 0)
    .option('--from-tasks <data>', 'derive the taxonomy from the task labels of this routing data set (needs the data loader)')
    .option('--tasks <list>', 'derive the taxonomy from these comma-separated task labels', listOpt)
    .option('--mapping <file>', 'task → domain mapping file for --from-tasks/--tasks (or a shipped one by name: llmrouter)')
    .option('--task-leaves <file>', 'with --from-tasks/--tasks: also write the task → leaf mapping here');
  endpointOptions(commonOptions(tax)).action((o: TaxonomyOpts) => taxonomyCommand(o));

  const q = synth
    .command('queries')
    .description('synthesise QA pairs for every taxonomy leaf, near-duplicates dropped')
    .requiredOption('--taxonomy <file>', 'taxonomy (.json, .yaml)')
    .requiredOption('--llm <url>', 'OpenAI-compatible endpoint')
    .requiredOption('--model <name>', 'model that writes the pairs')
    .option('--per-leaf <n>', 'QA pairs per leaf', intOpt('--per-leaf', 1, 100_000), 40)
    .option('--per-call <n>', 'QA pairs asked for per call', intOpt('--per-call', 1, 100), 8)
    .option('--max-calls <n>', 'calls per leaf, at most (default: ceil(per-leaf / per-call) + 10)', intOpt('--max-calls', 1))
    .option('--threshold <c>', 'cosine similarity above which a question is a near-duplicate', numOpt('--threshold', -1, 1), 0.9)
    .option('--avoid <n>', 'kept questions quoted in the next prompt as "do not repeat"', intOpt('--avoid', 0, 100), 8)
    .option('--temperature <t>', 'sampling temperature', numOpt('--temperature', 0, 2), 0.7)
    .option('--max-tokens <n>', 'completion budget per call', intOpt('--max-tokens', 1), 4096)
    .option('--leaves <list>', 'only these comma-separated leaf ids', listOpt)
    .addOption(new Option('--dedup-embedder <kind>', 'embedder of the near-duplicate check').choices(['builtin', 'ngram']).default('builtin'))
    .option('--input-price <usd>', 'USD per million prompt tokens of --model (for cost figures)', numOpt('--input-price', 0), 0)
    .option('--output-price <usd>', 'USD per million completion tokens of --model', numOpt('--output-price', 0), 0)
    .option('--partial', 'write the pairs of the leaves that worked even when some failed');
  endpointOptions(commonOptions(q)).action((o: QueriesOpts) => queriesCommand(o));

  const l = synth
    .command('label')
    .description('every candidate model answers every query; a judge scores each answer 0–1; writes canonical routing JSONL')
    .requiredOption('--queries <file>', 'queries.jsonl from synth queries')
    .requiredOption('--models <file>', 'models file: [{ "name", "baseUrl", "model", "apiKeyEnv"?, "inputPrice", "outputPrice" }]')
    .requiredOption('--judge <url,model>', 'judge endpoint and model, e.g. http://127.0.0.1:8000/v1,qwen2.5-72b')
    .option('--judge-api-key-env <VAR>', "environment variable holding the judge's API key")
    .option('--judge-price <in,out>', "judge's USD per million prompt,completion tokens (for cost figures)", priceOpt('--judge-price'))
    .option('--answer-max-tokens <n>', 'completion budget of an answer', intOpt('--answer-max-tokens', 1), 2048)
    .option('--judge-max-tokens <n>', 'completion budget of a verdict', intOpt('--judge-max-tokens', 1), 256);
  commonOptions(l)
    .option('--concurrency <n>', 'requests in flight per endpoint (a model\'s own "concurrency" wins)', intOpt('--concurrency', 1, 1024), 4)
    .option('--timeout-ms <ms>', 'per-request timeout', intOpt('--timeout-ms', 1), 120_000)
    .option('--max-retries <n>', 'retries on 429 / 5xx / timeouts / dropped connections', intOpt('--max-retries', 0, 100), 5)
    .option('--no-json-mode', "do not send response_format json_object to the judge")
    .action((o: LabelOpts) => labelCommand(o));
}
