// The prompts of the synthesis pipeline. They follow the authors' code (ColdStartLLMRouter,
// github.com/less-and-less-bugs/ColdStartLLMRouter): the taxonomy steps, rules, revision and
// A/B choice prompts of src/prompts/node_gen.py and the loop of src/components/kg_contructor.py;
// the QA-pair prompt of src/components/task_annotator.py; the answer and judge prompts of
// src/components/metric_estimator.py. Rewritten in our words, with JSON answers instead of
// the authors' <node begin> … </node end> markers so they can be parsed and re-asked reliably.

import type { ChatMessage } from './llm.js';
import type { JsonSchema } from './json.js';
import type { TaxonomyLevel } from './taxonomy.js';

/** A node as the LLM proposes it (ids are ours to assign). */
export interface NodeSpec {
  name: string;
  definition: string;
  example: string;
}

const SYSTEM = `You are an expert in building knowledge graphs. You are helping to build a hierarchical taxonomy of query types for an LLM router: a system that sends each user query to the large language model that fits it best in quality and cost.

Every query is classified along a path of up to four levels:
1. Domain: a broad task area.
2. Subcategory: a specific type of task within the domain.
3. Difficulty Level (optional): how complex a query is within its subcategory.
4. User Preference (optional): the output behaviour the user wants.

Every node has a short name, a one-sentence definition, and one realistic example query. Answer in JSON only.`;

const NODE_JSON = `{"nodes": [{"name": "…", "definition": "one sentence", "example": "one realistic query"}, …]}`;

/** The short label and the node-set name the prompts use per level. */
export const LEVEL_WORDS: Record<TaxonomyLevel, { short: string; set: string }> = {
  domain: { short: 'Domain', set: 'Domain Node' },
  subcategory: { short: 'Subcategory', set: 'Subcategory Node' },
  difficulty: { short: 'Level', set: 'Difficulty Level Node' },
  preference: { short: 'Preference', set: 'User Preference Node' },
};

/** The generation rules per level (node_gen.py's *NodeRule), given the level's limit. */
export function levelRules(level: TaxonomyLevel, max: number): string {
  switch (level) {
    case 'domain':
      return `- Domains must be broad yet clearly distinct from one another.
- Avoid overlapping or ambiguous categories.
- Draw on the areas covered by common LLM benchmarks (MMLU, AGIEval, CMMLU, …) and by real-world use.
- They are the top-level nodes of the taxonomy.
- Propose at most ${max} new domains.`;
    case 'subcategory':
      return `- Subcategories must not overlap.
- Each subcategory is a common kind of user query that belongs in this domain.
- Subcategories are general enough to cover many queries and specific enough to guide the choice of model.
- Propose at most ${max} subcategories for the domain.`;
    case 'difficulty':
      return `- Levels are ordered from the easiest to the hardest.
- Levels reflect increasing reasoning complexity, output length, or model capability required.
- Levels are mutually exclusive: no query belongs to two levels.
- Levels are collectively exhaustive: every query of the subcategory belongs to one level.
- Avoid superficial differences such as "longer text" unless they change the real difficulty.
- Use a fixed global scale for the short names (e.g. Easy / Medium / Hard), with definitions specific to the subcategory.
- Propose at most ${max} levels.`;
    case 'preference':
      return `- Preferences are common, realistic wishes about how the answer should be written.
- They are mutually exclusive and semantically distinct: merge similar ones.
- Together they cover the main output styles users expect in this subcategory.
- Each should change the length of the model's answer noticeably.
- Include one node named "No Explicit Preference" for queries that state no output constraint.
- Propose at most ${max} preferences.`;
  }
}

function nodeList(nodes: NodeSpec[]): string {
  return JSON.stringify({ nodes: nodes.map((n) => ({ name: n.name, definition: n.definition, example: n.example })) }, null, 2);
}

/** Step 0 (ours): definitions for seed domains given only by name. */
export function defineDomainsMessages(names: string[]): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `**Step 0: Define Seed Domains**

Give each of these Domains, in this order and with exactly these names, a one-sentence definition and one realistic example query:
${names.map((n) => `- ${n}`).join('\n')}

Output format (JSON): ${NODE_JSON}`,
    },
  ];
}

/** Step 1: new domains beyond the seeds. */
export function domainMessages(seeds: NodeSpec[], maxNew: number): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `**Step 1: Generate Domain Nodes**

Produce distinct, non-overlapping Domain categories for broad types of user tasks. These ${seeds.length} Domains are already defined:
${seeds.map((s) => `- ${s.name}: ${s.definition}`).join('\n')}

Propose at most ${maxNew} NEW high-level Domains, different from the ones above.

Rules:
${levelRules('domain', maxNew)}

For each Domain give its name, a one-sentence definition and a real-world example query.

Example of the format:
${nodeList([
  { name: 'Mathematics', definition: 'Quantitative problem solving with numbers, equations, logic or formal systems.', example: 'What is the derivative of sin(x)?' },
])}

Output format (JSON): ${NODE_JSON}`,
    },
  ];
}

/** Step 2: subcategories of one domain. */
export function subcategoryMessages(domain: NodeSpec, max: number): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `**Step 2: Generate Subcategories for a Given Domain**

Domain: ${domain.name}
Domain definition: ${domain.definition}
Domain example: ${domain.example}

Propose at most ${max} fine-grained Subcategory nodes: the specific kinds of tasks or problems within this domain.

Rules:
${levelRules('subcategory', max)}

For each Subcategory give its name, a one-sentence definition and a real-world example query. For the domain Mathematics, for instance:
${nodeList([
  { name: 'Arithmetic', definition: 'Basic operations on numbers: addition, subtraction, multiplication and division.', example: 'What is the sum of 123 and 456?' },
  { name: 'Algebra', definition: 'Solving equations and manipulating expressions with variables.', example: 'Solve for x: 2x + 3 = 11.' },
])}

Output format (JSON): ${NODE_JSON}`,
    },
  ];
}

/** Step 3: difficulty levels of one subcategory. */
export function difficultyMessages(domain: NodeSpec, sub: NodeSpec, max: number): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `**Step 3: Define Difficulty Levels for a Given Subcategory**

This level captures how complexity varies within one Subcategory. Use a fixed global scale for the short names (e.g. Easy / Medium / Hard), but write each level's definition for the nature of this Subcategory.

Domain: ${domain.name}
Subcategory: ${sub.name}
Subcategory definition: ${sub.definition}
Subcategory example: ${sub.example}

Propose at most ${max} Difficulty Level nodes, ordered from easiest to hardest.

Rules:
${levelRules('difficulty', max)}

For each level give its name, a one-sentence definition and a real-world example query. For the subcategory Code Debugging, for instance:
${nodeList([
  { name: 'Easy', definition: 'Single-line or syntax-only bugs in short, self-contained functions.', example: 'Fix the indentation error in this 5-line Python function.' },
  { name: 'Medium', definition: 'Logic bugs in medium-length code that need control-flow analysis.', example: 'Fix the loop condition that makes this JavaScript function loop forever.' },
  { name: 'Hard', definition: 'Bugs across several functions, edge cases, concurrency or memory management.', example: 'Fix the deadlock in this multi-threaded C++ program that writes files.' },
])}

Output format (JSON): ${NODE_JSON}`,
    },
  ];
}

/** Step 4: user-preference nodes of one subcategory (shared by its difficulty levels). */
export function preferenceMessages(domain: NodeSpec, sub: NodeSpec, max: number): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `**Step 4: Define User Preference Nodes for a Given Subcategory**

This level captures output constraints or style preferences stated or implied in a query; they change the length of the answer and so matter for routing.

Domain: ${domain.name}
Subcategory: ${sub.name}
Subcategory definition: ${sub.definition}
Subcategory example: ${sub.example}

Propose at most ${max} User Preference nodes.

Rules:
${levelRules('preference', max)}

For each preference give a short label, a one-sentence definition and a real-world example query. For the subcategory Scientific Explanation, for instance:
${nodeList([
  { name: 'Concise Explanation', definition: 'The user wants a brief, high-level answer without elaboration.', example: 'Give me a short answer: why does ice float?' },
  { name: 'Step-by-step Reasoning', definition: 'The user wants a logical, sequential breakdown.', example: 'Explain step by step how rain forms from water vapour.' },
  { name: 'No Explicit Preference', definition: 'The query states no output constraint; a default answer is fine.', example: 'What causes ocean tides?' },
])}

Output format (JSON): ${NODE_JSON}`,
    },
  ];
}

/** The special note the revision and choice prompts carry per level (kg_contructor.py). */
export function specialNote(level: TaxonomyLevel, ctx: { seeds?: string[]; domain?: string; maxNew?: number }): string {
  switch (level) {
    case 'domain':
      return `These Domains are already defined: ${(ctx.seeds ?? []).join(', ')}. The set under review holds at most ${ctx.maxNew ?? 4} NEW high-level Domains, distinct from those.`;
    case 'subcategory':
      return `The subcategories must be specific to the ${ctx.domain ?? ''} domain.`;
    case 'difficulty':
      return 'Difficulty levels must reflect the output length and the model capability a query needs. Use a fixed global scale for the short names (e.g. Easy / Medium / Hard), with definitions specific to the subcategory.';
    case 'preference':
      return 'User preferences must be common output constraints or style preferences that change the length and manner of the answer, and must include a "No Explicit Preference" node.';
  }
}

/** The self-evaluation step: critique the candidate set and give a revised one with a justification. */
export function reviseMessages(level: TaxonomyLevel, nodes: NodeSpec[], rules: string, note: string): ChatMessage[] {
  const w = LEVEL_WORDS[level];
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `Special note: ${note}

You are given a candidate ${w.set} set for review. Your job:
1. Judge whether the set needs improvement, by how well it follows the generation rules below.
2. If it does, write a revised, better version of the ${w.set} set that follows the rules more closely and supports routing decisions better. If it does not, repeat the set unchanged.

Candidate ${w.set} set:
${nodeList(nodes)}

Generation rules:
${rules}

Output format (JSON): {"justification": "whether and why the set is flawed (overlap, vagueness, gaps, …)", "nodes": [{"name": "…", "definition": "…", "example": "…"}, …]}`,
    },
  ];
}

/** The choice step: which of two sets follows the rules better. */
export function chooseMessages(level: TaxonomyLevel, a: NodeSpec[], b: NodeSpec[], rules: string, note: string): ChatMessage[] {
  const w = LEVEL_WORDS[level];
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `Special note: ${note}

You are given two candidate ${w.set} sets, labelled Set A and Set B. Your job:
1. Compare both sets by how well they follow the generation rules.
2. Choose the better set: clearer, more distinct, more useful, better aligned with routing.
3. Justify the choice.

Generation rules:
${rules}

Set A:
${nodeList(a)}

Set B:
${nodeList(b)}

Output format (JSON): {"justification": "why one set is better, with reference to the rules", "preferred": "A" or "B"}`,
    },
  ];
}

export const NODE_SET_SCHEMA = (max: number): JsonSchema => ({
  type: 'object',
  required: ['nodes'],
  properties: {
    nodes: {
      type: 'array',
      minItems: 1,
      maxItems: max,
      items: {
        type: 'object',
        required: ['name', 'definition', 'example'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 120 }, definition: { type: 'string', minLength: 1 }, example: { type: 'string', minLength: 1 } },
      },
    },
  },
});

export const REVISION_SCHEMA = (max: number): JsonSchema => {
  const s = NODE_SET_SCHEMA(max) as Extract<JsonSchema, { type: 'object' }>;
  return { type: 'object', required: ['justification', 'nodes'], properties: { justification: { type: 'string' }, nodes: s.properties.nodes } };
};

export const CHOICE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['preferred'],
  properties: { justification: { type: 'string' }, preferred: { type: 'enum', values: ['A', 'B', 'Set A', 'Set B'] } },
};

// ---------------------------------------------------------------- QA synthesis, answers, judging

const QA_SYSTEM = `You are a helpful assistant that writes high-quality question-answer pairs for evaluating language models. Every question must be clear and self-contained; every answer must be accurate and complete enough to grade another model's answer against it. Answer in JSON only, in the format {"pairs": [{"question": "…", "answer": "…"}, …]}.`;

/** The QA-pair request for one leaf: its path with definitions, the leaf's example, and questions to avoid. */
export function queryMessages(path: { level: TaxonomyLevel; node: NodeSpec }[], count: number, avoid: string[]): ChatMessage[] {
  const label: Record<TaxonomyLevel, string> = { domain: 'Task Domain', subcategory: 'Task Subcategory', difficulty: 'Task Difficulty', preference: 'User Preference' };
  const lines = path.map(({ level, node }) => `${label[level]}: ${node.name}\n${label[level].replace(/^Task /, '')} Definition: ${node.definition}`);
  const leaf = path[path.length - 1].node;
  const pref = path.some((p) => p.level === 'preference')
    ? '\nEvery question must express the user preference above, and every answer must follow it.'
    : '';
  const avoidText = avoid.length
    ? `\n\nDo not repeat or paraphrase these questions, which already exist:\n${avoid.map((q) => `- ${q.length > 200 ? `${q.slice(0, 200)}…` : q}`).join('\n')}`
    : '';
  return [
    { role: 'system', content: QA_SYSTEM },
    {
      role: 'user',
      content: `${lines.join('\n')}
Example query: ${leaf.example}

Please generate ${count} different question-answer pairs according to all the above specification. The questions should be clear, relevant, and the answers should be comprehensive and accurate. Focus on creating diverse questions that cover different aspects of the topic.${pref}${avoidText}

Output format (JSON): {"pairs": [{"question": "…", "answer": "…"}, …]}`,
    },
  ];
}

export const QA_SCHEMA = (max: number): JsonSchema => ({
  type: 'object',
  required: ['pairs'],
  properties: {
    pairs: {
      type: 'array',
      minItems: 1,
      maxItems: max,
      items: { type: 'object', required: ['question', 'answer'], properties: { question: { type: 'string', minLength: 1 }, answer: { type: 'string', minLength: 1 } } },
    },
  },
});

/** What a candidate model is asked (metric_estimator.py). */
export function answerMessages(question: string): ChatMessage[] {
  return [{ role: 'user', content: `Please answer the following question: ${question}\n\nAnswer:` }];
}

/** The judge's request: score the model's answer against the reference, 0–1. */
export function judgeMessages(question: string, reference: string, answer: string): ChatMessage[] {
  return [
    {
      role: 'user',
      content: `You are an expert evaluator. Score the quality and correctness of a model's answer to a question, using the reference answer as the gold standard.

You are given:
- QUESTION
- REFERENCE ANSWER (correct)
- MODEL ANSWER (to evaluate)

Give a score between 0.0 and 1.0, where:
- 1.0 = fully correct and semantically equivalent to the reference
- 0.5 = partially correct or incomplete
- 0.0 = completely incorrect, irrelevant or nonsensical

QUESTION:
${question}

REFERENCE ANSWER:
${reference}

MODEL ANSWER:
${answer}

Reply in JSON only: {"score": <number from 0.0 to 1.0>, "reason": "<one sentence>"}`,
    },
  ];
}

export const JUDGE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['score'],
  properties: { score: { type: 'number', min: 0, max: 1 }, reason: { type: 'string' } },
};
