// TRouter's task variable ranges over the leaves of a taxonomy. This file decides which
// taxonomy a fit uses (a given file or object; else one derived from the training tasks),
// which text stands for each leaf (e_t is its embedding), and each row's prior leaf (the
// row's own leaf on synthetic data, else its task label mapped to a leaf).

import { TaskrouteError } from '../../errors.js';
import {
  builtinDomainMapping,
  leafTitle,
  leaves as taxonomyLeaves,
  mapTasksToLeaves,
  nodeDescription,
  readDomainMapping,
  readTaskLeafMapping,
  readTaxonomy,
  taxonomyFromTasks,
  uniqueSlugs,
  validateTaskLeafMapping,
  validateTaxonomy,
  type TaskLeafMapping,
  type Taxonomy,
  type TaxonomyNode,
} from '../../synth/taxonomy.js';

/** The leaves a fit uses, in taxonomy order, and how rows are tied to them. */
export interface LeafSet {
  /** Leaf ids ("math/algebra/hard"), the rows of E. */
  ids: string[];
  /** Leaf paths by name ("Mathematics / Algebra / Hard"), for explain(). */
  titles: string[];
  /** The text embedded as each leaf's e_t (nodeDescription of the leaf). */
  descriptions: string[];
  /** Task label → leaf id, for rows without a leaf of their own. */
  taskToLeaf: Map<string, string>;
  /** Where the taxonomy came from, for diagnostics. */
  source: string;
  /** What was assumed, one line each. */
  notes: string[];
}

/** The generic domain of a taxonomy made from task labels no mapping file knows. */
const GENERIC_DOMAIN = 'tasks';
/** Longest example text taken from a training prompt for a generic leaf. */
const EXAMPLE_CHARS = 400;

function leafSetOf(tax: Taxonomy, taskToLeaf: Map<string, string>, source: string, notes: string[]): LeafSet {
  const ls = taxonomyLeaves(tax);
  return {
    ids: ls.map((l) => l.id),
    titles: ls.map((l) => leafTitle(tax, l.id)),
    descriptions: ls.map((l) => nodeDescription(l.node)),
    taskToLeaf,
    source,
    notes,
  };
}

/**
 * The training prompt whose embedding is closest to the mean of its task's embeddings
 * (the task's most typical prompt), per task; ties → the earlier row.
 */
function typicalPrompts(tasks: string[], X: Float32Array, d: number, prompts: string[]): Map<string, string> {
  const rowsOf = new Map<string, number[]>();
  tasks.forEach((t, i) => {
    if (!t) return;
    let r = rowsOf.get(t);
    if (!r) rowsOf.set(t, (r = []));
    r.push(i);
  });
  const out = new Map<string, string>();
  const mean = new Float64Array(d);
  for (const [t, rows] of rowsOf) {
    mean.fill(0);
    for (const i of rows) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
    let best = rows[0];
    let bs = -Infinity;
    for (const i of rows) {
      let s = 0;
      for (let j = 0; j < d; j++) s += mean[j] * X[i * d + j];
      if (s > bs) {
        bs = s;
        best = i;
      }
    }
    const p = (prompts[best] ?? '').replace(/\s+/g, ' ').trim();
    out.set(t, p.length > EXAMPLE_CHARS ? `${p.slice(0, EXAMPLE_CHARS)}…` : p);
  }
  return out;
}

/**
 * One domain with one leaf per task label, for data whose tasks no mapping file covers.
 * Each leaf's example is the task's most typical training prompt, so e_t carries what the
 * task's prompts look like even though the label alone says little.
 */
export function genericTaxonomy(taskNames: string[], typical: Map<string, string>): { taxonomy: Taxonomy; taskLeaves: TaskLeafMapping } {
  const names = [...new Set(taskNames.filter((t) => t !== ''))].sort();
  if (!names.length) throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'no task labels to build a taxonomy from');
  const segs = uniqueSlugs(names);
  const taskLeaves: TaskLeafMapping = {};
  const children: TaxonomyNode[] = names.map((task, i) => {
    const id = `${GENERIC_DOMAIN}/${segs[i]}`;
    taskLeaves[task] = id;
    const example = typical.get(task) || task;
    return { id, name: task, definition: `Prompts of the task "${task}".`, example };
  });
  const taxonomy = validateTaxonomy(
    {
      format: 'taskroute-taxonomy',
      version: 1,
      levels: ['domain', 'subcategory'],
      domains: [{ id: GENERIC_DOMAIN, name: 'Tasks', definition: 'The task labels of the training data, one leaf each.', example: children[0].example, children }],
      meta: { source: 'generic', tasks: names.length },
    },
    { source: 'generic taxonomy from the task labels', maxSubcategories: Infinity },
  );
  return { taxonomy, taskLeaves };
}

export interface LeafOptions {
  /** A taxonomy file (.json/.yaml) or a Taxonomy object. */
  taxonomy?: string | Taxonomy;
  /** A task → leaf mapping file (JSON) or object. */
  taskLeafMap?: string | TaskLeafMapping;
}

export interface LeafRows {
  tasks: string[];
  leaves?: string[];
  X: Float32Array;
  dim: number;
  prompts?: string[];
}

/**
 * The leaves of a fit. With a taxonomy: its leaves; tasks map through `taskLeafMap`
 * (checked against the taxonomy: an unknown or inner leaf is an error naming it), or,
 * without one, a task label that equals a leaf's id or its name path maps to that leaf
 * (synthetic records carry the path as their task). Without a taxonomy: the built-in
 * LLMRouter domain mapping when it names every training task, else one generic domain
 * with a leaf per task.
 */
export async function resolveLeaves(o: LeafOptions, rows: LeafRows): Promise<LeafSet> {
  const labels = rows.tasks.filter((t) => t !== '');
  if (o.taxonomy === undefined) {
    if (o.taskLeafMap !== undefined)
      throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'the "taskLeafMap" option maps tasks to the leaves of a taxonomy: give the "taxonomy" option too');
    if (rows.leaves?.some((l) => l !== ''))
      throw new TaskrouteError('ERR_TASKROUTE_CONFIG', 'the training rows carry taxonomy leaves: give the taxonomy they come from (the "taxonomy" option)');
    if (!labels.length)
      throw new TaskrouteError(
        'ERR_TASKROUTE_CONFIG',
        'trouter needs a taxonomy (the "taxonomy" option) or task labels on the training rows to define its leaves; trouter-no-task needs neither',
      );
    const tasks = [...new Set(labels)];
    const builtin = builtinDomainMapping('llmrouter');
    if (builtin) {
      const mapping = readDomainMapping(builtin);
      const known = new Set(Object.values(mapping.domains).flatMap((d) => Object.keys(d.tasks)));
      if (tasks.every((t) => known.has(t))) {
        const r = taxonomyFromTasks(tasks, mapping, builtin);
        // A mapping entry with difficulty levels is several leaves; rows of such a task
        // need their own leaf, so they get no prior (said in notes).
        return leafSetOf(r.taxonomy, new Map(Object.entries(r.taskLeaves)), 'derived from the task labels with the built-in LLMRouter domain mapping', r.notes);
      }
    }
    const { taxonomy, taskLeaves } = genericTaxonomy(tasks, typicalPrompts(rows.tasks, rows.X, rows.dim, rows.prompts ?? rows.tasks));
    return leafSetOf(taxonomy, new Map(Object.entries(taskLeaves)), 'generic: one domain with one leaf per training task', []);
  }
  let tax: Taxonomy;
  let source: string;
  if (typeof o.taxonomy === 'string') {
    tax = await readTaxonomy(o.taxonomy);
    source = `file ${o.taxonomy}`;
  } else {
    tax = validateTaxonomy(o.taxonomy, { source: 'the "taxonomy" option' });
    source = 'the "taxonomy" option (an object)';
  }
  let taskToLeaf: Map<string, string>;
  const notes: string[] = [];
  if (o.taskLeafMap !== undefined) {
    const [mapping, msource] =
      typeof o.taskLeafMap === 'string'
        ? [readTaskLeafMapping(o.taskLeafMap), o.taskLeafMap]
        : [validateTaskLeafMapping(o.taskLeafMap, 'the "taskLeafMap" option'), 'the "taskLeafMap" option'];
    taskToLeaf = mapTasksToLeaves(tax, mapping, msource);
    source += `, tasks mapped by ${typeof o.taskLeafMap === 'string' ? `file ${o.taskLeafMap}` : 'the "taskLeafMap" option'}`;
  } else {
    taskToLeaf = new Map();
    for (const l of taxonomyLeaves(tax)) {
      taskToLeaf.set(l.id, l.id);
      taskToLeaf.set(leafTitle(tax, l.id), l.id);
    }
    notes.push('task labels equal to a leaf id or a leaf path ("Domain / Subcategory / …") map to that leaf');
  }
  return leafSetOf(tax, taskToLeaf, source, notes);
}

/** Per-row leaf indices (−1: none) and the one-hot prior [n × L] they give. */
export interface RowLeaves {
  labels: Int32Array;
  prior: Float32Array;
  /** Rows with a leaf. */
  known: number;
}

/**
 * Each row's leaf: its own (`leaves[i]`, synthetic data) when present, else its task
 * mapped through the leaf set; rows with neither get no prior (an all-zero row). A leaf
 * id the taxonomy does not have is an error naming it and the row.
 */
export function rowLeaves(set: LeafSet, rows: { tasks: string[]; leaves?: string[] }, what: string): RowLeaves {
  const L = set.ids.length;
  const index = new Map(set.ids.map((id, t) => [id, t]));
  const n = rows.tasks.length;
  const labels = new Int32Array(n).fill(-1);
  const prior = new Float32Array(n * L);
  let known = 0;
  for (let i = 0; i < n; i++) {
    const own = rows.leaves?.[i] ?? '';
    let t: number | undefined;
    if (own !== '') {
      t = index.get(own);
      if (t === undefined)
        throw new TaskrouteError(
          'ERR_TASKROUTE_DATA',
          `${what} row ${i}${rows.tasks[i] ? ` (task ${JSON.stringify(rows.tasks[i])})` : ''}: unknown taxonomy leaf ${JSON.stringify(own)} (not one of the ${L} leaves of ${set.source})`,
        );
    } else {
      const id = set.taskToLeaf.get(rows.tasks[i] ?? '');
      if (id !== undefined) t = index.get(id);
    }
    if (t !== undefined) {
      labels[i] = t;
      prior[i * L + t] = 1;
      known++;
    }
  }
  return { labels, prior, known };
}

/** Top-1 and top-5 accuracy of q [n × L] on the rows with a leaf (NaN when none has one). */
export function recogniserAccuracy(q: Float32Array, labels: Int32Array, L: number): { top1: number; top5: number; rows: number } {
  let rows = 0;
  let t1 = 0;
  let t5 = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y < 0) continue;
    rows++;
    const py = q[i * L + y];
    let above = 0;
    for (let t = 0; t < L; t++) {
      const p = q[i * L + t];
      if (p > py || (p === py && t < y)) above++;
    }
    if (above === 0) t1++;
    if (above < 5) t5++;
  }
  return { top1: rows ? t1 / rows : NaN, top5: rows ? t5 / rows : NaN, rows };
}
