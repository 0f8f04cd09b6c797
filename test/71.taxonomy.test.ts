// The taxonomy: validation with paths, JSON/YAML round trips, helpers, the derivation from
// task labels (the shipped LLMRouter mapping), task → leaf mappings, and the LLM build
// procedure end to end against the fake server (limits, the self-evaluation loop, resume).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTaxonomy, SEED_DOMAINS } from '../src/synth/build.js';
import { Ledger } from '../src/synth/ledger.js';
import { LlmClient } from '../src/synth/llm.js';
import {
  builtinDomainMapping,
  findNode,
  leafPath,
  leafTitle,
  leaves,
  leavesForTasks,
  mapTasksToLeaves,
  nodeDescription,
  parseTaxonomy,
  readDomainMapping,
  readTaskLeafMapping,
  readTaxonomy,
  slugify,
  taxonomyFromTasks,
  taxonomyToText,
  validateDomainMapping,
  validateTaxonomy,
  writeTaxonomy,
  type Taxonomy,
  type TaxonomyNode,
} from '../src/synth/taxonomy.js';
import { sharedData } from './helpers.js';
import { startFakeLlm, type FakeLlm } from './helpers-llm.js';

const tmp = mkdtempSync(join(tmpdir(), 'tr-tax-'));

const leaf = (id: string, name: string): TaxonomyNode => ({ id, name, definition: `${name} things.`, example: `A ${name} query?` });

function small(): Taxonomy {
  return {
    format: 'taskroute-taxonomy',
    version: 1,
    levels: ['domain', 'subcategory', 'difficulty'],
    domains: [
      {
        ...leaf('math', 'Mathematics'),
        children: [
          { ...leaf('math/algebra', 'Algebra'), children: [leaf('math/algebra/easy', 'Easy'), leaf('math/algebra/hard', 'Hard')] },
          { ...leaf('math/geometry', 'Geometry'), children: [leaf('math/geometry/easy', 'Easy')] },
        ],
      },
      { ...leaf('programming', 'Programming'), children: [leaf('programming/debugging', 'Debugging')] },
    ],
  };
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const problem = (t: unknown) => {
  try {
    validateTaxonomy(t, { source: 'tax.json' });
  } catch (e) {
    expect((e as { code?: string }).code).toBe('ERR_TASKROUTE_TAXONOMY');
    return (e as Error).message;
  }
  return 'valid';
};

describe('taxonomy validation', () => {
  it('accepts a good taxonomy, mixed leaf depths included', () => {
    expect(problem(small())).toBe('valid');
  });

  it('names the bad node and the reason', () => {
    let t = clone(small()) as unknown as { domains: Record<string, unknown>[] };
    delete t.domains[0].definition;
    expect(problem(t)).toBe('tax.json: domains[0] ("math"): missing field "definition"');

    t = clone(small()) as never;
    ((t.domains[0].children as Record<string, unknown>[])[1] as Record<string, unknown>).name = '  ';
    expect(problem(t)).toBe('tax.json: domains[0].children[1] ("math/geometry"): empty name');

    t = clone(small()) as never;
    ((t.domains[0].children as Record<string, unknown>[])[1] as Record<string, unknown>).name = 'algebra';
    expect(problem(t)).toBe('tax.json: domains[0].children[1] ("math/geometry"): duplicate sibling name "algebra" (also at domains[0].children[0])');

    t = clone(small()) as never;
    ((t.domains[0].children as Record<string, unknown>[])[1] as Record<string, unknown>).id = 'math/algebra';
    expect(problem(t)).toContain('domains[0].children[1] ("math/algebra"): duplicate sibling id "math/algebra" (also at domains[0].children[0])');

    t = clone(small()) as never;
    ((t.domains[0].children as Record<string, unknown>[])[1] as Record<string, unknown>).id = 'maths/geometry';
    expect(problem(t)).toContain(`domains[0].children[1] ("maths/geometry"): bad id: expected "math/" followed by one segment`);

    t = clone(small()) as never;
    ((t.domains[1].children as Record<string, unknown>[])[0] as Record<string, unknown>).childern = [];
    expect(problem(t)).toBe('tax.json: domains[1].children[0] ("programming/debugging"): unknown field "childern" (allowed: id, name, definition, example, children)');

    t = clone(small()) as never;
    t.domains[1].example = 42;
    expect(problem(t)).toBe('tax.json: domains[1] ("programming"): "example" must be a string, received number 42');
  });

  it('enforces the limits: 10 subcategories, 5 difficulty levels', () => {
    const t = clone(small());
    t.domains[1].children = Array.from({ length: 11 }, (_, i) => leaf(`programming/s${i}`, `S${i}`));
    expect(problem(t)).toBe('tax.json: domains[1].children (under "programming"): 11 subcategory nodes, more than the 10 subcategories per domain allowed');
    const u = clone(small());
    (u.domains[0].children as TaxonomyNode[])[1].children = Array.from({ length: 6 }, (_, i) => leaf(`math/geometry/l${i}`, `L${i}`));
    expect(problem(u)).toBe('tax.json: domains[0].children[1].children (under "math/geometry"): 6 difficulty nodes, more than the 5 difficulty levels per subcategory allowed');
    expect(() => validateTaxonomy(u, { maxLevels: 6 })).not.toThrow();
  });

  it('rejects wrong depths', () => {
    const t = clone(small());
    t.levels = ['domain', 'subcategory'];
    expect(problem(t)).toContain('tax.json: 2 problems:\n  domains[0].children[0] ("math/algebra"): wrong depth: a subcategory node cannot have children (levels: domain → subcategory)');
    const u = clone(small());
    delete u.domains[1].children;
    expect(problem(u)).toBe('tax.json: domains[1] ("programming"): wrong depth: domain "Programming" has no subcategories (every leaf is a subcategory or deeper)');
    const v = clone(small());
    v.levels = ['domain', 'difficulty'] as never;
    expect(problem(v)).toContain('levels: expected a prefix of [domain, subcategory, difficulty, preference] with 2 to 4 names, received ["domain","difficulty"]');
    expect(problem({ domains: [] })).toBe('tax.json: domains: a taxonomy needs at least one domain');
    expect(problem([])).toBe('tax.json: expected a taxonomy object, received an array');
  });

  it('lists every problem at once', () => {
    const t = clone(small()) as unknown as { domains: Record<string, unknown>[] };
    delete t.domains[0].name;
    t.domains[1].definition = '';
    const m = problem(t);
    expect(m.split('\n')[0]).toBe('tax.json: 2 problems:');
    expect(m).toContain('  domains[0] ("math"): missing field "name"');
    expect(m).toContain('  domains[1] ("programming"): empty definition');
  });
});

describe('taxonomy files and helpers', () => {
  it('round-trips through JSON and YAML in a stable, hand-editable form', async () => {
    const t = small();
    for (const ext of ['json', 'yaml', 'yml']) {
      const p = join(tmp, `t.${ext}`);
      await writeTaxonomy(t, p);
      expect(await readTaxonomy(p)).toEqual(t);
      const first = readFileSync(p, 'utf8');
      await writeTaxonomy(await readTaxonomy(p), p);
      expect(readFileSync(p, 'utf8')).toBe(first);
    }
    const json = readFileSync(join(tmp, 't.json'), 'utf8');
    expect(json.indexOf('"id"')).toBeLessThan(json.indexOf('"name"'));
    expect(json).toContain('\n  "domains": [\n    {\n      "id": "math",\n      "name": "Mathematics",');
    // hand edit: rename a node in the YAML; its id (and so the leaf id) stays
    const y = join(tmp, 't.yaml');
    writeFileSync(y, readFileSync(y, 'utf8').replace('name: Algebra', 'name: Linear Algebra'));
    const edited = await readTaxonomy(y);
    expect(leafTitle(edited, 'math/algebra/hard')).toBe('Mathematics / Linear Algebra / Hard');
    expect(taxonomyToText(edited, 'yaml')).toContain('name: Linear Algebra');
  });

  it('reports bad files with their path', async () => {
    await expect(readTaxonomy(join(tmp, 'x.txt'))).rejects.toThrow('x.txt: a taxonomy file must end in .json, .yaml or .yml');
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'domains: [\n  - a: b');
    await expect(readTaxonomy(bad)).rejects.toThrow(`${bad}: not valid YAML`);
    const badj = join(tmp, 'bad.json');
    writeFileSync(badj, '{"domains": ');
    await expect(readTaxonomy(badj)).rejects.toThrow(`${badj}: not valid JSON`);
    await expect(readTaxonomy(join(tmp, 'missing.json'))).rejects.toThrow('cannot read the taxonomy');
    expect(() => parseTaxonomy('domains: []', 'yaml', { source: 'inline' })).toThrow('inline: domains: a taxonomy needs at least one domain');
  });

  it('lists leaves, paths, titles and node descriptions', () => {
    const t = small();
    expect(leaves(t).map((l) => l.id)).toEqual(['math/algebra/easy', 'math/algebra/hard', 'math/geometry/easy', 'programming/debugging']);
    expect(leaves(t)[1].path.map((n) => n.name)).toEqual(['Mathematics', 'Algebra', 'Hard']);
    expect(leafPath(t, 'math/geometry').map((n) => n.id)).toEqual(['math', 'math/geometry']);
    expect(() => leafPath(t, 'math/topology')).toThrow('unknown taxonomy node "math/topology"');
    expect(leafTitle(t, 'programming/debugging', ' > ')).toBe('Programming > Debugging');
    expect(findNode(t, 'math/algebra/hard')?.name).toBe('Hard');
    expect(findNode(t, 'nope')).toBeUndefined();
    expect(nodeDescription({ name: 'Algebra', definition: 'Solving equations.', example: 'Solve 2x = 4.' })).toBe('Algebra: Solving equations. Example: Solve 2x = 4.');
    expect(slugify('Long-context Understanding')).toBe('long-context-understanding');
    expect(slugify('C++ & Rust')).toBe('cpp-and-rust');
    expect(slugify('Éléments  de  Géométrie!')).toBe('elements-de-geometrie');
    expect(slugify('natural_qa')).toBe('natural_qa');
    expect(slugify('???')).toBe('node');
  });
});

const LLMROUTER_TASKS = [
  'math', 'natural_qa', 'trivia_qa', 'mmlu', 'mbpp', 'gsm8k', 'commonsense_qa', 'openbook_qa',
  'arc_challenge', 'gpqa', 'agentverse-mgsm', 'human_eval', 'agentverse-logicgrid', 'commongen',
];

describe('taxonomies from task labels', () => {
  const mappingFile = resolve(__dirname, '..', 'resources', 'llmrouter-domains.json');

  it('ships the LLMRouter mapping: all 14 tasks, each a leaf under a seed domain', () => {
    expect(builtinDomainMapping('llmrouter')).toBe(mappingFile);
    expect(builtinDomainMapping('../etc')).toBeUndefined();
    const m = readDomainMapping(mappingFile);
    const { taxonomy, taskLeaves, notes } = taxonomyFromTasks(LLMROUTER_TASKS, m, mappingFile);
    expect(Object.keys(taskLeaves).sort()).toEqual([...LLMROUTER_TASKS].sort());
    expect(leaves(taxonomy)).toHaveLength(14);
    expect(notes).toEqual([]);
    const seedIds = SEED_DOMAINS.map((s) => s.id);
    for (const d of taxonomy.domains) expect(seedIds).toContain(d.id);
    expect(taxonomy.domains.map((d) => d.id)).toEqual(['math', 'creative-writing', 'commonsense', 'programming', 'reading-comprehension']);
    expect(taskLeaves.gsm8k).toBe('math/gsm8k');
    expect(taskLeaves['agentverse-logicgrid']).toBe('math/agentverse-logicgrid');
    expect(taskLeaves.human_eval).toBe('programming/human_eval');
    expect(taskLeaves.mmlu).toBe('reading-comprehension/mmlu');
    expect(taskLeaves.commongen).toBe('creative-writing/commongen');
    for (const l of leaves(taxonomy)) {
      expect(l.node.definition.length).toBeGreaterThan(30);
      expect(l.node.definition.endsWith('.')).toBe(true);
    }
    expect(taxonomy.levels).toEqual(['domain', 'subcategory']);
    // a subset keeps only the domains it needs
    const sub = taxonomyFromTasks(['mbpp', '', 'gsm8k'], m, mappingFile);
    expect(sub.taxonomy.domains.map((d) => d.id)).toEqual(['math', 'programming']);
    expect(sub.notes).toEqual(['records without a task label are not mapped to any leaf']);
  });

  it('uses real queries of the data set as the task examples', ({ skip }) => {
    const dir = sharedData();
    if (!dir) skip('shared data absent');
    const byTask = new Map<string, Set<string>>();
    for (const line of readFileSync(join(dir as string, 'llmrouter', 'default_query_train.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { task_name: string; query: string };
      if (!byTask.has(r.task_name)) byTask.set(r.task_name, new Set());
      byTask.get(r.task_name)?.add(r.query.trim());
    }
    expect([...byTask.keys()].sort()).toEqual([...LLMROUTER_TASKS].sort());
    const m = readDomainMapping(mappingFile);
    for (const d of Object.values(m.domains))
      for (const [task, t] of Object.entries(d.tasks)) expect(byTask.get(task)?.has(t.example.trim()), `${task} example`).toBe(true);
  });

  it('names tasks the mapping lacks, and checks the mapping file', () => {
    const m = readDomainMapping(mappingFile);
    expect(() => taxonomyFromTasks(['gsm8k', 'squad', 'boolq'], m, 'map.json')).toThrow('map.json has no entry for the tasks "squad", "boolq"');
    expect(() => taxonomyFromTasks([''], m)).toThrow('no task labels to build a taxonomy from');
    expect(() => validateDomainMapping({ domains: { Math: { definition: 'd', tasks: {} } } }, 'm.json')).toThrow('m.json: domains["Math"]: missing field "example"');
    expect(() =>
      validateDomainMapping({ domains: { A: { definition: 'd', example: 'e', tasks: { t: { definition: 'x', example: 'y' } } }, B: { definition: 'd', example: 'e', tasks: { t: { definition: 'x', example: 'y' } } } } }, 'm.json'),
    ).toThrow('m.json: domains["B"].tasks["t"]: task "t" is mapped twice (also domains["A"].tasks["t"])');
    expect(() => validateDomainMapping({ domains: { A: { definition: 'd', example: 'e', tasks: { t: { definition: 'x' } } } } }, 'm.json')).toThrow(
      'm.json: domains["A"].tasks["t"]: missing field "example"',
    );
  });

  it('makes task/difficulty leaves when the mapping gives levels', () => {
    const m = validateDomainMapping({
      domains: {
        Mathematics: {
          id: 'math',
          definition: 'Maths.',
          example: '1+1?',
          tasks: {
            'MATH': {
              definition: 'Competition problems.',
              example: 'Find x.',
              difficulty: [
                { name: 'Level 1', definition: 'One step.', example: '2+2?' },
                { name: 'Level 5', definition: 'Many steps.', example: 'Prove it.' },
              ],
            },
            gsm8k: { definition: 'Word problems.', example: 'Anna has 3 apples…' },
          },
        },
      },
    });
    const r = taxonomyFromTasks(['MATH', 'gsm8k'], m);
    expect(r.taxonomy.levels).toEqual(['domain', 'subcategory', 'difficulty']);
    expect(leaves(r.taxonomy).map((l) => l.id)).toEqual(['math/math/level-1', 'math/math/level-5', 'math/gsm8k']);
    expect(r.taskLeaves).toEqual({ gsm8k: 'math/gsm8k' });
    expect(r.notes).toEqual(['task "MATH" has 2 difficulty leaves: its records need a per-record level to get a leaf']);
  });

  it('reads task → leaf mappings and checks them against the taxonomy', () => {
    const t = small();
    const p = join(tmp, 'tl.json');
    writeFileSync(p, JSON.stringify({ algebra_hard: 'math/algebra/hard', debug: 'programming/debugging' }));
    const m = mapTasksToLeaves(t, readTaskLeafMapping(p), p);
    expect([...m.entries()]).toEqual([
      ['algebra_hard', 'math/algebra/hard'],
      ['debug', 'programming/debugging'],
    ]);
    expect(leavesForTasks(m, ['debug', 'other', 'algebra_hard'])).toEqual(['programming/debugging', '', 'math/algebra/hard']);
    expect(() => mapTasksToLeaves(t, { a: 'math/topology' }, 'tl.json')).toThrow('tl.json: task "a" → unknown leaf "math/topology"');
    expect(() => mapTasksToLeaves(t, { a: 'math/algebra' }, 'tl.json')).toThrow('tl.json: task "a" → "math/algebra" is not a leaf (it has 2 children)');
    writeFileSync(p, JSON.stringify({ a: 3 }));
    expect(() => readTaskLeafMapping(p)).toThrow(`${p}: task "a": expected a leaf id string, received number 3`);
    writeFileSync(p, '[1]');
    expect(() => readTaskLeafMapping(p)).toThrow(`${p}: expected an object { "task": "leaf-id" }, received an array`);
  });
});

describe('building the taxonomy with an LLM', () => {
  let server: FakeLlm;
  beforeAll(async () => {
    server = await startFakeLlm();
  });
  afterAll(async () => {
    await server.close();
  });
  const llm = (s: FakeLlm) => new LlmClient({ baseUrl: s.url, model: 'tax-model', maxRetries: 0 });
  const build = (s: FakeLlm, o: Partial<Parameters<typeof buildTaxonomy>[0]> = {}) =>
    buildTaxonomy({ llm: llm(s), seedDomains: ['Mathematics', 'Programming'], newDomains: 1, maxSubcategories: 3, maxLevels: 3, ...o });

  it('runs the multi-level procedure; each set revises once, then stays stable for 2 rounds', async () => {
    server.log.length = 0;
    const r = await build(server);
    const t = r.taxonomy;
    expect(t.domains.map((d) => d.id)).toEqual(['math', 'programming', 'legal-reasoning']);
    expect(t.levels).toEqual(['domain', 'subcategory', 'difficulty']);
    expect(t.domains.map((d) => d.children?.length)).toEqual([3, 3, 3]);
    const lv = leaves(t);
    expect(lv).toHaveLength(27);
    expect(lv[0].id).toBe('math/mathematics-foundations/easy');
    expect(lv[0].path.map((n) => n.name)).toEqual(['Mathematics', 'Mathematics Foundations', 'Easy']);
    // the accepted revision of every set: its first node's definition carries the marker
    expect(t.domains[2].definition).toBe('Queries that need legal reasoning. (revised 1)');
    for (const d of t.domains) {
      expect(d.children?.[0].definition.endsWith('(revised 1)')).toBe(true);
      for (const s of d.children ?? []) expect(s.children?.[0].definition.endsWith('(revised 1)')).toBe(true);
    }
    // 13 sets (1 domain set, 3 subcategory sets, 9 difficulty sets): propose + 3 revisions + 1 choice each
    expect(r.sets).toHaveLength(13);
    for (const s of r.sets) expect(s).toMatchObject({ rounds: 3, revisions: 1, stable: true, size: s.level === 'domain' ? 1 : 3 });
    expect(r.sets[0]).toMatchObject({ level: 'domain', parent: '' });
    expect(r.sets[1]).toMatchObject({ level: 'subcategory', parent: 'math' });
    expect(r.sets[2]).toMatchObject({ level: 'difficulty', parent: 'math/mathematics-foundations' });
    expect(server.count('domains')).toBe(1);
    expect(server.count('subcategories')).toBe(3);
    expect(server.count('difficulty')).toBe(9);
    expect(server.count('revise')).toBe(39);
    expect(server.count('choose')).toBe(13);
    expect(r.calls).toEqual({ made: 65, replayed: 0 });
    expect(r.usage.promptTokens).toBe(server.log.reduce((a, l) => a + (l.usage?.prompt_tokens ?? 0), 0));
    // every call asked for JSON at the authors' temperature
    expect(server.log.every((l) => l.temperature === 0.7 && (l.responseFormat as { type: string }).type === 'json_object')).toBe(true);
    // the A/B order of the choice prompts is seeded: both orders occur
    const orders = new Set(server.of('choose').map((l) => l.content));
    expect(orders).toEqual(new Set(['{"justification":"Set A follows the rules more closely.","preferred":"A"}', '{"justification":"Set B follows the rules more closely.","preferred":"B"}']));
    // deterministic: the same inputs give the same taxonomy
    expect((await build(server)).taxonomy).toEqual(t);
  });

  it('keeps the current set when the LLM prefers it, and stops when stable', async () => {
    const s = await startFakeLlm({ preferRevised: false });
    try {
      const r = await build(s, { seedDomains: ['Mathematics'], newDomains: 0 });
      for (const x of r.sets) expect(x).toMatchObject({ rounds: 2, revisions: 0, stable: true });
      expect(JSON.stringify(r.taxonomy)).not.toContain('(revised');
      expect(s.count('revise')).toBe(8);
      expect(s.count('choose')).toBe(8);
      expect(s.count('domains')).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('stops at maxRounds when the set never settles', async () => {
    const s = await startFakeLlm({ revisionChanges: 100 });
    try {
      const r = await build(s, { seedDomains: ['Mathematics'], newDomains: 0, maxSubcategories: 2, maxLevels: 2, maxRounds: 3 });
      for (const x of r.sets) expect(x).toMatchObject({ rounds: 3, revisions: 3, stable: false });
      expect(r.taxonomy.domains[0].children?.[0].definition.endsWith('(revised 1) (revised 2) (revised 3)')).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('respects the limits when the LLM proposes too many nodes (re-asks)', async () => {
    const s = await startFakeLlm({ overshoot: true, subcategories: 10, newDomains: 5 });
    try {
      const r = await build(s, { newDomains: 2, maxSubcategories: 4, maxLevels: 2 });
      expect(r.taxonomy.domains).toHaveLength(4);
      for (const d of r.taxonomy.domains) {
        expect(d.children).toHaveLength(4);
        for (const sub of d.children ?? []) expect(sub.children).toHaveLength(2);
      }
      const reasks = s.log.filter((l) => l.reask);
      expect(reasks.length).toBe(1 + 4 + 16); // every first proposal overshot
      expect(reasks.every((l) => ['domains', 'subcategories', 'difficulty'].includes(l.kind))).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('defines unknown seed domains, and adds the user-preference level on request', async () => {
    const s = await startFakeLlm({ subcategories: 1, levels: ['Easy', 'Hard'] });
    try {
      const r = await build(s, { seedDomains: ['math', 'Legal Tech'], newDomains: 0, preferences: true });
      expect(s.count('define')).toBe(1);
      expect(r.taxonomy.domains.map((d) => [d.id, d.name, d.definition])).toEqual([
        ['math', 'Mathematics', SEED_DOMAINS[0].definition],
        ['legal-tech', 'Legal Tech', 'Tasks about legal tech.'],
      ]);
      expect(r.taxonomy.levels).toEqual(['domain', 'subcategory', 'difficulty', 'preference']);
      const lv = leaves(r.taxonomy);
      expect(lv).toHaveLength(2 * 1 * 2 * 3);
      expect(lv.slice(0, 3).map((l) => l.id)).toEqual([
        'math/mathematics-foundations/easy/concise-answer',
        'math/mathematics-foundations/easy/step-by-step-explanation',
        'math/mathematics-foundations/easy/no-explicit-preference',
      ]);
      expect(s.count('preferences')).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('resumes from its ledger after a failure, repeating no completed call', async () => {
    const clean = await startFakeLlm();
    const s = await startFakeLlm();
    try {
      const full = await build(clean, { seedDomains: ['Mathematics'], newDomains: 0 });
      const okCalls = clean.count(undefined, true);
      const path = join(tmp, 'tax.ledger.jsonl');
      s.fault({ kind: 'status', status: 400, on: 'difficulty', times: 1 });
      const l1 = Ledger.open(path);
      await expect(build(s, { ledger: l1, seedDomains: ['Mathematics'], newDomains: 0 })).rejects.toThrow(/HTTP 400/);
      l1.close();
      const firstOk = s.count(undefined, true);
      expect(firstOk).toBeGreaterThan(0);
      expect(firstOk).toBeLessThan(okCalls);
      const l2 = Ledger.open(path);
      expect(l2.size).toBe(firstOk);
      const r = await build(s, { ledger: l2, seedDomains: ['Mathematics'], newDomains: 0 });
      l2.close();
      expect(r.taxonomy).toEqual(full.taxonomy);
      expect(r.calls.replayed).toBe(firstOk);
      expect(s.count(undefined, true)).toBe(okCalls); // first run + rerun = one clean run
      // a third run is all replay
      const l3 = Ledger.open(path);
      const before = s.log.length;
      expect((await build(s, { ledger: l3, seedDomains: ['Mathematics'], newDomains: 0 })).calls).toEqual({ made: 0, replayed: okCalls });
      l3.close();
      expect(s.log.length).toBe(before);
    } finally {
      await clean.close();
      await s.close();
    }
  });

  it('validates its options', async () => {
    await expect(buildTaxonomy({} as never)).rejects.toThrow('Expected "llm" to be an LlmClient');
    await expect(build(server, { maxSubcategories: 11 })).rejects.toThrow('Expected "maxSubcategories" to be an integer in [1, 10], received 11');
    await expect(build(server, { maxLevels: 0 })).rejects.toThrow('Expected "maxLevels" to be an integer in [1, 5], received 0');
    await expect(build(server, { seedDomains: [' '] })).rejects.toThrow('Expected "seedDomains" to name at least one domain');
  });
});
