// On-disk cache of remote embeddings, so reruns make no calls. One append-only log per
// model (keyed by sha256 of the text) plus an index snapshot:
//
//   <dir>/<model-slug>-<sha256(model)[0:12]>.log
//     header (written atomically with the first vectors):
//       "TRCACHE1" | u32 version = 1 | u32 dim | u32 model bytes | model (UTF-8) | zero pad to 8
//     records, appended and fsynced a batch at a time, each fixed-size:
//       u32 "REC1" | sha256(text) [32] | float32 × dim | u32 crc32(sha256 + vector)
//   <dir>/<same>.idx   (replaced atomically through src/fsutil.ts)
//       "TRCIDX01" | u64 log bytes covered | u32 count | count × (sha256 [32] | u32 record)
//
// The log cannot go through the temp-file-and-rename writers (rewriting a growing cache on
// every batch would be quadratic); it is safe instead by construction: a record is only
// trusted when its magic, key and checksum verify, so the torn last record of a killed
// process is detected (and truncated away before the next append), and a stale or
// missing index only costs a rescan. Vectors are stored as received (before
// normalisation). The API key never reaches this file: only texts' hashes and vectors.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TaskrouteError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';

const LOG_MAGIC = 'TRCACHE1';
const IDX_MAGIC = 'TRCIDX01';
const REC_MAGIC = 0x31434552; // "REC1" little-endian
const VERSION = 1;
const KEY = 32;

/** taskroute's cache root: $TASKROUTE_CACHE, else $XDG_CACHE_HOME/taskroute, else ~/.cache/taskroute. */
export function defaultCacheRoot(): string {
  if (process.env.TASKROUTE_CACHE) return process.env.TASKROUTE_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'taskroute');
}

/** Default directory of the embeddings cache: <cache root>/embeddings. */
export function defaultEmbeddingCacheDir(): string {
  return join(defaultCacheRoot(), 'embeddings');
}

/** The cache key of a text: sha256 of its UTF-8 bytes. */
export function textKey(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of bytes[begin, end). */
export function crc32(bytes: Uint8Array, begin = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = begin; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function slug(model: string): string {
  return model.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'model';
}

function cacheError(path: string, why: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_DATA', `embedding cache ${path}: ${why}`);
}

function headerBytes(model: string, dim: number): Buffer {
  const m = Buffer.from(model, 'utf8');
  const raw = 8 + 12 + m.length;
  const h = Buffer.alloc(Math.ceil(raw / 8) * 8);
  h.write(LOG_MAGIC, 0, 'latin1');
  h.writeUInt32LE(VERSION, 8);
  h.writeUInt32LE(dim, 12);
  h.writeUInt32LE(m.length, 16);
  m.copy(h, 20);
  return h;
}

const instances = new Map<string, Promise<EmbeddingCache>>();

export class EmbeddingCache {
  readonly dir: string;
  readonly model: string;
  readonly logPath: string;
  readonly indexPath: string;
  private dimV?: number;
  private headerSize = 0;
  private recSize = 0;
  /** sha256 hex → record number. */
  private readonly map = new Map<string, number>();
  /** Bytes of the log known to be whole, verified records (header included). */
  private validEnd = 0;
  private fileSize = 0;
  private dirty = false;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, model: string) {
    this.dir = dir;
    this.model = model;
    const base = `${slug(model)}-${createHash('sha256').update(model, 'utf8').digest('hex').slice(0, 12)}`;
    this.logPath = join(dir, `${base}.log`);
    this.indexPath = join(dir, `${base}.idx`);
  }

  /** The cache of `model` under `dir` (one instance per file in a process). */
  static open(dir: string, model: string): Promise<EmbeddingCache> {
    const c = new EmbeddingCache(dir, model);
    let p = instances.get(c.logPath);
    if (!p) {
      p = c.load().then(() => c);
      instances.set(c.logPath, p);
      p.catch(() => instances.delete(c.logPath));
    }
    return p;
  }

  /** Dimension of the stored vectors; undefined while the cache is empty. */
  get dim(): number | undefined {
    return this.dimV;
  }

  /** Number of texts with a stored vector. */
  get size(): number {
    return this.map.size;
  }

  private async load(): Promise<void> {
    if (!existsSync(this.logPath)) return;
    const fh = await open(this.logPath, 'r');
    try {
      const size = (await fh.stat()).size;
      this.fileSize = size;
      const head = Buffer.alloc(Math.min(size, 20));
      await fh.read(head, 0, head.length, 0);
      if (size < 20 || head.toString('latin1', 0, 8) !== LOG_MAGIC) throw cacheError(this.logPath, 'not a taskroute embedding cache (bad magic); delete it');
      const version = head.readUInt32LE(8);
      if (version !== VERSION) throw cacheError(this.logPath, `unsupported version ${version}; delete it`);
      const dim = head.readUInt32LE(12);
      const mlen = head.readUInt32LE(16);
      const mb = Buffer.alloc(Math.min(mlen, Math.max(0, size - 20)));
      await fh.read(mb, 0, mb.length, 20);
      const model = mb.toString('utf8');
      if (mb.length !== mlen || model !== this.model)
        throw cacheError(this.logPath, `holds model ${JSON.stringify(model)}, expected ${JSON.stringify(this.model)}`);
      this.dimV = dim;
      this.headerSize = Math.ceil((20 + mlen) / 8) * 8;
      this.recSize = 4 + KEY + 4 * dim + 4;
      let start = this.headerSize;
      const idx = await this.readIndex();
      if (idx && idx.covered <= size && idx.covered >= this.headerSize && (idx.covered - this.headerSize) % this.recSize === 0) {
        for (const [k, r] of idx.entries) this.map.set(k, r);
        start = idx.covered;
      } else {
        this.dirty = true;
      }
      // Scan what the index does not cover, a few MiB at a time, up to the first bad record.
      const rs = this.recSize;
      const per = Math.max(1, Math.floor((4 << 20) / rs));
      const buf = Buffer.alloc(per * rs);
      let off = start;
      scan: while (off + rs <= size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - off), off);
        const whole = Math.floor(bytesRead / rs);
        if (whole === 0) break;
        for (let i = 0; i < whole; i++) {
          if (!this.verify(buf, i * rs)) break scan;
          this.map.set(buf.toString('hex', i * rs + 4, i * rs + 4 + KEY), (off - this.headerSize) / rs);
          off += rs;
          this.dirty = true;
        }
      }
      this.validEnd = off;
    } finally {
      await fh.close();
    }
  }

  private async readIndex(): Promise<{ covered: number; entries: [string, number][] } | undefined> {
    let b: Buffer;
    try {
      b = await readFile(this.indexPath);
    } catch {
      return undefined;
    }
    if (b.length < 20 || b.toString('latin1', 0, 8) !== IDX_MAGIC) return undefined;
    const covered = Number(b.readBigUInt64LE(8));
    const count = b.readUInt32LE(16);
    if (b.length !== 20 + count * (KEY + 4)) return undefined;
    const entries: [string, number][] = [];
    for (let i = 0, o = 20; i < count; i++, o += KEY + 4) entries.push([b.toString('hex', o, o + KEY), b.readUInt32LE(o + KEY)]);
    return { covered, entries };
  }

  private verify(buf: Uint8Array, off: number, key?: Buffer): boolean {
    const v = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (v.readUInt32LE(off) !== REC_MAGIC) return false;
    if (key && !key.equals(v.subarray(off + 4, off + 4 + KEY))) return false;
    const end = off + this.recSize - 4;
    return crc32(v, off + 4, end) === v.readUInt32LE(end);
  }

  private vectorAt(buf: Buffer, off: number): Float32Array {
    const d = this.dimV!;
    const out = new Float32Array(d);
    new Uint8Array(out.buffer).set(buf.subarray(off + 4 + KEY, off + 4 + KEY + 4 * d));
    return out;
  }

  /** The stored vectors of these keys (undefined where absent or unreadable). */
  async get(keys: Buffer[]): Promise<(Float32Array | undefined)[]> {
    const out: (Float32Array | undefined)[] = new Array(keys.length).fill(undefined);
    if (this.dimV === undefined || this.map.size === 0) return out;
    const want: [number, number][] = [];
    keys.forEach((k, i) => {
      const r = this.map.get(k.toString('hex'));
      if (r !== undefined) want.push([i, r]);
    });
    if (want.length === 0) return out;
    const rs = this.recSize;
    if (want.length > 256) {
      // Many hits: one sequential read beats many small ones.
      const buf = await readFile(this.logPath);
      for (const [i, r] of want) {
        const off = this.headerSize + r * rs;
        if (off + rs <= buf.length && this.verify(buf, off, keys[i])) out[i] = this.vectorAt(buf, off);
      }
      return out;
    }
    const fh = await open(this.logPath, 'r');
    try {
      const buf = Buffer.alloc(rs);
      for (const [i, r] of want) {
        const off = this.headerSize + r * rs;
        const { bytesRead } = await fh.read(buf, 0, rs, off);
        if (bytesRead === rs && this.verify(buf, 0, keys[i])) out[i] = this.vectorAt(buf, 0);
      }
    } finally {
      await fh.close();
    }
    return out;
  }

  /** Appends vectors (all of one dimension) and fsyncs; creates the log on first use. */
  put(entries: { key: Buffer; vector: Float32Array }[]): Promise<void> {
    const run = this.queue.then(() => this.append(entries));
    this.queue = run.catch(() => {});
    return run;
  }

  private async append(entries: { key: Buffer; vector: Float32Array }[]): Promise<void> {
    if (entries.length === 0) return;
    const d = entries[0].vector.length;
    for (const e of entries) if (e.vector.length !== d) throw cacheError(this.logPath, `vectors of dimensions ${d} and ${e.vector.length} in one write`);
    if (this.dimV === undefined) {
      const h = headerBytes(this.model, d);
      await writeFileAtomic(this.logPath, h);
      this.dimV = d;
      this.headerSize = h.length;
      this.recSize = 4 + KEY + 4 * d + 4;
      this.validEnd = this.fileSize = h.length;
    } else if (d !== this.dimV) {
      throw cacheError(this.logPath, `holds ${this.dimV}-dimensional vectors for model ${JSON.stringify(this.model)} but ${d}-dimensional ones were given; the model behind this name changed? use another cache directory or delete the file`);
    }
    const rs = this.recSize;
    const buf = Buffer.alloc(rs * entries.length);
    entries.forEach((e, i) => {
      const o = i * rs;
      buf.writeUInt32LE(REC_MAGIC, o);
      e.key.copy(buf, o + 4);
      Buffer.from(e.vector.buffer, e.vector.byteOffset, 4 * d).copy(buf, o + 4 + KEY);
      buf.writeUInt32LE(crc32(buf, o + 4, o + rs - 4), o + rs - 4);
    });
    const fh: FileHandle = await open(this.logPath, 'r+');
    try {
      let size = (await fh.stat()).size;
      if (size > this.validEnd && size === this.fileSize) {
        // A torn record from a killed writer: cut it off so records stay aligned.
        await fh.truncate(this.validEnd);
        size = this.validEnd;
      }
      const at = this.headerSize + Math.ceil((size - this.headerSize) / rs) * rs;
      let written = 0;
      while (written < buf.length) written += (await fh.write(buf, written, buf.length - written, at + written)).bytesWritten;
      await fh.sync();
      const first = (at - this.headerSize) / rs;
      entries.forEach((e, i) => this.map.set(e.key.toString('hex'), first + i));
      this.validEnd = this.fileSize = at + buf.length;
      this.dirty = true;
    } finally {
      await fh.close();
    }
  }

  /** Writes the index snapshot (atomically) when records were added since the last one. */
  flush(): Promise<void> {
    const run = this.queue.then(async () => {
      if (!this.dirty || this.dimV === undefined) return;
      const entries = [...this.map];
      const b = Buffer.alloc(20 + entries.length * (KEY + 4));
      b.write(IDX_MAGIC, 0, 'latin1');
      b.writeBigUInt64LE(BigInt(this.validEnd), 8);
      b.writeUInt32LE(entries.length, 16);
      entries.forEach(([k, r], i) => {
        const o = 20 + i * (KEY + 4);
        b.write(k, o, 'hex');
        b.writeUInt32LE(r, o + KEY);
      });
      await writeFileAtomic(this.indexPath, b);
      this.dirty = false;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Forgets the per-process instance (tests; after deleting the files). */
  static forget(dir: string, model: string): void {
    instances.delete(new EmbeddingCache(dir, model).logPath);
  }

  /** Size of the log on disk (0 when absent). */
  async bytesOnDisk(): Promise<number> {
    try {
      return (await stat(this.logPath)).size;
    } catch {
      return 0;
    }
  }
}
