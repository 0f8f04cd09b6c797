// The router artifact: one file in the safetensors layout (8-byte little-endian header
// length, a JSON header naming every tensor's dtype, shape and byte range, then the raw
// little-endian tensor bytes), so Python tooling (safetensors, numpy) can read the weights.
// taskroute's own metadata lives in the header's "__metadata__" map (strings only, as the
// format requires): format version, method, models, router config, embedder state,
// hyperparameters, training-data fingerprint and a checksum over everything else.
// Written atomically; a truncated, corrupted or newer-version file is refused.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EmbedderState, TensorData } from '../embed/types.js';
import { TaskrouteError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import type { RouterState } from '../routers/types.js';

/** The artifact format this build writes; files with a larger version are refused. */
export const ARTIFACT_FORMAT_VERSION = 1;
const FORMAT_NAME = 'taskroute-router';
const MAX_HEADER = 256 * 1024 * 1024;

export interface TrainingFingerprint {
  /** sha256 over the training rows' ids, scores and costs. */
  sha256: string;
  /** Training rows (train + val). */
  n: number;
  /** Where the data came from. */
  source: string;
}

export interface RouterArtifact {
  method: string;
  models: string[];
  router: RouterState;
  embedder: EmbedderState;
  /** The options the router was trained with (as given by the user, after defaults). */
  hyperparameters: Record<string, unknown>;
  training: TrainingFingerprint;
  /** The dearest model's mean train cost: the policy's c_ref. */
  costRef: number;
  /** Per model (in `models` order): mean train quality and cost (best single model, eval reference). */
  trainMeans: { quality: number[]; cost: number[] };
  /** taskroute version that wrote the file. */
  taskrouteVersion: string;
  createdAt: string;
}

type Dtype = 'F32' | 'I32';
interface TensorEntry {
  dtype: Dtype;
  shape: number[];
  data_offsets: [number, number];
}

function dtypeOf(t: TensorData): Dtype {
  if (t instanceof Float32Array) return 'F32';
  if (t instanceof Int32Array) return 'I32';
  throw new TypeError(`Expected tensors to be Float32Array or Int32Array, received ${(t as object)?.constructor?.name}`);
}

function bytesOf(t: TensorData): Uint8Array {
  // Little-endian hosts only (x86-64, arm64): the typed array's bytes are the file's bytes.
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

function checksum(metadata: Record<string, string>, entries: [string, TensorEntry][], data: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const k of Object.keys(metadata).sort()) if (k !== 'checksum') h.update(`${k}\u0000${metadata[k]}\u0000`);
  for (const [name, e] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    h.update(`${name}\u0000${e.dtype}\u0000${e.shape.join(',')}\u0000${e.data_offsets.join(',')}\u0000`);
  for (const d of data) h.update(d);
  return h.digest('hex');
}

/** Serialises an artifact to the bytes of a safetensors file. */
export function encodeArtifact(a: RouterArtifact): Uint8Array[] {
  const tensors: [string, TensorData, number[] | undefined][] = [];
  for (const [k, t] of Object.entries(a.router.tensors)) tensors.push([`router.${k}`, t, a.router.shapes?.[k]]);
  for (const [k, t] of Object.entries(a.embedder.tensors)) tensors.push([`embedder.${k}`, t, a.embedder.shapes?.[k]]);
  tensors.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const entries: [string, TensorEntry][] = [];
  const data: Uint8Array[] = [];
  let off = 0;
  for (const [name, t, shape] of tensors) {
    const b = bytesOf(t);
    const ok = shape && shape.every((x) => Number.isInteger(x) && x >= 0) && shape.reduce((p, x) => p * x, 1) === t.length;
    entries.push([name, { dtype: dtypeOf(t), shape: ok ? [...shape] : [t.length], data_offsets: [off, off + b.length] }]);
    data.push(b);
    off += b.length;
  }
  const metadata: Record<string, string> = {
    format: FORMAT_NAME,
    format_version: String(ARTIFACT_FORMAT_VERSION),
    method: a.method,
    models: JSON.stringify(a.models),
    router_config: JSON.stringify(a.router.config),
    embedder: JSON.stringify({ kind: a.embedder.kind, config: a.embedder.config }),
    hyperparameters: JSON.stringify(a.hyperparameters),
    training_data: JSON.stringify(a.training),
    cost_ref: String(a.costRef),
    train_means: JSON.stringify(a.trainMeans),
    taskroute_version: a.taskrouteVersion,
    created_at: a.createdAt,
  };
  metadata.checksum = checksum(metadata, entries, data);
  const header: Record<string, unknown> = { __metadata__: metadata };
  for (const [name, e] of entries) header[name] = e;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const hb = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  return [len, hb, ...data];
}

/** Writes the artifact atomically (temp file + rename). */
export async function writeArtifact(path: string, a: RouterArtifact): Promise<void> {
  await writeFileAtomic(path, encodeArtifact(a));
}

function bad(path: string, why: string): never {
  throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `${path}: ${why}`);
}

function parseJson<T>(path: string, key: string, s: string | undefined): T {
  if (s === undefined) bad(path, `metadata "${key}" is missing`);
  try {
    return JSON.parse(s) as T;
  } catch {
    return bad(path, `metadata "${key}" is not valid JSON`);
  }
}

/** Parses and verifies the bytes of an artifact file. */
export function decodeArtifact(buf: Uint8Array, path = '<artifact>'): RouterArtifact {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8) bad(path, `not a router file: ${b.length} bytes, too short for a safetensors header (truncated?)`);
  const hlen = b.readBigUInt64LE(0);
  if (hlen > BigInt(MAX_HEADER)) bad(path, `not a router file: header length ${hlen} is implausible`);
  const n = Number(hlen);
  if (8 + n > b.length) bad(path, `truncated: the header claims ${n} bytes but the file has ${b.length - 8} after the length`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(b.toString('utf8', 8, 8 + n)) as Record<string, unknown>;
  } catch {
    return bad(path, 'corrupted: the safetensors header is not valid JSON');
  }
  const metadata = header.__metadata__ as Record<string, string> | undefined;
  if (!metadata || typeof metadata !== 'object') bad(path, 'not a taskroute router file: no __metadata__ in the header');
  if (metadata.format !== FORMAT_NAME) bad(path, `not a taskroute router file (format ${JSON.stringify(metadata.format)})`);
  const version = Number(metadata.format_version);
  if (!Number.isInteger(version) || version < 1) bad(path, `bad format_version ${JSON.stringify(metadata.format_version)}`);
  if (version > ARTIFACT_FORMAT_VERSION)
    bad(path, `written by a newer taskroute (format version ${version}; this build reads up to ${ARTIFACT_FORMAT_VERSION}): upgrade taskroute`);
  const dataStart = 8 + n;
  const dataLen = b.length - dataStart;
  const entries: [string, TensorEntry][] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as TensorEntry;
    const [s, t] = Array.isArray(e?.data_offsets) ? e.data_offsets : [NaN, NaN];
    if ((e.dtype !== 'F32' && e.dtype !== 'I32') || !Number.isInteger(s) || !Number.isInteger(t) || s < 0 || t < s)
      bad(path, `corrupted: tensor "${name}" has a bad header entry`);
    if (t > dataLen) bad(path, `truncated: tensor "${name}" ends at byte ${t} of a ${dataLen}-byte data section`);
    const count = (e.shape ?? []).reduce((p: number, x: number) => p * x, 1);
    if ((t - s) !== count * 4) bad(path, `corrupted: tensor "${name}" has ${t - s} bytes for shape [${e.shape}]`);
    entries.push([name, e]);
  }
  entries.sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0]);
  const data = entries.map(([, e]) => b.subarray(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]));
  if (checksum(metadata, entries, data) !== metadata.checksum)
    bad(path, 'corrupted: checksum mismatch (the file was modified or damaged)');
  const routerTensors: Record<string, TensorData> = {};
  const embedderTensors: Record<string, TensorData> = {};
  const routerShapes: Record<string, number[]> = {};
  const embedderShapes: Record<string, number[]> = {};
  entries.forEach(([name, e], i) => {
    const bytes = data[i];
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    const t = e.dtype === 'F32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    if (name.startsWith('router.')) {
      routerTensors[name.slice(7)] = t;
      routerShapes[name.slice(7)] = e.shape;
    } else if (name.startsWith('embedder.')) {
      embedderTensors[name.slice(9)] = t;
      embedderShapes[name.slice(9)] = e.shape;
    }
  });
  const models = parseJson<string[]>(path, 'models', metadata.models);
  const emb = parseJson<{ kind: string; config: Record<string, unknown> }>(path, 'embedder', metadata.embedder);
  const costRef = Number(metadata.cost_ref);
  if (!Number.isFinite(costRef)) bad(path, 'metadata "cost_ref" is not a number');
  return {
    method: metadata.method,
    models,
    router: { method: metadata.method, models, config: parseJson(path, 'router_config', metadata.router_config), tensors: routerTensors, shapes: routerShapes },
    embedder: { kind: emb.kind, config: emb.config, tensors: embedderTensors, shapes: embedderShapes },
    hyperparameters: parseJson(path, 'hyperparameters', metadata.hyperparameters),
    training: parseJson(path, 'training_data', metadata.training_data),
    costRef,
    trainMeans: parseJson(path, 'train_means', metadata.train_means),
    taskrouteVersion: metadata.taskroute_version ?? '',
    createdAt: metadata.created_at ?? '',
  };
}

/** Reads and verifies a router file. */
export function readArtifact(path: string): RouterArtifact {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `${path}: cannot read the router file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodeArtifact(buf, path);
}
