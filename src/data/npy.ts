// Reading precomputed embeddings: NumPy .npy (float32, little-endian, C order, 2-D) or
// raw little-endian float32 with a given dimension.

import { readFileSync } from 'node:fs';
import { TaskrouteError } from '../errors.js';

export interface EmbeddingFile {
  /** [rows × dim] row-major. */
  data: Float32Array;
  rows: number;
  dim: number;
}

function fail(path: string, why: string): never {
  throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}: ${why}`);
}

/** Parses an .npy buffer holding a 2-D float32 array (or 1-D when dim is given). */
export function parseNpy(buf: Uint8Array, path = '<npy>', dim?: number): EmbeddingFile {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || b[0] !== 0x93 || b.toString('latin1', 1, 6) !== 'NUMPY') fail(path, 'not an .npy file (bad magic)');
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + hlen > b.length) fail(path, 'truncated .npy header');
  const header = b.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4' && descr !== '|f4') fail(path, `.npy dtype must be little-endian float32 ('<f4'), found ${descr ?? 'none'}`);
  if (fortran !== 'False') fail(path, '.npy array must be in C order (fortran_order False)');
  if (shapeText === undefined) fail(path, '.npy header has no shape');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) fail(path, `bad .npy shape (${shapeText})`);
  let rows: number;
  let cols: number;
  if (shape.length === 2) [rows, cols] = shape;
  else if (shape.length === 1 && dim) {
    if (shape[0] % dim) fail(path, `1-D length ${shape[0]} is not a multiple of dim ${dim}`);
    rows = shape[0] / dim;
    cols = dim;
  } else fail(path, `.npy array must be 2-D [rows × dim], found shape (${shapeText})`);
  if (dim !== undefined && cols !== dim) fail(path, `embedding dimension is ${cols}, expected ${dim}`);
  const body = start + hlen;
  const need = rows * cols * 4;
  if (b.length - body < need) fail(path, `truncated: ${b.length - body} data bytes, expected ${need}`);
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(b.subarray(body, body + need));
  return { data, rows, dim: cols };
}

/** Reads .npy (by extension or magic) or raw float32 (dim required). */
export function readEmbeddingFile(path: string, dim?: number): EmbeddingFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_DATA', `${path}: cannot read the embeddings file (${(err as Error).message})`);
  }
  if (buf.length >= 6 && buf[0] === 0x93 && buf.toString('latin1', 1, 6) === 'NUMPY') return parseNpy(buf, path, dim);
  if (!dim) fail(path, 'raw float32 embeddings need their dimension (dim=…)');
  if (buf.length % (4 * dim)) fail(path, `size ${buf.length} bytes is not a multiple of 4 × dim (${4 * dim})`);
  const rows = buf.length / (4 * dim);
  const data = new Float32Array(rows * dim);
  new Uint8Array(data.buffer).set(buf);
  return { data, rows, dim };
}

/** Serialises a [rows × dim] float32 matrix as .npy (version 1.0). */
export function toNpy(data: Float32Array, rows: number, dim: number): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const h = Buffer.alloc(10);
  h[0] = 0x93;
  h.write('NUMPY', 1, 'latin1');
  h[6] = 1;
  h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  return Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, rows * dim * 4)]);
}
