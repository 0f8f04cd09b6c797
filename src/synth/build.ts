// Builds TRouter's taxonomy with an LLM, level by level (ColdStartLLMRouter,
// src/components/kg_contructor.py): seed domains plus those the LLM proposes; per domain
// ≤ maxSubcategories subcategories; per subcategory ≤ maxLevels ordered difficulty levels
// (and optionally user-preference nodes). Every node set goes through the self-evaluation
// loop: the LLM critiques and revises the set, then chooses between the old and the revised
// set (A/B order seeded); the loop stops once the set stayed unchanged for `stableRounds`
// consecutive rounds, or after `maxRounds`. Every call goes through the ledger, so a killed
// build rerun replays what it had and continues.

import { createHash } from 'node:crypto';
import { TaskrouteError } from '../errors.js';
import { silentProgress, type Progress } from '../progress.js';
import { assertInteger, assertNumber } from '../validate.js';
import { callId, Ledger, type LedgerEntry } from './ledger.js';
import type { JsonSchema } from './json.js';
import type { ChatMessage, LlmClient, Usage } from './llm.js';
import {
  CHOICE_SCHEMA,
  chooseMessages,
  defineDomainsMessages,
  difficultyMessages,
  domainMessages,
  levelRules,
  NODE_SET_SCHEMA,
  preferenceMessages,
  REVISION_SCHEMA,
  reviseMessages,
  specialNote,
  subcategoryMessages,
  type NodeSpec,
} from './prompts.js';
import { TAXONOMY_LEVELS, uniqueSlugs, validateTaxonomy, type Taxonomy, type TaxonomyLevel, type TaxonomyNode } from './taxonomy.js';

/** TRouter's six seed domains (definitions after the authors' node_gen.py). */
export const SEED_DOMAINS: readonly (NodeSpec & { id: string })[] = [
  { id: 'math', name: 'Mathematics', definition: 'Quantitative problem solving with numbers, equations, logic or formal systems, from arithmetic and algebra to calculus.', example: 'What is the derivative of sin(x)?' },
  { id: 'creative-writing', name: 'Creative Writing', definition: 'Imaginative or artistic language generation such as poems, stories, scripts or creative descriptions.', example: 'Write a short story about a robot who learns to paint.' },
  { id: 'commonsense', name: 'Commonsense Knowledge', definition: 'Questions that need everyday world knowledge or intuitive reasoning about physical, social or causal relations.', example: 'Can a person fit inside a microwave?' },
  { id: 'programming', name: 'Programming', definition: 'Generating, debugging, explaining or developing code in a programming language.', example: 'Fix the bug in this Python function that calculates factorial.' },
  { id: 'long-context', name: 'Long-context Understanding', definition: 'Processing and reasoning over long inputs such as several documents, reports or transcripts.', example: 'Given the full meeting transcript, summarize the key action items and decisions.' },
  { id: 'reading-comprehension', name: 'Reading Comprehension', definition: 'Understanding and interpreting a given passage or document to answer specific questions about it.', example: "Based on the article, what was the author's attitude toward climate change policy?" },
];

export interface BuildTaxonomyOptions {
  /** The LLM that proposes, revises and chooses. */
  llm: LlmClient;
  /** Where calls are recorded and replayed (default: in memory, no resume). */
  ledger?: Ledger;
  /** Seed domain names (default: the six of SEED_DOMAINS). Built-in ones match by name or id; others are defined by the LLM. */
  seedDomains?: string[];
  /** New domains the LLM may propose beyond the seeds (default 4; 0: seeds only). */
  newDomains?: number;
  /** Subcategories per domain, at most (default 10). */
  maxSubcategories?: number;
  /** Difficulty levels per subcategory, at most (default 5). */
  maxLevels?: number;
  /** Add the optional 4th level, user preference (default false). */
  preferences?: boolean;
  /** Preference nodes per subcategory, at most (default 6). */
  maxPreferences?: number;
  /** Consecutive unchanged rounds that end a set's self-evaluation loop (default 2). */
  stableRounds?: number;
  /** Most revision rounds per set (default 6). */
  maxRounds?: number;
  /** Sampling temperature of every call (default 0.7, as the authors). */
  temperature?: number;
  /** Completion budget per call in tokens (default 4096). */
  maxTokens?: number;
  /** Seeds the A/B order of the choice prompts (default 0). */
  seed?: number;
  progress?: Progress;
}

/** How one node set's self-evaluation loop went. */
export interface SetReport {
  level: TaxonomyLevel;
  /** Id of the parent node ('' for the domain set). */
  parent: string;
  /** Revision rounds run. */
  rounds: number;
  /** Revised sets the LLM preferred (and that differed from the current one). */
  revisions: number;
  /** True when the loop ended because the set was stable, false when it hit maxRounds. */
  stable: boolean;
  size: number;
}

export interface BuildTaxonomyResult {
  taxonomy: Taxonomy;
  sets: SetReport[];
  /** Calls made in this run and answered from the ledger. */
  calls: { made: number; replayed: number };
  /** Tokens of the calls made in this run. */
  usage: Usage;
}

/** The most calls a build can make (each set: 1 proposal + maxRounds × (revision + choice)); for dry runs. */
export function taxonomyCallBound(o: {
  seeds: number;
  needDefinitions: number;
  newDomains: number;
  maxSubcategories: number;
  preferences: boolean;
  maxRounds: number;
}): number {
  const perSet = 1 + 2 * o.maxRounds;
  const domains = o.seeds + o.newDomains;
  const subs = domains * o.maxSubcategories;
  return (o.needDefinitions ? 1 : 0) + (o.newDomains ? perSet : 0) + domains * perSet + subs * perSet * (o.preferences ? 2 : 1);
}

/** Resolves seed names: built-in seeds by name or id (case-insensitive), the rest to be defined by the LLM. */
export function resolveSeeds(names: string[] | undefined): { known: (NodeSpec & { id: string })[]; unknown: string[]; order: string[] } {
  if (names === undefined) return { known: [...SEED_DOMAINS], unknown: [], order: SEED_DOMAINS.map((s) => s.name) };
  const known: (NodeSpec & { id: string })[] = [];
  const unknown: string[] = [];
  const order: string[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    const n = raw.trim();
    if (!n) continue;
    const s = SEED_DOMAINS.find((d) => d.name.toLowerCase() === n.toLowerCase() || d.id === n.toLowerCase() || d.name.toLowerCase().startsWith(`${n.toLowerCase()} `));
    const name = s ? s.name : n;
    if (seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    order.push(name);
    if (s) known.push(s);
    else unknown.push(n);
  }
  if (!order.length) throw new RangeError('Expected "seedDomains" to name at least one domain, received none');
  return { known, unknown, order };
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

function cleanSet(v: { nodes: NodeSpec[] }): NodeSpec[] {
  return v.nodes.map((n) => ({ name: norm(n.name), definition: norm(n.definition), example: n.example.trim() }));
}

function sameSet(a: NodeSpec[], b: NodeSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.name.toLowerCase() === b[i].name.toLowerCase() && norm(x.definition) === norm(b[i].definition) && norm(x.example) === norm(b[i].example))
  );
}

/** Rejects node sets with two nodes of one name, or with names already taken (the seeds). */
function uniqueNames(taken: string[] = []) {
  const t = new Set(taken.map((x) => x.toLowerCase()));
  return (value: unknown): string | undefined => {
    const nodes = (value as { nodes: NodeSpec[] }).nodes;
    const seen = new Set<string>();
    for (const n of nodes) {
      const k = norm(n.name).toLowerCase();
      if (t.has(k)) return `"${norm(n.name)}" is already defined; propose only new ones`;
      if (seen.has(k)) return `two nodes are named "${norm(n.name)}"; names must be distinct`;
      seen.add(k);
    }
    return undefined;
  };
}

class Builder {
  readonly o: Required<Omit<BuildTaxonomyOptions, 'ledger' | 'seedDomains' | 'progress'>>;
  readonly ledger: Ledger;
  readonly progress: Progress;
  usage: Usage = { promptTokens: 0, completionTokens: 0, estimated: false };
  made = 0;
  replayed = 0;
  sets: SetReport[] = [];
  /** The first failure: later calls are not started, so the build stops soon after it. */
  failed: unknown;

  constructor(options: BuildTaxonomyOptions) {
    this.o = {
      llm: options.llm,
      newDomains: assertInteger('newDomains', options.newDomains ?? 4, 0, 20),
      maxSubcategories: assertInteger('maxSubcategories', options.maxSubcategories ?? 10, 1, 10),
      maxLevels: assertInteger('maxLevels', options.maxLevels ?? 5, 1, 5),
      preferences: options.preferences ?? false,
      maxPreferences: assertInteger('maxPreferences', options.maxPreferences ?? 6, 1, 6),
      stableRounds: assertInteger('stableRounds', options.stableRounds ?? 2, 1, 100),
      maxRounds: assertInteger('maxRounds', options.maxRounds ?? 6, 0, 100),
      temperature: assertNumber('temperature', options.temperature ?? 0.7, 0, 2),
      maxTokens: assertInteger('maxTokens', options.maxTokens ?? 4096, 1),
      seed: assertInteger('seed', options.seed ?? 0, 0),
    };
    this.ledger = options.ledger ?? Ledger.memory();
    this.progress = options.progress ?? silentProgress;
  }

  async ask<T>(kind: string, key: Record<string, string | number>, messages: ChatMessage[], schema: JsonSchema, check?: (v: unknown) => string | undefined): Promise<T> {
    const { llm, temperature, maxTokens } = this.o;
    if (this.failed) throw this.failed;
    const id = callId('taxonomy', { kind, key, model: llm.model, temperature, maxTokens, messages });
    let got: Awaited<ReturnType<Ledger['run']>>;
    try {
      got = await this.ledger.run<T>(id, 'taxonomy', { kind, ...key }, async () => {
        const r = await llm.chatJson<T>(messages, schema, { temperature, maxTokens, check });
        return { result: r.value, usage: r.usage, asks: r.asks };
      });
    } catch (err) {
      this.failed ??= err;
      throw err;
    }
    const { cached } = got;
    const entry = got.entry as LedgerEntry<T>;
    if (cached) this.replayed++;
    else {
      this.made++;
      this.usage = {
        promptTokens: this.usage.promptTokens + entry.usage.promptTokens,
        completionTokens: this.usage.completionTokens + entry.usage.completionTokens,
        estimated: this.usage.estimated || entry.usage.estimated,
      };
    }
    this.progress.tick();
    return entry.result;
  }

  /** Whether set A of round `round` shows the current set (seeded, so reruns ask the same prompts). */
  currentFirst(parent: string, level: TaxonomyLevel, round: number): boolean {
    const h = createHash('sha256').update(`${this.o.seed}\0${level}\0${parent}\0${round}`).digest();
    return (h[0] & 1) === 0;
  }

  /** Proposal, then the revise-and-choose loop until stable (see the file comment). */
  async refine(level: TaxonomyLevel, parent: string, propose: ChatMessage[], max: number, note: string, taken: string[] = []): Promise<NodeSpec[]> {
    const rules = levelRules(level, max);
    const check = uniqueNames(taken);
    let current = cleanSet(await this.ask<{ nodes: NodeSpec[] }>('propose', { level, parent }, propose, NODE_SET_SCHEMA(max), check));
    let stable = 0;
    let rounds = 0;
    let revisions = 0;
    while (rounds < this.o.maxRounds && stable < this.o.stableRounds) {
      rounds++;
      const revised = cleanSet(
        await this.ask<{ nodes: NodeSpec[] }>('revise', { level, parent, round: rounds }, reviseMessages(level, current, rules, note), REVISION_SCHEMA(max), check),
      );
      if (sameSet(revised, current)) {
        // Choosing between two identical sets says nothing: count the round as stable.
        stable++;
        continue;
      }
      const cf = this.currentFirst(parent, level, rounds);
      const [a, b] = cf ? [current, revised] : [revised, current];
      const choice = await this.ask<{ preferred: string }>('choose', { level, parent, round: rounds }, chooseMessages(level, a, b, rules, note), CHOICE_SCHEMA);
      const pickedA = choice.preferred.endsWith('A');
      if (pickedA !== cf) {
        current = revised;
        revisions++;
        stable = 0;
      } else stable++;
    }
    this.sets.push({ level, parent, rounds, revisions, stable: stable >= this.o.stableRounds, size: current.length });
    return current;
  }
}

/** Awaits every promise (so no call is left running), then throws the first failure. */
async function settle<T>(ps: Promise<T>[]): Promise<T[]> {
  const r = await Promise.allSettled(ps);
  const bad = r.find((x) => x.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
  return r.map((x) => (x as PromiseFulfilledResult<T>).value);
}

function withIds(parent: string, nodes: NodeSpec[], reserved: Map<string, string> = new Map()): TaxonomyNode[] {
  const slugs = uniqueSlugs([...reserved.values(), ...nodes.map((n) => n.name)]).slice(reserved.size);
  return nodes.map((n, i) => ({ id: parent ? `${parent}/${slugs[i]}` : slugs[i], name: n.name, definition: n.definition, example: n.example }));
}

/** Builds a taxonomy with the LLM (see the file comment); the result is validated. */
export async function buildTaxonomy(options: BuildTaxonomyOptions): Promise<BuildTaxonomyResult> {
  if (typeof options !== 'object' || options === null || typeof options.llm?.chatJson !== 'function')
    throw new TypeError('Expected "llm" to be an LlmClient');
  const b = new Builder(options);
  const o = b.o;
  const seeds = resolveSeeds(options.seedDomains);
  b.progress.start('taxonomy: LLM calls');

  // Seeds: built-in ones as they are, others defined by the LLM in one call.
  const defined = new Map<string, NodeSpec>();
  if (seeds.unknown.length) {
    const v = await b.ask<{ nodes: NodeSpec[] }>('define', { level: 'domain' }, defineDomainsMessages(seeds.unknown), NODE_SET_SCHEMA(seeds.unknown.length), (value) => {
      const got = (value as { nodes: NodeSpec[] }).nodes.map((n) => norm(n.name).toLowerCase());
      const miss = seeds.unknown.filter((n) => !got.includes(n.toLowerCase()));
      return miss.length ? `missing the domain${miss.length === 1 ? '' : 's'} ${miss.map((m) => JSON.stringify(m)).join(', ')}` : undefined;
    });
    for (const n of cleanSet(v)) defined.set(n.name.toLowerCase(), n);
  }
  const seedNodes: { id?: string; spec: NodeSpec }[] = seeds.order.map((name) => {
    const k = seeds.known.find((s) => s.name === name);
    if (k) return { id: k.id, spec: { name: k.name, definition: k.definition, example: k.example } };
    const d = defined.get(name.toLowerCase()) as NodeSpec;
    return { spec: { ...d, name } };
  });

  let fresh: NodeSpec[] = [];
  if (o.newDomains > 0) {
    const names = seedNodes.map((s) => s.spec.name);
    fresh = await b.refine('domain', '', domainMessages(seedNodes.map((s) => s.spec), o.newDomains), o.newDomains, specialNote('domain', { seeds: names, maxNew: o.newDomains }), names);
  }

  // Domain ids: built-in seeds keep theirs; the rest are slugs of their names, unique among all.
  const reserved = new Map<string, string>();
  for (const s of seedNodes) if (s.id) reserved.set(s.id, s.id);
  const others = [...seedNodes.filter((s) => !s.id).map((s) => s.spec), ...fresh];
  const otherIds = withIds('', others, reserved);
  let k = 0;
  const domains: TaxonomyNode[] = seedNodes.map((s) => (s.id ? { id: s.id, ...s.spec } : otherIds[k++]));
  domains.push(...otherIds.slice(k));

  const levels: TaxonomyLevel[] = o.preferences ? [...TAXONOMY_LEVELS] : TAXONOMY_LEVELS.slice(0, 3);
  await settle(
    domains.map(async (d) => {
      const subs = await b.refine('subcategory', d.id, subcategoryMessages(d, o.maxSubcategories), o.maxSubcategories, specialNote('subcategory', { domain: d.name }));
      d.children = withIds(d.id, subs);
      await settle(
        d.children.map(async (s) => {
          const [levelsOf, prefs] = await settle([
            b.refine('difficulty', s.id, difficultyMessages(d, s, o.maxLevels), o.maxLevels, specialNote('difficulty', {})),
            o.preferences ? b.refine('preference', s.id, preferenceMessages(d, s, o.maxPreferences), o.maxPreferences, specialNote('preference', {})) : Promise.resolve([]),
          ]);
          s.children = withIds(s.id, levelsOf);
          if (o.preferences) for (const lv of s.children) lv.children = withIds(lv.id, prefs);
        }),
      );
    }),
  );
  b.progress.done(`${b.made} made, ${b.replayed} from the ledger`);
  let taxonomy: Taxonomy;
  try {
    taxonomy = validateTaxonomy(
      { format: 'taskroute-taxonomy', version: 1, levels, domains, meta: { source: 'llm', model: o.llm.model, seed: o.seed, stableRounds: o.stableRounds, maxRounds: o.maxRounds } },
      { source: 'built taxonomy', maxSubcategories: o.maxSubcategories, maxLevels: o.maxLevels, maxPreferences: o.maxPreferences },
    );
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_LLM', `the taxonomy built from ${o.llm.model} is invalid: ${(err as Error).message}`, { cause: err });
  }
  // Report sets in tree order, whatever order they finished in.
  const order = new Map<string, number>();
  order.set('domain:', -1);
  let i = 0;
  for (const d of taxonomy.domains) {
    order.set(`subcategory:${d.id}`, i++);
    for (const s of d.children ?? []) {
      order.set(`difficulty:${s.id}`, i++);
      order.set(`preference:${s.id}`, i++);
    }
  }
  b.sets.sort((x, y) => (order.get(`${x.level}:${x.parent}`) ?? 0) - (order.get(`${y.level}:${y.parent}`) ?? 0));
  return { taxonomy, sets: b.sets, calls: { made: b.made, replayed: b.replayed }, usage: b.usage };
}
