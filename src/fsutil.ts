// File writes that never leave a half-written file: write a temp file beside the
// target, fsync, then rename over it (atomic on POSIX filesystems).

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Writes data to path atomically (temp file + fsync + rename); creates the directory. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'w');
  try {
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const p of parts) {
      let off = 0;
      while (off < p.length) off += writeSync(fd, p, off, p.length - off);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Async twin of writeFileAtomicSync. */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const fh = await open(tmp, 'w');
  try {
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const p of parts) await fh.write(p);
    await fh.sync();
    await fh.close();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await rename(tmp, path);
}

/**
 * Streams lines into a temp file and renames it over `path` on commit(); abort()
 * removes the temp file, so a failure mid-way leaves any previous file untouched.
 */
export async function openAtomicWriter(path: string): Promise<{ write(s: string): Promise<void>; commit(): Promise<void>; abort(): Promise<void> }> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const fh = await open(tmp, 'w');
  let buf: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!buf.length) return;
    const s = buf.join('');
    buf = [];
    size = 0;
    await fh.write(s);
  };
  return {
    async write(s: string) {
      buf.push(s);
      size += s.length;
      if (size > 1 << 20) await flush();
    },
    async commit() {
      await flush();
      await fh.sync();
      await fh.close();
      await rename(tmp, path);
    },
    async abort() {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
    },
  };
}
