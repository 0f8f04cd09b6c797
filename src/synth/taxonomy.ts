// TRouter's task taxonomy: a tree domain → subcategory → difficulty (→ user preference),
// every node { id, name, definition, example }, leaf ids stable slug paths such as
// "math/algebra/hard". Stored as JSON or YAML (by file extension), pretty-printed in a
// stable key order so people can edit it by hand; validated with the path of every bad
// node. Also: taxonomies derived from a data set's task labels plus a domain mapping file
// (the cold-start evaluation without an LLM), and task → leaf mapping files.

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import YAML from 'yaml';
import { TaskrouteError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { packageRoot } from '../native.js';

export const TAXONOMY_LEVELS = ['domain', 'subcategory', 'difficulty', 'preference'] as const;
export type TaxonomyLevel = (typeof TAXONOMY_LEVELS)[number];

export interface TaxonomyNode {
  /** Slug path from the domain down, e.g. "math/algebra/hard"; stays fixed when the name is edited. */
  id: string;
  name: string;
  /** One sentence saying what belongs here. */
  definition: string;
  /** One query that belongs here. */
  example: string;
  /** Ordered children; absent (or empty) on a leaf. */
  children?: TaxonomyNode[];
}

export interface Taxonomy {
  format: 'taskroute-taxonomy';
  version: 1;
  /** The level names, top down: a prefix of domain, subcategory, difficulty, preference (2–4 of them). */
  levels: TaxonomyLevel[];
  domains: TaxonomyNode[];
  /** Free-form provenance (how it was built, with which model); never secrets. */
  meta?: Record<string, string | number | boolean>;
}

export interface TaxonomyLimits {
  /** Most subcategories per domain (default 10). */
  maxSubcategories?: number;
  /** Most difficulty levels per subcategory (default 5). */
  maxLevels?: number;
  /** Most user-preference nodes per difficulty level (default 6). */
  maxPreferences?: number;
}

export interface TaxonomyLeaf {
  id: string;
  node: TaxonomyNode;
  /** The nodes from the domain down to this leaf. */
  path: TaxonomyNode[];
}

const NODE_FIELDS = ['id', 'name', 'definition', 'example', 'children'];
const TOP_FIELDS = ['format', 'version', 'levels', 'domains', 'meta'];
const SEGMENT = /^[a-z0-9][a-z0-9._-]*$/;

function taxError(message: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_TAXONOMY', message);
}

/** A stable id segment for a name: lower case ASCII letters, digits, '.', '_', '-'. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\+/g, 'p')
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 64)
    .replace(/[-._]+$/g, '');
  return s || 'node';
}

/** Slugs for sibling names, made unique in order ("-2", "-3" on collisions). */
export function uniqueSlugs(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    const base = slugify(n);
    let s = base;
    for (let k = 2; seen.has(s); k++) s = `${base}-${k}`;
    seen.add(s);
    return s;
  });
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * Checks a parsed taxonomy. Every problem is reported with the JSON path of the bad node
 * (and its id): missing or empty fields, unknown fields, bad ids, duplicate sibling names
 * or ids, too many children for the level, nodes deeper than `levels`, domains without
 * subcategories. Throws ERR_TASKROUTE_TAXONOMY listing them; returns the typed value.
 */
export function validateTaxonomy(value: unknown, options: TaxonomyLimits & { source?: string } = {}): Taxonomy {
  const src = options.source ?? 'taxonomy';
  const limits = [Infinity, options.maxSubcategories ?? 10, options.maxLevels ?? 5, options.maxPreferences ?? 6];
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw taxError(`${src}: expected a taxonomy object, received ${describe(value)}`);
  const top = value as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!TOP_FIELDS.includes(k)) problems.push(`unknown top-level field "${k}" (allowed: ${TOP_FIELDS.join(', ')})`);
  if (top.format !== undefined && top.format !== 'taskroute-taxonomy') problems.push(`format: expected "taskroute-taxonomy", received ${describe(top.format)}`);
  if (top.version !== undefined && top.version !== 1) problems.push(`version: expected 1, received ${describe(top.version)}`);
  let levels: TaxonomyLevel[] = [...TAXONOMY_LEVELS];
  if (top.levels !== undefined) {
    const l = top.levels;
    const ok =
      Array.isArray(l) && l.length >= 2 && l.length <= 4 && l.every((x, i) => x === TAXONOMY_LEVELS[i]);
    if (!ok) problems.push(`levels: expected a prefix of [${TAXONOMY_LEVELS.join(', ')}] with 2 to 4 names, received ${Array.isArray(l) ? JSON.stringify(l) : describe(l)}`);
    else levels = l as TaxonomyLevel[];
  }
  if (top.meta !== undefined) {
    const m = top.meta;
    if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.values(m).some((v) => !['string', 'number', 'boolean'].includes(typeof v)))
      problems.push('meta: expected an object of strings, numbers and booleans');
  }
  const walk = (nodes: unknown, path: string, parentId: string, depth: number) => {
    if (!Array.isArray(nodes)) {
      problems.push(`${path}: expected an array of nodes, received ${describe(nodes)}`);
      return;
    }
    const level = levels[depth - 1] ?? `level ${depth}`;
    if (depth === 1 && nodes.length === 0) problems.push(`${path}: a taxonomy needs at least one domain`);
    const max = limits[depth - 1];
    if (nodes.length > max) {
      const what = depth === 2 ? 'subcategories per domain' : depth === 3 ? 'difficulty levels per subcategory' : 'preferences per difficulty level';
      problems.push(`${path} (under "${parentId}"): ${nodes.length} ${level} nodes, more than the ${max} ${what} allowed`);
    }
    const names = new Map<string, string>();
    const ids = new Map<string, string>();
    nodes.forEach((n, i) => {
      const p = `${path}[${i}]`;
      if (typeof n !== 'object' || n === null || Array.isArray(n)) {
        problems.push(`${p}: expected a node object, received ${describe(n)}`);
        return;
      }
      const o = n as Record<string, unknown>;
      const idOk = typeof o.id === 'string' && o.id !== '';
      const at = idOk ? `${p} ("${o.id as string}")` : p;
      for (const k of Object.keys(o)) if (!NODE_FIELDS.includes(k)) problems.push(`${at}: unknown field "${k}" (allowed: ${NODE_FIELDS.join(', ')})`);
      for (const f of ['id', 'name', 'definition', 'example'] as const) {
        if (!(f in o)) problems.push(`${at}: missing field "${f}"`);
        else if (typeof o[f] !== 'string') problems.push(`${at}: "${f}" must be a string, received ${describe(o[f])}`);
        else if (!(o[f] as string).trim()) problems.push(`${at}: empty ${f}`);
      }
      if (idOk) {
        const id = o.id as string;
        const prefix = parentId ? `${parentId}/` : '';
        const seg = id.startsWith(prefix) ? id.slice(prefix.length) : undefined;
        if (seg === undefined || !SEGMENT.test(seg))
          problems.push(
            `${at}: bad id: expected ${prefix ? `"${prefix}" followed by ` : ''}one segment of lower-case letters, digits, '.', '_' or '-'${seg !== undefined ? '' : ` (the id must start with its parent's id "${parentId}/")`}`,
          );
        const prev = ids.get(id);
        if (prev !== undefined) problems.push(`${at}: duplicate sibling id "${id}" (also at ${prev})`);
        else ids.set(id, p);
      }
      if (typeof o.name === 'string' && o.name.trim()) {
        const key = o.name.trim().toLowerCase();
        const prev = names.get(key);
        if (prev !== undefined) problems.push(`${at}: duplicate sibling name "${o.name.trim()}" (also at ${prev})`);
        else names.set(key, p);
      }
      const kids = o.children;
      const hasKids = kids !== undefined && !(Array.isArray(kids) && kids.length === 0);
      if (hasKids) {
        if (depth >= levels.length)
          problems.push(`${at}: wrong depth: a ${level} node cannot have children (levels: ${levels.join(' → ')})`);
        else walk(kids, `${p}.children`, idOk ? (o.id as string) : `${parentId}/?`, depth + 1);
      } else if (depth === 1) problems.push(`${at}: wrong depth: domain "${String(o.name ?? o.id)}" has no subcategories (every leaf is a subcategory or deeper)`);
      if (kids !== undefined && !Array.isArray(kids)) problems.push(`${at}: "children" must be an array, received ${describe(kids)}`);
    });
  };
  if (!('domains' in top)) problems.push('missing field "domains"');
  else walk(top.domains, 'domains', '', 1);
  if (problems.length === 1) throw taxError(`${src}: ${problems[0]}`);
  if (problems.length > 1)
    throw taxError(`${src}: ${problems.length} problems:\n${problems.slice(0, 50).map((p) => `  ${p}`).join('\n')}${problems.length > 50 ? `\n  … and ${problems.length - 50} more` : ''}`);
  const t = top as unknown as Taxonomy;
  return normalise({ format: 'taskroute-taxonomy', version: 1, levels, domains: t.domains, ...(t.meta ? { meta: t.meta } : {}) });
}

function normaliseNode(n: TaxonomyNode): TaxonomyNode {
  const o: TaxonomyNode = { id: n.id, name: n.name.trim(), definition: n.definition.trim(), example: n.example.trim() };
  if (n.children && n.children.length) o.children = n.children.map(normaliseNode);
  return o;
}

/** A copy with the stable key order (id, name, definition, example, children) and trimmed text. */
function normalise(t: Taxonomy): Taxonomy {
  const o: Taxonomy = { format: 'taskroute-taxonomy', version: 1, levels: [...t.levels], domains: t.domains.map(normaliseNode) };
  if (t.meta) o.meta = { ...t.meta };
  return o;
}

function formatOf(path: string): 'json' | 'yaml' {
  const e = extname(path).toLowerCase();
  if (e === '.json') return 'json';
  if (e === '.yaml' || e === '.yml') return 'yaml';
  throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${path}: a taxonomy file must end in .json, .yaml or .yml`);
}

/** Parses taxonomy text (JSON or YAML) and validates it. */
export function parseTaxonomy(text: string, format: 'json' | 'yaml', options: TaxonomyLimits & { source?: string } = {}): Taxonomy {
  const src = options.source ?? 'taxonomy';
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw taxError(`${src}: not valid ${format === 'json' ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`);
  }
  return validateTaxonomy(value, options);
}

/** Reads and validates a taxonomy file (.json, .yaml or .yml). */
export async function readTaxonomy(path: string, limits: TaxonomyLimits = {}): Promise<Taxonomy> {
  const format = formatOf(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `cannot read the taxonomy ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTaxonomy(text, format, { ...limits, source: path });
}

/** Synchronous twin of readTaxonomy. */
export function readTaxonomySync(path: string, limits: TaxonomyLimits = {}): Taxonomy {
  const format = formatOf(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `cannot read the taxonomy ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTaxonomy(text, format, { ...limits, source: path });
}

/** The taxonomy as pretty-printed JSON or YAML text, keys in the stable order. */
export function taxonomyToText(tax: Taxonomy, format: 'json' | 'yaml'): string {
  const t = normalise(tax);
  return format === 'json' ? `${JSON.stringify(t, null, 2)}\n` : YAML.stringify(t, { lineWidth: 0 });
}

/** Validates and writes a taxonomy atomically, JSON or YAML by the file's extension. */
export async function writeTaxonomy(tax: Taxonomy, path: string, limits: TaxonomyLimits = {}): Promise<void> {
  const format = formatOf(path);
  const t = validateTaxonomy(tax, { ...limits, source: path });
  await writeFileAtomic(path, taxonomyToText(t, format));
}

/** Every leaf, depth first in the stored order. */
export function leaves(tax: Taxonomy): TaxonomyLeaf[] {
  const out: TaxonomyLeaf[] = [];
  const walk = (n: TaxonomyNode, path: TaxonomyNode[]) => {
    const p = [...path, n];
    if (n.children && n.children.length) for (const c of n.children) walk(c, p);
    else out.push({ id: n.id, node: n, path: p });
  };
  for (const d of tax.domains) walk(d, []);
  return out;
}

/** The nodes from the domain down to the node with this id (any node, leaf or not). */
export function leafPath(tax: Taxonomy, id: string): TaxonomyNode[] {
  const segs = id.split('/');
  const path: TaxonomyNode[] = [];
  let level: TaxonomyNode[] | undefined = tax.domains;
  for (let i = 0; i < segs.length; i++) {
    const want = segs.slice(0, i + 1).join('/');
    const n: TaxonomyNode | undefined = level?.find((x) => x.id === want);
    if (!n) throw taxError(`unknown taxonomy node "${id}"`);
    path.push(n);
    level = n.children;
  }
  return path;
}

/** The node with this id, or undefined. */
export function findNode(tax: Taxonomy, id: string): TaxonomyNode | undefined {
  try {
    const p = leafPath(tax, id);
    return p[p.length - 1];
  } catch {
    return undefined;
  }
}

/** The names along a node's path, e.g. "Mathematics / Algebra / Hard" (the `task` of synthetic records). */
export function leafTitle(tax: Taxonomy, id: string, separator = ' / '): string {
  return leafPath(tax, id)
    .map((n) => n.name)
    .join(separator);
}

/** The text embedded for a node's task representation e_t: name, definition and example. */
export function nodeDescription(node: Pick<TaxonomyNode, 'name' | 'definition' | 'example'>): string {
  return `${node.name}: ${node.definition} Example: ${node.example}`;
}

// ---------------------------------------------------------------- task → leaf mappings

/** `{ "task label": "leaf id" }`: which leaf real data's task labels stand for (TRouter's prior). */
export type TaskLeafMapping = Record<string, string>;

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** Checks a task → leaf mapping's shape (object of non-empty strings). */
export function validateTaskLeafMapping(value: unknown, source = 'mapping'): TaskLeafMapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: expected an object { "task": "leaf-id" }, received ${describe(value)}`);
  const out: TaskLeafMapping = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!k.trim()) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: empty task name`);
    if (typeof v !== 'string' || !v.trim())
      throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: task "${k}": expected a leaf id string, received ${describe(v)}`);
    out[k] = v.trim();
  }
  return out;
}

/** Reads a task → leaf mapping file `{ "task": "leaf-id", … }`. */
export function readTaskLeafMapping(path: string): TaskLeafMapping {
  return validateTaskLeafMapping(readJsonFile(path, 'task → leaf mapping'), path);
}

/**
 * Checks every mapped id against the taxonomy (an unknown id or an inner node is an error
 * naming it) and returns the mapping as a Map.
 */
export function mapTasksToLeaves(tax: Taxonomy, mapping: TaskLeafMapping, source = 'mapping'): Map<string, string> {
  const leafIds = new Set(leaves(tax).map((l) => l.id));
  const out = new Map<string, string>();
  const bad: string[] = [];
  for (const [task, leaf] of Object.entries(validateTaskLeafMapping(mapping, source))) {
    if (!leafIds.has(leaf)) {
      const n = findNode(tax, leaf);
      bad.push(n ? `task "${task}" → "${leaf}" is not a leaf (it has ${n.children?.length ?? 0} children)` : `task "${task}" → unknown leaf "${leaf}"`);
    } else out.set(task, leaf);
  }
  if (bad.length) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: ${bad.join('; ')}`);
  return out;
}

/** Leaf id per record ('' where the record's task is not mapped). */
export function leavesForTasks(mapping: Map<string, string>, tasks: readonly string[]): string[] {
  return tasks.map((t) => mapping.get(t) ?? '');
}

// ---------------------------------------------------------------- domain mapping files

export interface DomainMappingNode {
  name: string;
  definition: string;
  example: string;
}

export interface DomainMappingTask {
  /** Leaf name (default: the task label). */
  name?: string;
  definition: string;
  example: string;
  /** Ordered difficulty levels: the task then becomes task/difficulty leaves. */
  difficulty?: DomainMappingNode[];
}

export interface DomainMappingDomain {
  /** Id segment (default: slugify(name)). */
  id?: string;
  definition: string;
  example: string;
  /** Task label → its description, in order. */
  tasks: Record<string, DomainMappingTask>;
}

/**
 * A task → domain mapping file:
 * `{ "domains": { "Mathematics": { "id": "math", "definition": …, "example": …,
 *    "tasks": { "gsm8k": { "name": …, "definition": …, "example": …, "difficulty": [ … ] } } } } }`.
 */
export interface DomainMapping {
  format?: 'taskroute-domain-mapping';
  version?: 1;
  description?: string;
  domains: Record<string, DomainMappingDomain>;
}

function mapErr(source: string, path: string, reason: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: ${path}: ${reason}`);
}

function needText(o: Record<string, unknown>, f: string, source: string, path: string, optional = false): void {
  if (o[f] === undefined && optional) return;
  if (typeof o[f] !== 'string' || !(o[f] as string).trim())
    throw mapErr(source, path, o[f] === undefined ? `missing field "${f}"` : `"${f}" must be a non-empty string, received ${describe(o[f])}`);
}

function checkKeys(o: Record<string, unknown>, allowed: string[], source: string, path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw mapErr(source, path, `unknown field "${k}" (allowed: ${allowed.join(', ')})`);
}

/** Checks a domain mapping's shape: every domain and task with a definition and an example, no task twice. */
export function validateDomainMapping(value: unknown, source = 'domain mapping'): DomainMapping {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(value)) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source}: expected an object with "domains", received ${describe(value)}`);
  checkKeys(value, ['format', 'version', 'description', 'domains'], source, '(top level)');
  if (value.format !== undefined && value.format !== 'taskroute-domain-mapping') throw mapErr(source, 'format', `expected "taskroute-domain-mapping", received ${describe(value.format)}`);
  if (value.version !== undefined && value.version !== 1) throw mapErr(source, 'version', `expected 1, received ${describe(value.version)}`);
  if (!isObj(value.domains) || Object.keys(value.domains).length === 0) throw mapErr(source, 'domains', 'expected an object of domains by name, with at least one');
  const taskAt = new Map<string, string>();
  const domainIds = new Map<string, string>();
  for (const [dname, d] of Object.entries(value.domains)) {
    const dp = `domains["${dname}"]`;
    if (!dname.trim()) throw mapErr(source, dp, 'empty domain name');
    if (!isObj(d)) throw mapErr(source, dp, `expected an object, received ${describe(d)}`);
    checkKeys(d, ['id', 'definition', 'example', 'tasks'], source, dp);
    needText(d, 'definition', source, dp);
    needText(d, 'example', source, dp);
    needText(d, 'id', source, dp, true);
    const did = (d.id as string | undefined) ?? slugify(dname);
    if (!SEGMENT.test(did)) throw mapErr(source, dp, `bad id "${did}": use lower-case letters, digits, '.', '_' or '-'`);
    if (domainIds.has(did)) throw mapErr(source, dp, `duplicate domain id "${did}" (also ${domainIds.get(did)})`);
    domainIds.set(did, dp);
    if (!isObj(d.tasks)) throw mapErr(source, `${dp}.tasks`, `expected an object of tasks by label, received ${describe(d.tasks)}`);
    for (const [task, t] of Object.entries(d.tasks)) {
      const tp = `${dp}.tasks["${task}"]`;
      if (!task.trim()) throw mapErr(source, tp, 'empty task label');
      if (taskAt.has(task)) throw mapErr(source, tp, `task "${task}" is mapped twice (also ${taskAt.get(task)})`);
      taskAt.set(task, tp);
      if (!isObj(t)) throw mapErr(source, tp, `expected an object, received ${describe(t)}`);
      checkKeys(t, ['name', 'definition', 'example', 'difficulty'], source, tp);
      needText(t, 'name', source, tp, true);
      needText(t, 'definition', source, tp);
      needText(t, 'example', source, tp);
      if (t.difficulty !== undefined) {
        if (!Array.isArray(t.difficulty) || t.difficulty.length === 0) throw mapErr(source, `${tp}.difficulty`, 'expected a non-empty array of levels');
        t.difficulty.forEach((lv, i) => {
          const lp = `${tp}.difficulty[${i}]`;
          if (!isObj(lv)) throw mapErr(source, lp, `expected an object, received ${describe(lv)}`);
          checkKeys(lv, ['name', 'definition', 'example'], source, lp);
          for (const f of ['name', 'definition', 'example']) needText(lv, f, source, lp);
        });
      }
    }
  }
  return value as unknown as DomainMapping;
}

/** Domain mapping files shipped in resources/ ("llmrouter" → resources/llmrouter-domains.json). */
export function builtinDomainMapping(name: string): string | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  const p = join(packageRoot, 'resources', `${name}-domains.json`);
  return existsSync(p) ? p : undefined;
}

/** Reads a domain mapping file (see DomainMapping). */
export function readDomainMapping(path: string): DomainMapping {
  return validateDomainMapping(readJsonFile(path, 'domain mapping'), path);
}

export interface TaxonomyFromTasks {
  taxonomy: Taxonomy;
  /** Task label → its leaf, for tasks that are one leaf (a task split by difficulty has several and is absent). */
  taskLeaves: TaskLeafMapping;
  /** What was assumed, one line each. */
  notes: string[];
}

/**
 * A taxonomy from a data set's task labels and a domain mapping, with no LLM: each task
 * becomes a subcategory leaf "domain/task" under its domain (or task/difficulty leaves when
 * the mapping gives levels); domains with none of the tasks are left out; order follows the
 * mapping file. Every task must be in the mapping (an error names the missing ones);
 * the empty label (records without a task) is skipped.
 */
export function taxonomyFromTasks(taskNames: readonly string[], mapping: DomainMapping, source = 'mapping'): TaxonomyFromTasks {
  const m = validateDomainMapping(mapping, source);
  const want = new Set<string>();
  const notes: string[] = [];
  for (const t of taskNames) {
    if (typeof t !== 'string') throw new TypeError(`Expected "taskNames" to hold strings, received ${typeof t}`);
    if (t === '') continue;
    want.add(t);
  }
  if (taskNames.includes('')) notes.push('records without a task label are not mapped to any leaf');
  if (want.size === 0) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'no task labels to build a taxonomy from');
  const mapped = new Set<string>();
  for (const d of Object.values(m.domains)) for (const t of Object.keys(d.tasks)) mapped.add(t);
  const missing = [...want].filter((t) => !mapped.has(t));
  if (missing.length)
    throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `${source} has no entry for the task${missing.length === 1 ? '' : 's'} ${missing.map((t) => JSON.stringify(t)).join(', ')}`);
  const domains: TaxonomyNode[] = [];
  const taskLeaves: TaskLeafMapping = {};
  let deepest = 2;
  for (const [dname, d] of Object.entries(m.domains)) {
    const tasks = Object.entries(d.tasks).filter(([t]) => want.has(t));
    if (!tasks.length) continue;
    const did = d.id ?? slugify(dname);
    const segs = uniqueSlugs(tasks.map(([t]) => t));
    const children = tasks.map(([task, t], i): TaxonomyNode => {
      const id = `${did}/${segs[i]}`;
      const node: TaxonomyNode = { id, name: t.name ?? task, definition: t.definition, example: t.example };
      if (t.difficulty?.length) {
        deepest = 3;
        const ls = uniqueSlugs(t.difficulty.map((x) => x.name));
        node.children = t.difficulty.map((x, j) => ({ id: `${id}/${ls[j]}`, name: x.name, definition: x.definition, example: x.example }));
        notes.push(`task "${task}" has ${t.difficulty.length} difficulty leaves: its records need a per-record level to get a leaf`);
      } else taskLeaves[task] = id;
      return node;
    });
    domains.push({ id: did, name: dname, definition: d.definition, example: d.example, children });
  }
  const taxonomy = validateTaxonomy(
    { format: 'taskroute-taxonomy', version: 1, levels: TAXONOMY_LEVELS.slice(0, deepest), domains, meta: { source: 'tasks', tasks: want.size } },
    { source: `taxonomy from ${source}` },
  );
  return { taxonomy, taskLeaves, notes };
}
