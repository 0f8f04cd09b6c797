// The built-in synthetic routing benchmark: a generated data set (used by `taskroute
// demo` when no real data is at hand, and by the tests) in which routing pays off.
// Eight tasks with their own vocabularies and two or three prompt styles each, six
// models with per-(task, style) skill and realistic per-token prices; scores come from a
// seeded skill − difficulty model, costs from prompt and answer tokens × price.
// Nothing here is a real LLM result, and every label says so.

import type { RoutingData } from '../data/types.js';
import { gaussian, mulberry32 } from '../routers/util.js';
import { assertInteger, assertObject } from '../validate.js';

export interface SyntheticOptions {
  /** Training rows (default 3000). */
  nTrain?: number;
  /** Test rows (default 600). */
  nTest?: number;
  /** Seed of every draw (default 0); same seed, same data. */
  seed?: number;
}

interface SyntheticModel {
  name: string;
  /** USD per million input / output tokens. */
  inputPrice: number;
  outputPrice: number;
  /** Answer length relative to the task's typical answer. */
  verbosity: number;
}

/** The pool: a wide price spread, so a cheap model that is good enough is worth finding. */
export const SYNTHETIC_MODELS: readonly SyntheticModel[] = [
  { name: 'tiny-1b', inputPrice: 0.1, outputPrice: 0.1, verbosity: 0.8 },
  { name: 'small-8b', inputPrice: 0.15, outputPrice: 0.6, verbosity: 0.9 },
  { name: 'coder-34b', inputPrice: 0.6, outputPrice: 1.2, verbosity: 1.0 },
  { name: 'medium-70b', inputPrice: 0.9, outputPrice: 0.9, verbosity: 1.1 },
  { name: 'large-pro', inputPrice: 2.5, outputPrice: 10, verbosity: 1.2 },
  { name: 'frontier-ultra', inputPrice: 5, outputPrice: 15, verbosity: 1.3 },
];

type Rand = () => number;
const pick = <T>(r: Rand, a: readonly T[]): T => a[Math.floor(r() * a.length)];
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

interface Style {
  name: string;
  /** Added to the task's base difficulty. */
  difficulty: number;
  /** Typical answer length in tokens. */
  answerTokens: number;
  /** Skill adjustments of some models on this style (model index → logit delta). */
  bonus?: Record<number, number>;
  make(r: Rand): string;
}

interface Task {
  name: string;
  /** Graded (0..1 in steps of 0.05) rather than right/wrong. */
  graded: boolean;
  difficulty: number;
  /** Logit skill of each model (SYNTHETIC_MODELS order). */
  skill: readonly number[];
  styles: Style[];
}

const ITEMS = ['apple', 'notebook', 'ticket', 'sandwich', 'pencil', 'lamp', 'chair', 'bottle', 'basket', 'kettle'];
const CLAIMS = [
  'the sum of the first n odd numbers equals n squared',
  'there are infinitely many prime numbers',
  'the square root of two is irrational',
  'every tree with n vertices has exactly n minus one edges',
  'the product of two consecutive integers is even',
  'a bounded monotone sequence of real numbers converges',
];
const FUNCS: [string, string, string][] = [
  ['reverse_words', 'sentence', 'reverses the order of the words in a sentence'],
  ['is_palindrome', 'text', 'checks whether a string is a palindrome ignoring punctuation'],
  ['merge_intervals', 'intervals', 'merges overlapping intervals in a list of pairs'],
  ['top_k_frequent', 'items', 'returns the k most frequent elements of a list'],
  ['flatten', 'nested', 'flattens an arbitrarily nested list of integers'],
  ['parse_duration', 'spec', 'parses a duration string such as 1h30m into seconds'],
];
const ERRORS = ['an IndexError', 'a KeyError', 'a NullPointerException', 'a segmentation fault', 'a TypeError', 'an off-by-one result'];
const SNIPPETS = [
  'for i in range(len(xs) + 1):\n    total += xs[i]',
  'while (node.next != null) { node = node.next.next; }',
  'int *p = malloc(n); p[n] = 0; free(p);',
  'counts = {}\nfor w in words:\n    counts[w] += 1',
  'const first = items.sort()[0].name;',
];
const TABLES: [string, string, string][] = [
  ['orders', 'customer_id', 'the total order value'],
  ['employees', 'department', 'the average salary'],
  ['shipments', 'warehouse', 'the number of late deliveries'],
  ['sessions', 'country', 'the median session length'],
];
const FORMS = ['haiku', 'sonnet', 'limerick', 'free-verse poem', 'ballad'];
const SUBJECTS = ['a lighthouse keeper', 'an old oak tree', 'a city at night', 'the sea', 'a lost letter', 'a mountain village'];
const SEASONS = ['spring', 'summer', 'autumn', 'winter'];
const CHARACTERS = ['retired astronaut', 'young baker', 'night-shift nurse', 'street musician', 'museum guard', 'beekeeper'];
const DISCOVERIES = ['a hidden door', 'a letter from the future', 'a map drawn in invisible ink', 'a talking cat', 'a forgotten twin'];
const PLACES = ['an abandoned train station', 'a flooded library', 'a desert motel', 'a fishing boat', 'a greenhouse on the roof'];
const CLAUSES = ['confidentiality', 'indemnification', 'termination', 'limitation of liability', 'force majeure', 'non-compete'];
const CONTRACTS = ['software licence', 'commercial lease', 'employment', 'supply', 'consulting services'];
const PARTIES = ['landlord', 'tenant', 'licensor', 'contractor', 'employer', 'supplier', 'distributor'];
const JURISDICTIONS = ['England and Wales', 'New York', 'California', 'Ontario', 'Delaware'];
const HARMS = ['water damage', 'data loss', 'a slip-and-fall injury', 'lost profits', 'defamation'];
const DOCTRINES = ['negligence', 'strict liability', 'vicarious liability', 'contributory negligence', 'foreseeability'];
const SYMPTOMS = ['fever', 'persistent cough', 'chest pain', 'shortness of breath', 'joint swelling', 'night sweats', 'fatigue', 'rash', 'headache'];
const DRUGS = ['warfarin', 'ibuprofen', 'metformin', 'lisinopril', 'simvastatin', 'amiodarone', 'sertraline'];
const CONDITIONS = ['chronic kidney disease', 'atrial fibrillation', 'type 2 diabetes', 'liver cirrhosis', 'heart failure'];
const EVENTS = [
  'the Berlin Wall fall',
  'the first moon landing take place',
  'the Magna Carta get sealed',
  'the French Revolution begin',
  'the Titanic sink',
  'the printing press reach Venice',
  'the Treaty of Westphalia get signed',
];
const COUNTRIES = ['Australia', 'Canada', 'Kenya', 'Peru', 'Vietnam', 'Norway', 'Morocco', 'Hungary', 'Chile', 'Thailand'];
const FRAGMENTS = [
  'the train leaves at seven in the morning',
  'my grandmother grows tomatoes in her garden',
  'please send the invoice before Friday',
  'the museum is closed on public holidays',
  'we would like a table for four people',
  'the weather will be cold and windy tomorrow',
  'he forgot his umbrella at the office',
];
const NEWS = [
  'The city council approved a new budget for public transport on Tuesday.',
  'Heavy rain caused flooding in several districts overnight.',
  'The central bank kept interest rates unchanged for the third month.',
  'A local school won the national robotics competition.',
  'Officials said the bridge repairs will take another six weeks.',
  'Unemployment fell slightly in the last quarter, the statistics office reported.',
];
const MEETING = [
  'Ana will update the onboarding slides by Monday.',
  'The team agreed to move the release to the next sprint.',
  'Ravi to follow up with the vendor about the delayed invoice.',
  'Budget review postponed until finance sends the new figures.',
  'Everyone should test the staging build before Thursday.',
  'Maya owns the customer survey and will share results next week.',
];
/** k distinct entries of a (k ≤ a.length), in draw order. */
function distinct<T>(r: Rand, a: readonly T[], k: number): T[] {
  const pool = [...a];
  for (let j = 0; j < k; j++) {
    const x = j + Math.floor(r() * (pool.length - j));
    [pool[j], pool[x]] = [pool[x], pool[j]];
  }
  return pool.slice(0, k);
}
const sample = (r: Rand, a: readonly string[], k: number) => distinct(r, a, k).join(' ');

// models: 0 tiny-1b, 1 small-8b, 2 coder-34b, 3 medium-70b, 4 large-pro, 5 frontier-ultra
const TASKS: readonly Task[] = [
  {
    name: 'math',
    graded: false,
    difficulty: 0.3,
    skill: [-1.0, -0.2, 0.6, 0.6, 1.5, 2.3],
    styles: [
      {
        name: 'arithmetic',
        difficulty: -0.8,
        answerTokens: 60,
        bonus: { 1: 1.0, 2: 0.6 },
        make: (r) => {
          const [it, it2] = distinct(r, ITEMS, 2);
          return `A ${it} costs ${int(r, 2, 40)} dollars and a ${it2} costs ${int(r, 2, 40)} dollars. How much do ${int(r, 2, 9)} ${it}s and one ${it2} cost together?`;
        },
      },
      {
        name: 'algebra',
        difficulty: 0.3,
        answerTokens: 180,
        make: (r) =>
          r() < 0.5
            ? `Solve for x: ${int(r, 2, 19)}x + ${int(r, 1, 50)} = ${int(r, 51, 200)}. Show every step of the algebra and check the solution.`
            : `Find all real roots of the quadratic equation x^2 - ${int(r, 2, 20)}x + ${int(r, 1, 60)} = 0 and say whether they are rational.`,
      },
      {
        name: 'proof',
        difficulty: 1.4,
        answerTokens: 450,
        bonus: { 4: -0.4 },
        make: (r) => `Prove that ${pick(r, CLAIMS)}. Give a rigorous proof by ${pick(r, ['induction', 'contradiction', 'contrapositive'])} and state each lemma you use.`,
      },
    ],
  },
  {
    name: 'code',
    graded: false,
    difficulty: 0.3,
    skill: [-1.2, -0.3, 2.0, 0.5, 1.4, 2.1],
    styles: [
      {
        name: 'function',
        difficulty: -0.2,
        answerTokens: 320,
        bonus: { 2: 0.6 },
        make: (r) => {
          const [f, a, d] = pick(r, FUNCS);
          return `Write a Python function ${f}(${a}) that ${d}. Include type hints, a docstring and two unit tests.`;
        },
      },
      {
        name: 'debug',
        difficulty: 0.8,
        answerTokens: 260,
        bonus: { 2: -0.8 },
        make: (r) => `This snippet raises ${pick(r, ERRORS)} when the input list is empty. Find the bug and explain the fix:\n${pick(r, SNIPPETS)}`,
      },
      {
        name: 'sql',
        difficulty: 0.0,
        answerTokens: 120,
        bonus: { 1: 1.2 },
        make: (r) => {
          const [t, col, what] = pick(r, TABLES);
          return `Write an SQL query that returns ${what} from the ${t} table grouped by ${col}, ordered from highest to lowest, with a HAVING filter on at least ${int(r, 2, 50)} rows.`;
        },
      },
    ],
  },
  {
    name: 'creative',
    graded: true,
    difficulty: 0.0,
    skill: [-0.5, 0.3, -0.4, 0.9, 1.9, 1.7],
    styles: [
      {
        name: 'poem',
        difficulty: -0.2,
        answerTokens: 150,
        make: (r) => `Write a ${pick(r, FORMS)} about ${pick(r, SUBJECTS)} in ${pick(r, SEASONS)}, with vivid imagery and a gentle rhythm.`,
      },
      {
        name: 'story',
        difficulty: 0.7,
        answerTokens: 600,
        make: (r) =>
          `Write a short story in which a ${pick(r, CHARACTERS)} discovers ${pick(r, DISCOVERIES)} in ${pick(r, PLACES)}. Keep it under ${int(r, 3, 9) * 100} words and end with a twist.`,
      },
    ],
  },
  {
    name: 'legal',
    graded: true,
    difficulty: 0.4,
    skill: [-1.0, -0.3, -0.5, 0.7, 1.6, 2.0],
    styles: [
      {
        name: 'drafting',
        difficulty: 0.2,
        answerTokens: 300,
        make: (r) => {
          const [a, b] = distinct(r, PARTIES, 2);
          return `Draft a ${pick(r, CLAUSES)} clause for a ${pick(r, CONTRACTS)} agreement between a ${a} and a ${b}, governed by the law of ${pick(r, JURISDICTIONS)}.`;
        },
      },
      {
        name: 'liability',
        difficulty: 1.0,
        answerTokens: 380,
        bonus: { 4: 0.4 },
        make: (r) =>
          `Under the law of ${pick(r, JURISDICTIONS)}, is a ${pick(r, PARTIES)} liable for ${pick(r, HARMS)} caused by a subcontractor? Cite the relevant doctrine of ${pick(r, DOCTRINES)} and any statute.`,
      },
    ],
  },
  {
    name: 'medical',
    graded: false,
    difficulty: 0.3,
    skill: [-0.8, 0.0, -0.3, 1.2, 1.5, 2.1],
    styles: [
      {
        name: 'diagnosis',
        difficulty: 0.0,
        answerTokens: 200,
        make: (r) => {
          const [a, b, c] = distinct(r, SYMPTOMS, 3);
          return `A ${int(r, 18, 90)}-year-old patient presents with ${a}, ${b} and ${c}. What is the most likely diagnosis, and which test confirms it?`;
        },
      },
      {
        name: 'interaction',
        difficulty: 0.9,
        answerTokens: 240,
        bonus: { 3: 0.6 },
        make: (r) => {
          const [a, b] = distinct(r, DRUGS, 2);
          return `Is it safe to combine ${a} with ${b} in a patient with ${pick(r, CONDITIONS)}? Explain the pharmacological interaction and any dosage adjustment.`;
        },
      },
    ],
  },
  {
    name: 'trivia',
    graded: false,
    difficulty: -0.2,
    skill: [0.4, 1.1, 0.6, 1.6, 1.9, 2.1],
    styles: [
      { name: 'history', difficulty: -0.3, answerTokens: 15, make: (r) => `In which year did ${pick(r, EVENTS)}? Answer with the year only.` },
      {
        name: 'geography',
        difficulty: -0.6,
        answerTokens: 25,
        bonus: { 0: 0.8 },
        make: (r) => `What is the capital city of ${pick(r, COUNTRIES)}, and on which river or coast does it lie?`,
      },
    ],
  },
  {
    name: 'translation',
    graded: true,
    difficulty: 0.0,
    skill: [-0.6, 0.2, -0.8, 1.8, 1.4, 1.9],
    styles: [
      {
        name: 'european',
        difficulty: -0.3,
        answerTokens: 70,
        bonus: { 3: 0.4 },
        make: (r) => `Translate into ${pick(r, ['French', 'German', 'Spanish', 'Italian'])}: "${sample(r, FRAGMENTS, int(r, 1, 3))}"`,
      },
      {
        name: 'japanese',
        difficulty: 0.9,
        answerTokens: 90,
        bonus: { 3: -1.2, 5: 0.3 },
        make: (r) => `Translate into Japanese, using polite keigo where appropriate: "${sample(r, FRAGMENTS, int(r, 1, 3))}"`,
      },
    ],
  },
  {
    name: 'summarization',
    graded: true,
    difficulty: -0.2,
    skill: [0.2, 1.0, 0.4, 1.3, 1.6, 1.7],
    styles: [
      { name: 'news', difficulty: -0.3, answerTokens: 110, make: (r) => `Summarise this news report in three bullet points: ${sample(r, NEWS, int(r, 2, 6))}` },
      {
        name: 'meeting',
        difficulty: 0.3,
        answerTokens: 130,
        bonus: { 1: 0.5 },
        make: (r) => `List the action items, owners and deadlines from these meeting notes: ${sample(r, MEETING, int(r, 2, 6))}`,
      },
    ],
  },
];

/** Rough token count of English text (≈ 1.3 tokens a word, plus a chat template). */
function tokens(text: string): number {
  return Math.round(text.split(/\s+/).filter(Boolean).length * 1.3) + 12;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * The synthetic routing data set: rows 0..nTrain−1 are train, the rest test. Every draw
 * comes from one PRNG seeded by `seed`, in a fixed order, so the data is a function of
 * (nTrain, nTest, seed) alone.
 */
export function syntheticRoutingData(options: SyntheticOptions = {}): RoutingData {
  assertObject('options', options);
  const nTrain = assertInteger('nTrain', options.nTrain ?? 3000, 1, 10_000_000);
  const nTest = assertInteger('nTest', options.nTest ?? 600, 1, 10_000_000);
  const seed = assertInteger('seed', options.seed ?? 0, 0, 0xffffffff);
  const n = nTrain + nTest;
  const M = SYNTHETIC_MODELS.length;
  const rand = mulberry32((seed ^ 0x5eed5eed) >>> 0);
  const normal = gaussian(rand);

  const ids: string[] = new Array(n);
  const prompts: string[] = new Array(n);
  const tasks: string[] = new Array(n);
  const leaves: string[] = new Array(n);
  const scores = new Float32Array(n * M);
  const costs = new Float32Array(n * M);
  const splits = new Uint8Array(n);

  for (let i = 0; i < n; i++) {
    const task = TASKS[Math.floor(rand() * TASKS.length)];
    const style = task.styles[Math.floor(rand() * task.styles.length)];
    const prompt = style.make(rand);
    const difficulty = task.difficulty + style.difficulty + 0.8 * normal();
    const inTokens = tokens(prompt);
    ids[i] = `synthetic-${seed}-${String(i).padStart(6, '0')}`;
    prompts[i] = prompt;
    tasks[i] = task.name;
    leaves[i] = `${task.name}/${style.name}`;
    splits[i] = i < nTrain ? 0 : 2;
    for (let m = 0; m < M; m++) {
      const skill = task.skill[m] + (style.bonus?.[m] ?? 0) + 0.3 * normal();
      const p = sigmoid(1.6 * (skill - difficulty));
      const s = task.graded ? Math.round(Math.min(1, Math.max(0, p + 0.07 * normal())) * 20) / 20 : rand() < p ? 1 : 0;
      const model = SYNTHETIC_MODELS[m];
      const outTokens = Math.max(1, Math.round(style.answerTokens * model.verbosity * Math.exp(0.25 * normal())));
      scores[i * M + m] = s;
      costs[i * M + m] = (inTokens * model.inputPrice + outTokens * model.outputPrice) / 1e6;
    }
  }

  return {
    source: 'synthetic (generated)',
    format: 'synthetic',
    models: SYNTHETIC_MODELS.map((m) => m.name),
    n,
    ids,
    prompts,
    tasks,
    leaves,
    scores,
    costs,
    hasCosts: true,
    costNote: 'synthetic: generated token counts × invented per-model prices (not measured)',
    splits,
    notes: [
      `generated by syntheticRoutingData (seed ${seed}): ${TASKS.length} tasks, ${M} invented models, ${nTrain} train / ${nTest} test rows; not real LLM results`,
    ],
  };
}
