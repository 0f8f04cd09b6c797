// An exact parser for the Python string literals RouterBench stores its prompts in
// (`['…']` or `["…"]`, written by Python's repr): quotes, prefixes, escapes, implicit
// concatenation. No eval, no regex guessing: unknown syntax is an error with a position.

/** Thrown for text that is not the literal it claims to be; `pos` is a 0-based offset. */
export class PythonLiteralError extends Error {
  readonly pos: number;
  constructor(message: string, pos: number) {
    super(`${message} at offset ${pos}`);
    this.name = 'PythonLiteralError';
    this.pos = pos;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s[i])) i++;
  return i;
}

function hexDigits(s: string, i: number, n: number, what: string): number {
  const h = s.slice(i, i + n);
  if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new PythonLiteralError(`truncated ${what} escape (expected ${n} hex digits)`, i - 2);
  return parseInt(h, 16);
}

/** True when a string literal (with an optional r/u/b/f-free prefix) starts at s[i]. */
export function startsStringLiteral(s: string, i: number): boolean {
  let j = i;
  while (j < s.length && j - i < 2 && /[rRuU]/.test(s[j])) j++;
  return s[j] === "'" || s[j] === '"';
}

/**
 * Parses one string literal starting at s[i]; returns its value and the offset just past it.
 * Accepts the prefixes r, u (and ur/ru as in Python 2), '…', "…", '''…''', """…""".
 * Byte (b) and f-strings are refused: repr of a str never produces them.
 */
export function parseStringLiteral(s: string, i: number): { value: string; end: number } {
  let raw = false;
  let j = i;
  while (j < s.length && /[rRuUbBfF]/.test(s[j])) {
    const c = s[j].toLowerCase();
    if (c === 'b' || c === 'f') throw new PythonLiteralError(`unsupported string prefix "${s[j]}"`, j);
    if (c === 'r') raw = true;
    j++;
    if (j - i > 2) throw new PythonLiteralError('bad string prefix', i);
  }
  const q = s[j];
  if (q !== "'" && q !== '"') throw new PythonLiteralError('expected a string literal', j);
  const triple = s[j + 1] === q && s[j + 2] === q;
  const close = triple ? q + q + q : q;
  let k = j + close.length;
  let out = '';
  let runStart = k;
  for (;;) {
    if (k >= s.length) throw new PythonLiteralError('unterminated string literal', j);
    const c = s[k];
    if (c === q && (!triple || s.startsWith(close, k))) {
      out += s.slice(runStart, k);
      return { value: out, end: k + close.length };
    }
    if (!triple && (c === '\n' || c === '\r')) throw new PythonLiteralError('newline inside a single-quoted string literal', k);
    if (c !== '\\') {
      k++;
      continue;
    }
    out += s.slice(runStart, k);
    const e = s[k + 1];
    if (e === undefined) throw new PythonLiteralError('unterminated string literal', j);
    if (raw) {
      // In raw strings a backslash escapes nothing but still keeps the next quote (or
      // backslash) from ending the literal; both characters stay in the value.
      out += c + e;
      k += 2;
      runStart = k;
      continue;
    }
    k += 2;
    if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else if (e === '\n') {
      // backslash-newline: a line continuation, contributes nothing
    } else if (e === '\r') {
      if (s[k] === '\n') k++;
    } else if (e === 'x') {
      out += String.fromCharCode(hexDigits(s, k, 2, '\\x'));
      k += 2;
    } else if (e === 'u') {
      out += String.fromCharCode(hexDigits(s, k, 4, '\\u'));
      k += 4;
    } else if (e === 'U') {
      const cp = hexDigits(s, k, 8, '\\U');
      if (cp > 0x10ffff) throw new PythonLiteralError(`\\U escape out of range (0x${cp.toString(16)})`, k - 2);
      out += String.fromCodePoint(cp);
      k += 8;
    } else if (e >= '0' && e <= '7') {
      let n = e.charCodeAt(0) - 48;
      let d = 1;
      while (d < 3 && s[k] >= '0' && s[k] <= '7') {
        n = n * 8 + s.charCodeAt(k) - 48;
        k++;
        d++;
      }
      out += String.fromCharCode(n);
    } else if (e === 'N') {
      throw new PythonLiteralError('unsupported \\N{…} escape (named Unicode characters)', k - 2);
    } else {
      // Python keeps unknown escapes verbatim, backslash included.
      out += c + e;
    }
    runStart = k;
  }
}

/**
 * Parses a Python list literal of strings, `['a', "b"]`, written by repr() (adjacent
 * literals concatenate, a trailing comma is allowed). Anything else is an error.
 */
export function parsePythonStringList(s: string): string[] {
  let i = skipSpace(s, 0);
  if (s[i] !== '[') throw new PythonLiteralError('expected "[" (a Python list literal)', i);
  i = skipSpace(s, i + 1);
  const items: string[] = [];
  if (s[i] === ']') i++;
  else {
    for (;;) {
      if (!startsStringLiteral(s, i)) throw new PythonLiteralError('expected a string literal', i);
      let value = '';
      while (startsStringLiteral(s, i)) {
        const lit = parseStringLiteral(s, i);
        value += lit.value;
        i = skipSpace(s, lit.end);
      }
      items.push(value);
      if (s[i] === ',') {
        i = skipSpace(s, i + 1);
        if (s[i] === ']') {
          i++;
          break;
        }
        continue;
      }
      if (s[i] === ']') {
        i++;
        break;
      }
      throw new PythonLiteralError(i >= s.length ? 'unterminated list literal' : 'expected "," or "]"', i);
    }
  }
  i = skipSpace(s, i);
  if (i !== s.length) throw new PythonLiteralError('unexpected text after the list literal', i);
  return items;
}

/** Parses a whole text holding exactly one Python string literal (adjacent literals concatenate). */
export function parsePythonString(s: string): string {
  let i = skipSpace(s, 0);
  if (!startsStringLiteral(s, i)) throw new PythonLiteralError('expected a string literal', i);
  let value = '';
  while (startsStringLiteral(s, i)) {
    const lit = parseStringLiteral(s, i);
    value += lit.value;
    i = skipSpace(s, lit.end);
  }
  if (i !== s.length) throw new PythonLiteralError('unexpected text after the string literal', i);
  return value;
}
