// Reading JSON out of an LLM's answer: strip code fences and prose, take the outermost
// object/array, repair the usual damage (trailing commas, single quotes, raw newlines in
// strings, Python literals, missing commas, truncated closing brackets), and check the
// value's shape against a small schema so the caller can re-ask with a precise reason.

/** A small JSON schema: enough to say what an LLM's JSON answer must look like. */
export type JsonSchema =
  | { type: 'string'; minLength?: number; maxLength?: number }
  | { type: 'number'; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'array'; items: JsonSchema; minItems?: number; maxItems?: number }
  | { type: 'object'; properties: Readonly<Record<string, JsonSchema>>; required?: readonly string[] };

/** Why an answer could not be read as JSON (the message is what a re-ask quotes). */
export class JsonAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonAnswerError';
  }
}

const OPEN = new Set(['{', '[']);

/**
 * The JSON text inside an answer: the content of the first ``` fence when there is one
 * (an unclosed fence runs to the end), from the first `{` or `[` to its matching bracket
 * (or to the end when the answer was truncated). Throws JsonAnswerError when there is none.
 */
export function extractJson(text: string): string {
  let s = text;
  const fence = /```[ \t]*([A-Za-z0-9_-]*)[ \t]*\r?\n?/.exec(s);
  if (fence) {
    const rest = s.slice(fence.index + fence[0].length);
    const close = rest.indexOf('```');
    const inner = close === -1 ? rest : rest.slice(0, close);
    if (/[{[]/.test(inner)) s = inner;
  }
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    if (OPEN.has(s[i])) {
      start = i;
      break;
    }
  }
  if (start === -1) throw new JsonAnswerError('the answer contains no JSON object or array');
  // Find the matching bracket, aware of strings (single or double quoted).
  let depth = 0;
  let quote = '';
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"') quote = c;
    else if (c === "'" && !/[A-Za-z0-9]/.test(s[i - 1] ?? '')) quote = c; // not an apostrophe inside a word
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return s.slice(start, i + 1);
    }
  }
  return s.slice(start);
}

type Tok =
  | { t: 'p'; v: '{' | '}' | '[' | ']' | ':' | ',' }
  | { t: 's'; v: string } // a JSON string literal, already encoded
  | { t: 'v'; v: string }; // number / true / false / null, already encoded

function encodeString(raw: string): string {
  return JSON.stringify(raw);
}

/** Lenient tokenizer: reads what a sloppy writer meant, always yielding valid JSON tokens. */
function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\uFEFF') {
      i++;
      continue;
    }
    if (c === '/' && s[i + 1] === '/') {
      while (i < n && s[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const e = s.indexOf('*/', i + 2);
      i = e === -1 ? n : e + 2;
      continue;
    }
    if (c === '{' || c === '}' || c === '[' || c === ']' || c === ':' || c === ',') {
      out.push({ t: 'p', v: c });
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '\u201c' || c === '\u201d') {
      const close = c === '\u201c' ? '\u201d' : c;
      let j = i + 1;
      let raw = '';
      let closed = false;
      while (j < n) {
        const d = s[j];
        if (d === '\\' && j + 1 < n) {
          const e = s[j + 1];
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };
          if (e in simple) {
            raw += simple[e];
            j += 2;
          } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6))) {
            raw += String.fromCharCode(parseInt(s.slice(j + 2, j + 6), 16));
            j += 6;
          } else {
            raw += e; // an invalid escape: keep the character
            j += 2;
          }
          continue;
        }
        if (d === close) {
          // A string may carry an unescaped quote: it closes only where what follows can
          // follow a string (, : } ], another string, or the end).
          let k = j + 1;
          while (k < n && /\s/.test(s[k])) k++;
          if (k < n && !',:}]"\''.includes(s[k])) {
            raw += d;
            j++;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        raw += d;
        j++;
      }
      out.push({ t: 's', v: encodeString(raw) });
      i = closed ? j : n;
      continue;
    }
    const num = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(s.slice(i, i + 64));
    if (num) {
      const v = Number(num[0]);
      out.push({ t: 'v', v: Number.isFinite(v) ? String(v) : 'null' });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_$][\w$-]*/.exec(s.slice(i, i + 256));
    if (word) {
      const w = word[0];
      const lit: Record<string, string> = { true: 'true', True: 'true', false: 'false', False: 'false', null: 'null', None: 'null', NaN: 'null', undefined: 'null' };
      out.push(w in lit ? { t: 'v', v: lit[w] } : { t: 's', v: encodeString(w) });
      i += w.length;
      continue;
    }
    i++; // junk character outside any string: drop it
  }
  return out;
}

type Frame = { kind: 'obj'; state: 'key' | 'colon' | 'value' | 'next' } | { kind: 'arr'; state: 'value' | 'next' };

/** Rebuilds a token stream into valid JSON: inserts missing commas/colons, drops trailing ones, closes what is open. */
function rebuild(toks: Tok[]): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  let done = false;
  const afterValue = () => {
    const top = stack[stack.length - 1];
    if (!top) done = true;
    else top.state = 'next';
  };
  const beforeValue = (isString: boolean): 'key' | 'value' | 'skip' => {
    const top = stack[stack.length - 1];
    if (!top) return 'value';
    if (top.kind === 'arr') {
      if (top.state === 'next') out.push(',');
      top.state = 'value';
      return 'value';
    }
    if (top.state === 'next') {
      out.push(',');
      top.state = 'key';
    }
    if (top.state === 'key') return isString ? 'key' : 'skip';
    if (top.state === 'colon') {
      out.push(':');
      top.state = 'value';
    }
    return 'value';
  };
  const close = (f: Frame) => {
    if (f.kind === 'obj') {
      if (f.state === 'colon') out.push(':null');
      else if (f.state === 'value') out.push('null');
      out.push('}');
    } else out.push(']');
  };
  for (const tok of toks) {
    if (done) break;
    if (tok.t === 'p') {
      const top = stack[stack.length - 1];
      switch (tok.v) {
        case '{':
        case '[': {
          if (beforeValue(false) === 'skip') {
            // a container where a key belongs: treat the missing key as an anonymous one
            out.push('"_":');
            (top as Frame).state = 'value';
          }
          out.push(tok.v);
          stack.push(tok.v === '{' ? { kind: 'obj', state: 'key' } : { kind: 'arr', state: 'value' });
          break;
        }
        case '}':
        case ']': {
          const want = tok.v === '}' ? 'obj' : 'arr';
          if (!stack.some((f) => f.kind === want)) break; // stray closer
          while (stack.length) {
            const f = stack.pop() as Frame;
            close(f);
            afterValue();
            if (f.kind === want) break;
          }
          break;
        }
        case ':':
          if (top?.kind === 'obj' && top.state === 'colon') {
            out.push(':');
            top.state = 'value';
          }
          break;
        case ',':
          // The comma is written when the next value arrives (beforeValue), so a trailing
          // or doubled comma simply vanishes and a missing one is supplied.
          break;
      }
      continue;
    }
    const role = beforeValue(tok.t === 's');
    if (role === 'skip') continue; // a bare number where a key belongs
    out.push(tok.v);
    if (role === 'key') (stack[stack.length - 1] as Frame).state = 'colon';
    else afterValue();
  }
  while (stack.length) {
    close(stack.pop() as Frame);
    afterValue();
  }
  return out.join('');
}

/** Repairs sloppy JSON text into text JSON.parse accepts (best effort; see the file comment). */
export function repairJson(text: string): string {
  return rebuild(tokenize(text));
}

/**
 * Parses the JSON inside an LLM answer: strict first, then repaired.
 * Throws JsonAnswerError (with the parser's reason) when neither works.
 */
export function parseJsonAnswer(text: string): { value: unknown; repaired: boolean } {
  const raw = extractJson(text);
  try {
    return { value: JSON.parse(raw), repaired: false };
  } catch (err) {
    const reason = (err as Error).message;
    const fixed = repairJson(raw);
    if (fixed === '') throw new JsonAnswerError(`the answer is not valid JSON (${reason})`);
    try {
      return { value: JSON.parse(fixed), repaired: true };
    } catch {
      throw new JsonAnswerError(`the answer is not valid JSON and could not be repaired (${reason})`);
    }
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v)}`;
  return `${typeof v === 'number' ? 'the number' : typeof v} ${String(v)}`;
}

/** The first way `value` breaks `schema`, as "path: expected …, received …"; undefined when it fits. */
export function checkSchema(value: unknown, schema: JsonSchema, path = '$'): string | undefined {
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return `${path}: expected a string, received ${kindOf(value)}`;
      const len = value.trim().length;
      if (schema.minLength !== undefined && len < schema.minLength)
        return `${path}: expected a string of at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}, received ${kindOf(value)}`;
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        return `${path}: expected a string of at most ${schema.maxLength} characters, received ${value.length}`;
      return undefined;
    }
    case 'number': {
      const v = value;
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${path}: expected a number, received ${kindOf(value)}`;
      if (schema.integer && !Number.isInteger(v)) return `${path}: expected an integer, received ${v}`;
      if ((schema.min !== undefined && v < schema.min) || (schema.max !== undefined && v > schema.max))
        return `${path}: expected a number in [${schema.min ?? '-inf'}, ${schema.max ?? 'inf'}], received ${v}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${path}: expected true or false, received ${kindOf(value)}`;
    case 'enum':
      return typeof value === 'string' && schema.values.includes(value)
        ? undefined
        : `${path}: expected one of ${schema.values.map((v) => JSON.stringify(v)).join(', ')}, received ${kindOf(value)}`;
    case 'array': {
      if (!Array.isArray(value)) return `${path}: expected an array, received ${kindOf(value)}`;
      if (schema.minItems !== undefined && value.length < schema.minItems)
        return `${path}: expected at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}, received ${value.length}`;
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        return `${path}: expected at most ${schema.maxItems} item${schema.maxItems === 1 ? '' : 's'}, received ${value.length}`;
      for (let i = 0; i < value.length; i++) {
        const e = checkSchema(value[i], schema.items, `${path}[${i}]`);
        if (e) return e;
      }
      return undefined;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path}: expected an object, received ${kindOf(value)}`;
      const o = value as Record<string, unknown>;
      for (const k of schema.required ?? []) if (!(k in o)) return `${path}: missing the field "${k}"`;
      for (const [k, s] of Object.entries(schema.properties)) {
        if (!(k in o)) continue;
        const e = checkSchema(o[k], s, `${path}.${k}`);
        if (e) return e;
      }
      return undefined;
    }
  }
}

/** A one-line description of the shape a schema asks for (quoted in prompts and re-asks). */
export function describeSchema(schema: JsonSchema): string {
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'number':
      return schema.min !== undefined && schema.max !== undefined ? `number in [${schema.min}, ${schema.max}]` : 'number';
    case 'boolean':
      return 'true|false';
    case 'enum':
      return schema.values.map((v) => JSON.stringify(v)).join('|');
    case 'array':
      return `[${describeSchema(schema.items)}, …]${schema.maxItems !== undefined ? ` (at most ${schema.maxItems})` : ''}`;
    case 'object':
      return `{${Object.entries(schema.properties)
        .map(([k, s]) => `"${k}": ${describeSchema(s)}`)
        .join(', ')}}`;
  }
}
