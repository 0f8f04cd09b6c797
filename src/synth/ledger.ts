// The ledger of a synthesis job: one JSONL line per completed LLM call, appended and
// fsync'd as each call finishes, keyed by a deterministic call id. A killed job rerun with
// the same ledger replays every completed call from it and repeats none. The ledger is
// append-only by design (the one file taskroute writes without a rename): a torn last line
// from a kill is ignored on read and cut off before the next append. It holds answers and
// token counts, never request headers or API keys.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TaskrouteError } from '../errors.js';
import type { Usage } from './llm.js';

/** One completed call. */
export interface LedgerEntry<R = unknown> {
  /** Call id (callId()). */
  id: string;
  /** Pipeline stage: 'taxonomy', 'queries', 'answer', 'judge'. */
  stage: string;
  /** What the call was for (leaf, query, model …), for people reading the ledger. */
  key: Record<string, string | number>;
  /** The call's result (parsed JSON value or text). */
  result: R;
  usage: Usage;
  /** Asks it took (re-asks included). */
  asks: number;
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/**
 * Deterministic call id: sha256 over the canonical JSON of (stage, parts) — parts holding
 * what identifies the call (leaf/query, model, prompt, sampling parameters), never the
 * attempt number — cut to 32 hex digits.
 */
export function callId(stage: string, parts: unknown): string {
  return createHash('sha256').update(canonical([stage, parts])).digest('hex').slice(0, 32);
}

export interface LedgerOptions {
  /** fsync after every line (default true); false only flushes to the OS. */
  fsync?: boolean;
}

export class Ledger {
  readonly path: string;
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly inflight = new Map<string, Promise<LedgerEntry>>();
  private fd: number | undefined;
  private readonly sync: boolean;
  private writable: boolean;
  /** Lines dropped when the ledger was opened (a torn last line). */
  readonly tornLines: number;
  /** Entries found when the ledger was opened. */
  readonly loaded: number;
  /** Calls answered from the ledger / made, since it was opened. */
  replayed = 0;
  made = 0;

  private constructor(path: string, sync: boolean, loaded: Map<string, LedgerEntry>, torn: number, fd: number | undefined, writable: boolean) {
    this.path = path;
    this.sync = sync;
    this.writable = writable;
    this.entries = loaded;
    this.loaded = loaded.size;
    this.tornLines = torn;
    this.fd = fd;
  }

  /**
   * Reads the entries of a ledger file; a missing file is empty. An unparsable last line
   * (what a kill mid-write leaves) is skipped and counted in `torn`; `keepBytes` is where
   * the good part ends and `needsNewline` says a complete last entry lacks its newline.
   */
  static read(path: string): { entries: Map<string, LedgerEntry>; keepBytes: number; needsNewline: boolean; torn: number } {
    const entries = new Map<string, LedgerEntry>();
    if (!existsSync(path)) return { entries, keepBytes: 0, needsNewline: false, torn: 0 };
    const buf = readFileSync(path);
    let keepBytes = 0;
    let needsNewline = false;
    let torn = 0;
    let start = 0;
    let line = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      const end = nl === -1 ? buf.length : nl;
      const last = nl === -1 || nl === buf.length - 1;
      line++;
      const text = buf.subarray(start, end).toString('utf8').trim();
      if (text) {
        let e: LedgerEntry | undefined;
        try {
          e = JSON.parse(text) as LedgerEntry;
        } catch {
          e = undefined;
        }
        const ok = !!e && typeof e === 'object' && typeof e.id === 'string' && typeof e.stage === 'string' && 'result' in e;
        if (!ok) {
          if (last) {
            torn++;
            break;
          }
          throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}:${line}: not a ledger entry (the ledger is damaged; remove this line to continue)`);
        }
        entries.set((e as LedgerEntry).id, e as LedgerEntry);
      }
      keepBytes = nl === -1 ? buf.length : nl + 1;
      needsNewline = nl === -1 && text !== '';
      start = end + 1;
    }
    return { entries, keepBytes, needsNewline, torn };
  }

  /** Opens (creating when missing) the ledger at path for replay and appending. */
  static open(path: string, options: LedgerOptions = {}): Ledger {
    const { entries, keepBytes, needsNewline, torn } = Ledger.read(path);
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      // Cut a torn tail so the next line starts clean.
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, keepBytes);
      closeSync(fd);
    }
    const afd = openSync(path, 'a');
    if (needsNewline) writeSync(afd, '\n');
    return new Ledger(path, options.fsync ?? true, entries, torn, afd, true);
  }

  /** An in-memory view of a ledger file, for dry runs: nothing is created or written. */
  static peek(path: string): Ledger {
    const { entries, torn } = Ledger.read(path);
    return new Ledger(path, false, entries, torn, undefined, false);
  }

  /** A ledger kept in memory only (library use without resume). */
  static memory(): Ledger {
    return new Ledger('(memory)', false, new Map(), 0, undefined, true);
  }

  /** Every entry, in the order first recorded. */
  values(): IterableIterator<LedgerEntry> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get<R = unknown>(id: string): LedgerEntry<R> | undefined {
    return this.entries.get(id) as LedgerEntry<R> | undefined;
  }

  /** Appends one entry: written and (by default) fsync'd before this returns. */
  append(entry: LedgerEntry): void {
    if (!this.writable) throw new TaskrouteError('ERR_TASKROUTE_INTERNAL', `the ledger ${this.path} is not open for writing`);
    if (this.fd !== undefined) {
      const line = Buffer.from(`${JSON.stringify(entry)}\n`);
      let off = 0;
      while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
      if (this.sync) fsyncSync(this.fd);
    }
    this.entries.set(entry.id, entry);
  }

  /**
   * The entry for `id`: from the ledger when that call completed before, else made by `fn`
   * and appended. Concurrent requests for one id share one call.
   */
  async run<R>(
    id: string,
    stage: string,
    key: Record<string, string | number>,
    fn: () => Promise<{ result: R; usage: Usage; asks?: number }>,
  ): Promise<{ entry: LedgerEntry<R>; cached: boolean }> {
    const have = this.entries.get(id);
    if (have) {
      this.replayed++;
      return { entry: have as LedgerEntry<R>, cached: true };
    }
    const pending = this.inflight.get(id);
    if (pending) return { entry: (await pending) as LedgerEntry<R>, cached: true };
    const p = (async () => {
      const r = await fn();
      const entry: LedgerEntry<R> = { id, stage, key, result: r.result, usage: r.usage, asks: r.asks ?? 1 };
      this.append(entry);
      this.made++;
      return entry;
    })();
    this.inflight.set(id, p);
    try {
      return { entry: await p, cached: false };
    } finally {
      this.inflight.delete(id);
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      this.writable = false;
    }
  }
}

/** The default ledger path of an output file: "<out>.ledger.jsonl" beside it. */
export function ledgerPathFor(out: string): string {
  return `${out}.ledger.jsonl`;
}
