// A fake OpenAI-compatible LLM for the synthesis tests: a real node:http server on
// 127.0.0.1 (port 0) answering /v1/chat/completions. It recognises which of our prompts it
// got (taxonomy steps, revision, choice, QA generation, answering, judging), answers them
// deterministically with plausible JSON or text and a `usage`, injects faults on demand
// (429 with Retry-After, 500, hangs, dropped connections, malformed JSON that can or cannot
// be repaired, an error body echoing the Authorization header) and logs every request so
// tests can count calls per kind and check that no completed call was repeated.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { queryId, type SynthQuery } from '../src/synth/queries.js';

export type CallKind = 'define' | 'domains' | 'subcategories' | 'difficulty' | 'preferences' | 'revise' | 'choose' | 'queries' | 'answer' | 'judge' | 'unknown';

export type FaultKind = 'status' | 'hang' | 'drop' | 'malformed-repairable' | 'malformed-quotes' | 'malformed-fatal' | 'echo-auth' | 'echo-auth-content';

export interface Fault {
  kind: FaultKind;
  /** HTTP status for 'status' (default 500). */
  status?: number;
  /** Retry-After header value for 'status'. */
  retryAfter?: string;
  /** Which kind of call it hits (default: any). */
  on?: CallKind | 'any';
  /** Only calls to this model. */
  model?: string;
  /** Only requests this predicate accepts (e.g. one question). */
  match?: (request: LoggedRequest) => boolean;
  /** How many matching requests it hits (default 1). */
  times?: number;
}

export interface FakeLlmOptions {
  /** Delay before every answer, ms (default 0). */
  delayMs?: number;
  /** New domains proposed (default 2, capped by what the prompt allows). */
  newDomains?: number;
  /** Subcategories proposed per domain (default 3). */
  subcategories?: number;
  /** Difficulty level names (default Easy, Medium, Hard). */
  levels?: string[];
  /** Revision rounds per set that return a changed set (default 1). */
  revisionChanges?: number;
  /** The choice prompt prefers the more revised set (default true) or the less revised one. */
  preferRevised?: boolean;
  /** First proposals return 2 nodes more than allowed (the client must re-ask). */
  overshoot?: boolean;
  /** Distinct questions per leaf: after that, questions repeat (default unlimited). */
  questionPool?: number;
  /** Every k-th generated question is a near-duplicate of the one before it (default: never). */
  nearDuplicateEvery?: number;
  /** Per model: chance its answer is right (default 0.5). */
  skill?: Record<string, number>;
  /** Leave `usage` out of the answers. */
  noUsage?: boolean;
}

export interface LoggedRequest {
  kind: CallKind;
  model: string;
  /** A re-ask (the conversation holds an earlier assistant answer). */
  reask: boolean;
  /** For answer / judge calls: the question. */
  question?: string;
  /** For judge calls: the model answer under review. */
  answer?: string;
  /** What the server did: 'ok' or the fault kind. */
  outcome: 'ok' | FaultKind;
  /** The text answered (when outcome is ok). */
  content?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  authorization?: string;
  responseFormat?: unknown;
  seed?: unknown;
  temperature?: unknown;
  maxTokens?: unknown;
}

function h32(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/** The judge's rule: 1 when the numbers match, 0.5 when off by one, else 0. */
export function fakeJudgeScore(reference: string, answer: string): number {
  const r = /-?\d+/.exec(reference);
  const a = /answer is (-?\d+)/.exec(answer) ?? /-?\d+/.exec(answer);
  if (!r || !a) return 0;
  const d = Math.abs(Number(r[0]) - Number(a[a.length - 1]));
  return d === 0 ? 1 : d === 1 ? 0.5 : 0;
}

const NAMES = ['Maria', 'Kenji', 'Amara', 'Lukas', 'Priya', 'Omar', 'Sofia', 'Tomasz', 'Chen', 'Ines'];
const ITEMS = ['apples', 'marbles', 'library books', 'postage stamps', 'pencils', 'cookies', 'sea shells', 'old coins', 'tomato plants', 'paper cranes'];
const SCENES = [
  'On a rainy Tuesday',
  'During the school fair',
  'At the harbour market',
  'Before the winter holidays',
  'While camping by the lake',
  'After a long football practice',
  'At the village bakery',
  'On the first day of spring',
  'In a tiny mountain hut',
  'Just before midnight',
  'At grandma\u2019s birthday picnic',
  'During a power cut',
];
const CODAS = [
  'Give just the number.',
  'Think it through carefully.',
  'This is for a homework sheet.',
  'My little brother asked me this.',
  'Assume nothing was lost or broken.',
  'Answer in one sentence.',
  'It came up in a quiz.',
  'No rounding is needed.',
];
const TEMPLATES = [
  (n: string, i: string, a: number, b: number) => `${n} collects ${a} ${i} and is then given ${b} more by a neighbour. How many ${i} does ${n} own now?`,
  (n: string, i: string, a: number, b: number) => `a stall run by ${n} sells ${a} ${i} before noon and ${b} ${i} after noon; what is the total sold that day?`,
  (n: string, i: string, a: number, b: number) => `${n} counts ${a} ${i} in one box and ${b} in another. Combined, how many are there?`,
  (n: string, i: string, a: number, b: number) => `if ${n} stacks ${a} ${i} on a shelf and adds ${b}, what number ends up on the shelf?`,
  (n: string, i: string, a: number, b: number) => `two friends pool their ${i}: ${n} brings ${a}, the other brings ${b}. Tell me the size of the pile.`,
  (n: string, i: string, a: number, b: number) => `${n} found ${a} ${i} yesterday plus ${b} today; work out how many were found altogether.`,
];

/** A fake arithmetic word problem of a leaf (varied wording, seeded by leaf and n) and its reference answer. */
export function fakeQuestion(leafName: string, n: number): { question: string; answer: string } {
  const h = (k: string) => h32(`${leafName}#${n}${k}`);
  const a = 2 + (h('a') % 90);
  const b = 2 + (h('b') % 90);
  // Mixed radix over (template, item): no two of 60 consecutive questions share both.
  const k = n + (h32(leafName) % 600);
  const t = TEMPLATES[k % TEMPLATES.length];
  const item = ITEMS[Math.floor(k / TEMPLATES.length) % ITEMS.length];
  return {
    question: `${SCENES[h('s') % SCENES.length]}, ${t(NAMES[h('n') % NAMES.length], item, a, b)} ${CODAS[h('c') % CODAS.length]}`,
    answer: `The total is ${a + b}.`,
  };
}

/** n synthetic queries of one leaf, as synth queries would write them for the fake server's questions. */
export function fakeQueries(n: number, leaf = 'math/arithmetic/easy', title = 'Mathematics / Arithmetic / Easy'): SynthQuery[] {
  return Array.from({ length: n }, (_, i) => {
    const q = fakeQuestion(title, i);
    return { id: queryId(leaf, q.question), leaf, task: title, prompt: q.question, reference: q.answer };
  });
}

/** The near-duplicate the fake server makes of a question. */
export function nearDuplicate(question: string): string {
  return `${question} Explain briefly.`;
}

function classify(text: string): CallKind {
  if (text.includes('You are an expert evaluator')) return 'judge';
  if (text.startsWith('Please answer the following question:')) return 'answer';
  if (text.includes('question-answer pairs according to all the above specification')) return 'queries';
  if (text.includes('You are given two candidate')) return 'choose';
  if (text.includes('set for review')) return 'revise';
  if (text.includes('**Step 0: Define Seed Domains**')) return 'define';
  if (text.includes('**Step 1: Generate Domain Nodes**')) return 'domains';
  if (text.includes('**Step 2: Generate Subcategories')) return 'subcategories';
  if (text.includes('**Step 3: Define Difficulty Levels')) return 'difficulty';
  if (text.includes('**Step 4: Define User Preference Nodes')) return 'preferences';
  return 'unknown';
}

interface Node {
  name: string;
  definition: string;
  example: string;
}

const NEW_DOMAINS = ['Legal Reasoning', 'Medical Knowledge', 'Finance and Economics', 'Scientific Research', 'Multilingual Translation', 'Data Analysis'];
const SUBS = ['Foundations', 'Applied Problems', 'Advanced Topics', 'Conceptual Questions', 'Multi-step Tasks', 'Edge Cases', 'Explanations', 'Comparisons', 'Planning', 'Critique', 'Extra One', 'Extra Two'];

function between(text: string, start: string, end: string): string {
  const i = text.indexOf(start);
  if (i < 0) return '';
  const j = text.indexOf(end, i + start.length);
  return text.slice(i + start.length, j < 0 ? undefined : j);
}

function revisions(nodes: Node[]): number {
  return nodes.reduce((a, n) => a + (n.definition.match(/\(revised \d+\)/g)?.length ?? 0), 0);
}

export class FakeLlm {
  readonly options: FakeLlmOptions;
  private server: Server;
  private sockets = new Set<Socket>();
  private faults: (Fault & { left: number })[] = [];
  readonly log: LoggedRequest[] = [];
  url = '';

  constructor(options: FakeLlmOptions = {}) {
    this.options = options;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  /** Queues a fault; it hits the next `times` matching requests. */
  fault(f: Fault): this {
    this.faults.push({ ...f, left: f.times ?? 1 });
    return this;
  }

  /** Drops the faults not yet used. */
  clearFaults(): this {
    this.faults = [];
    return this;
  }

  /** Requests per kind (re-asks included), or only those answered normally. */
  count(kind?: CallKind, onlyOk = false): number {
    return this.log.filter((l) => (!kind || l.kind === kind) && (!onlyOk || l.outcome === 'ok')).length;
  }

  /** Logged requests of a kind. */
  of(kind: CallKind): LoggedRequest[] {
    return this.log.filter((l) => l.kind === kind);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private takeFault(entry: LoggedRequest): Fault | undefined {
    const { kind, model } = entry;
    const f = this.faults.find((x) => x.left > 0 && (!x.on || x.on === 'any' || x.on === kind) && (!x.model || x.model === model) && (!x.match || x.match(entry)));
    if (f) f.left--;
    return f;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    let body: { model?: unknown; messages?: { role: string; content: string }[]; seed?: unknown; response_format?: unknown; temperature?: unknown; max_tokens?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end(JSON.stringify({ error: { message: 'body is not JSON' } }));
      return;
    }
    const msgs = body.messages;
    if (typeof body.model !== 'string' || !Array.isArray(msgs) || !msgs.length) {
      res.writeHead(400).end(JSON.stringify({ error: { message: 'model and messages are required' } }));
      return;
    }
    const model = body.model;
    const firstUser = msgs.find((m) => m.role === 'user')?.content ?? '';
    const kind = classify(firstUser);
    const reask = msgs.some((m) => m.role === 'assistant');
    const entry: LoggedRequest = {
      kind,
      model,
      reask,
      outcome: 'ok',
      authorization: req.headers.authorization,
      responseFormat: body.response_format,
      seed: body.seed,
      temperature: body.temperature,
      maxTokens: body.max_tokens,
    };
    if (kind === 'answer') entry.question = firstUser.slice('Please answer the following question: '.length).replace(/\n\nAnswer:$/, '');
    if (kind === 'judge') {
      entry.question = between(firstUser, 'QUESTION:\n', '\n\nREFERENCE ANSWER:');
      entry.answer = between(firstUser, 'MODEL ANSWER:\n', '\n\nReply in JSON only');
    }
    this.log.push(entry);
    const fault = this.takeFault(entry);
    if (this.options.delayMs) await new Promise((r) => setTimeout(r, this.options.delayMs));
    if (fault) {
      entry.outcome = fault.kind;
      switch (fault.kind) {
        case 'status': {
          const h: Record<string, string> = { 'content-type': 'application/json' };
          if (fault.retryAfter !== undefined) h['retry-after'] = fault.retryAfter;
          res.writeHead(fault.status ?? 500, h).end(JSON.stringify({ error: { message: `injected ${fault.status ?? 500}` } }));
          return;
        }
        case 'hang':
          return; // never answers; the client's timeout must fire
        case 'drop':
          req.socket.destroy();
          return;
        case 'echo-auth':
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `invalid credentials: ${req.headers.authorization ?? ''}` } }));
          return;
        default:
          break; // content faults: answer below, damaged
      }
    }
    let content = this.answer(kind, firstUser, reask, model, Number(body.seed ?? 0));
    if (fault?.kind === 'malformed-repairable') {
      // fenced, with prose, a trailing comma and the closing brackets cut off
      const cut = content.replace(/\]\}$/, '').replace(/\}$/, '');
      content = `Sure! Here is the JSON you asked for:\n\`\`\`json\n${cut},\n`;
    } else if (fault?.kind === 'malformed-quotes') {
      content = content.replace(/"/g, "'").replace(/\\n/g, '\n');
    } else if (fault?.kind === 'malformed-fatal') {
      content = "I'm sorry, I cannot produce that right now.";
    } else if (fault?.kind === 'echo-auth-content') {
      content = `${content} (your header was ${req.headers.authorization ?? ''})`;
    }
    const usage = { prompt_tokens: words(msgs.map((m) => m.content).join(' ')), completion_tokens: words(content) };
    entry.content = content;
    entry.usage = usage;
    const out: Record<string, unknown> = {
      id: `chatcmpl-${this.log.length}`,
      object: 'chat.completion',
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    };
    if (!this.options.noUsage) out.usage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  }

  private nodes(kind: CallKind, text: string, reask: boolean): Node[] {
    const o = this.options;
    const max = Number(/at most (\d+)/.exec(text)?.[1] ?? 5);
    const over = o.overshoot && !reask ? 2 : 0;
    switch (kind) {
      case 'define':
        return between(text, 'and with exactly these names, a one-sentence definition and one realistic example query:\n', '\n\nOutput format')
          .split('\n')
          .map((l) => l.replace(/^- /, '').trim())
          .filter(Boolean)
          .map((name) => ({ name, definition: `Tasks about ${name.toLowerCase()}.`, example: `A typical ${name.toLowerCase()} question?` }));
      case 'domains':
        return NEW_DOMAINS.slice(0, Math.min(o.newDomains ?? 2, max) + over).map((name) => ({
          name,
          definition: `Queries that need ${name.toLowerCase()}.`,
          example: `A question about ${name.toLowerCase()}?`,
        }));
      case 'subcategories': {
        const domain = /Domain: (.*)\n/.exec(text)?.[1] ?? 'Domain';
        return SUBS.slice(0, Math.min(o.subcategories ?? 3, max) + over).map((s) => ({
          name: `${domain} ${s}`,
          definition: `${s} within ${domain}.`,
          example: `A ${s.toLowerCase()} question in ${domain}?`,
        }));
      }
      case 'difficulty': {
        const sub = /Subcategory: (.*)\n/.exec(text)?.[1] ?? 'Subcategory';
        const names = o.levels ?? ['Easy', 'Medium', 'Hard'];
        const extra = over ? ['Expert', 'Impossible'] : [];
        return [...names.slice(0, max), ...extra].map((l) => ({ name: l, definition: `${l} queries of ${sub}.`, example: `An ${l.toLowerCase()} ${sub} query?` }));
      }
      case 'preferences': {
        const sub = /Subcategory: (.*)\n/.exec(text)?.[1] ?? 'Subcategory';
        return ['Concise Answer', 'Step-by-step Explanation', 'No Explicit Preference']
          .slice(0, max)
          .map((p) => ({ name: p, definition: `${p} for ${sub}.`, example: `${p}: a ${sub} query?` }));
      }
      default:
        return [];
    }
  }

  private answer(kind: CallKind, text: string, reask: boolean, model: string, seed: number): string {
    const o = this.options;
    switch (kind) {
      case 'define':
      case 'domains':
      case 'subcategories':
      case 'difficulty':
      case 'preferences':
        return JSON.stringify({ nodes: this.nodes(kind, text, reask) });
      case 'revise': {
        const set = JSON.parse(between(text, ' set:\n', '\n\nGeneration rules:')) as { nodes: Node[] };
        const k = revisions(set.nodes);
        if (k < (o.revisionChanges ?? 1)) {
          const nodes = set.nodes.map((n, i) => (i === 0 ? { ...n, definition: `${n.definition} (revised ${k + 1})` } : n));
          return JSON.stringify({ justification: 'The first definition is vague; sharpened it.', nodes });
        }
        return JSON.stringify({ justification: 'The set follows the rules; no change.', nodes: set.nodes });
      }
      case 'choose': {
        const a = JSON.parse(between(text, 'Set A:\n', '\n\nSet B:\n')) as { nodes: Node[] };
        const b = JSON.parse(between(text, 'Set B:\n', '\n\nOutput format')) as { nodes: Node[] };
        const aMore = revisions(a.nodes) > revisions(b.nodes);
        const pick = (o.preferRevised ?? true) === aMore ? 'A' : 'B';
        return JSON.stringify({ justification: `Set ${pick} follows the rules more closely.`, preferred: pick });
      }
      case 'queries': {
        const count = Number(/Please generate (\d+) different/.exec(text)?.[1] ?? 4);
        const leafName = [...text.matchAll(/^(?:Task Domain|Task Subcategory|Task Difficulty|User Preference): (.*)$/gm)].map((m) => m[1]).join(' / ');
        const pairs: { question: string; answer: string }[] = [];
        for (let i = 0; i < count; i++) {
          let n = seed * count + i;
          if (o.questionPool) n %= o.questionPool;
          const q = fakeQuestion(leafName, n);
          if (o.nearDuplicateEvery && i > 0 && i % o.nearDuplicateEvery === 0) {
            const prev = pairs[pairs.length - 1];
            pairs.push({ question: nearDuplicate(prev.question), answer: prev.answer });
          } else pairs.push(q);
        }
        return JSON.stringify({ pairs });
      }
      case 'answer': {
        const q = text.slice('Please answer the following question: '.length);
        const m = /(\d+)\D+?(\d+)/.exec(q);
        if (!m) return 'I do not know.';
        const right = Number(m[1]) + Number(m[2]);
        const skill = o.skill?.[model] ?? 0.5;
        const r = (h32(`${model}\0${q}`) % 1000) / 1000;
        const value = r < skill ? right : r < skill + (1 - skill) / 2 ? right + 1 : right + 10;
        return `The answer is ${value}, says ${model}.`;
      }
      case 'judge': {
        const ref = between(text, 'REFERENCE ANSWER:\n', '\n\nMODEL ANSWER:');
        const ans = between(text, 'MODEL ANSWER:\n', '\n\nReply in JSON only');
        const score = fakeJudgeScore(ref, ans);
        return JSON.stringify({ score, reason: score === 1 ? 'Matches the reference.' : score ? 'Off by one.' : 'Wrong.' });
      }
      default:
        return 'Hello.';
    }
  }
}

/** Starts a fake LLM on 127.0.0.1 (port 0). */
export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  return new FakeLlm(options).start();
}

function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Compiles src/ into dist/ when dist is missing or older (the CLI tests run the compiled program). */
export function ensureCompiled(): void {
  const root = resolve(__dirname, '..');
  const dist = join(root, 'dist');
  if (existsSync(join(dist, 'cli', 'main.js')) && newest(dist) >= newest(join(root, 'src'))) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
}
