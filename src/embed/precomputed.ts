// The precomputed embedder: vectors computed elsewhere (the records' "embedding" fields,
// or a side file attached by the data loader), checked and L2-normalised. It never
// computes a vector itself, so a call without vectors is an error saying how to give them.

import { TaskrouteError } from '../errors.js';
import { readEmbeddingFile } from '../data/npy.js';
import { assertInteger, assertObject, assertString, invalidParameter } from '../validate.js';
import { assertTexts } from './text.js';
import type { EmbedContext, Embedder, EmbedderState } from './types.js';

export interface PrecomputedEmbedderOptions {
  /**
   * Side file of vectors, one row per record of the data file, in record order: .npy
   * float32 [n × dim], or raw little-endian float32 (then `dim` is required). The data
   * loader attaches it (loadRoutingData(path, { embeddingsFile, embeddingDim })); embed()
   * also reads it directly when its row count equals the number of texts.
   */
  file?: string;
  /** Vector dimension (default: learned from the first vectors seen). */
  dim?: number;
}

const HOW =
  'give every record an "embedding" field, or a side file of vectors in record order ' +
  '(CLI: --embedder precomputed:file=emb.npy,dim=384; API: loadRoutingData(path, { embeddingsFile, embeddingDim })), ' +
  'or pass ctx.embeddings to embed()';

function dataError(msg: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_DATA', msg);
}

export class PrecomputedEmbedder implements Embedder {
  readonly kind = 'precomputed';
  readonly file?: string;
  private d?: number;
  private fileData?: { data: Float32Array; rows: number; dim: number };

  constructor(options: PrecomputedEmbedderOptions = {}) {
    const o = assertObject('options', options);
    for (const k of Object.keys(o))
      if (k !== 'file' && k !== 'dim') throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `unknown precomputed embedder option "${k}" (known: file, dim)`);
    if (o.file !== undefined) this.file = assertString('file', o.file);
    if (o.dim !== undefined) this.d = assertInteger('dim', o.dim, 1, 1 << 20);
  }

  /** The vector dimension; 0 until known (set in the options or learned from the first vectors). */
  get dim(): number {
    return this.d ?? 0;
  }

  /** Nothing to fit: the vectors come with the data. */
  async fit(texts: string[]): Promise<void> {
    assertTexts('texts', texts);
  }

  async embed(texts: string[], ctx?: EmbedContext): Promise<Float32Array> {
    assertTexts('texts', texts);
    const n = texts.length;
    let src = ctx?.embeddings;
    let where = 'ctx.embeddings';
    if (src !== undefined && !(src instanceof Float32Array)) throw invalidParameter('ctx.embeddings', 'a Float32Array', src);
    if (src === undefined && this.file !== undefined) {
      this.fileData ??= readEmbeddingFile(this.file, this.d);
      if (this.fileData.rows !== n)
        throw new TaskrouteError(
          'ERR_TASKROUTE_CONFIG',
          `${this.file} has ${this.fileData.rows} vectors but ${n} texts were given; a side file holds one vector per record of its data file, so attach it with the data loader (loadRoutingData(path, { embeddingsFile: ${JSON.stringify(this.file)} })) and pass the records' vectors as ctx.embeddings`,
        );
      src = this.fileData.data;
      where = this.file;
    }
    if (src === undefined) {
      if (n === 0) return new Float32Array(0);
      throw new TaskrouteError('ERR_TASKROUTE_CONFIG', `the precomputed embedder was given ${n} texts but no vectors: ${HOW}`);
    }
    if (n === 0) {
      if (src.length !== 0) throw dataError(`${where} has ${src.length} values for 0 texts`);
      return new Float32Array(0);
    }
    if (src.length % n !== 0 || src.length === 0)
      throw dataError(`${where} has ${src.length} values, not a whole number of vectors for ${n} texts`);
    const d = src.length / n;
    if (this.d !== undefined && d !== this.d)
      throw dataError(`${where} has ${d}-dimensional vectors (${src.length} values for ${n} texts), expected dim ${this.d}`);
    const out = new Float32Array(src.length);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = src[i * d + j];
        if (!Number.isFinite(v)) throw dataError(`${where}: vector ${i} has a non-finite value (${v}) at position ${j}`);
        s += v * v;
      }
      if (s === 0) throw dataError(`${where}: vector ${i} is all zeros and cannot be normalised`);
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < d; j++) out[i * d + j] = src[i * d + j] * inv;
    }
    this.d ??= d;
    return out;
  }

  state(): EmbedderState {
    return { kind: 'precomputed', config: this.d === undefined ? {} : { dim: this.d }, tensors: {} };
  }

  static fromState(state: EmbedderState): PrecomputedEmbedder {
    if (state?.kind !== 'precomputed')
      throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `precomputed embedder state: kind is ${JSON.stringify(state?.kind)}, expected "precomputed"`);
    const c = assertObject('state.config', state.config);
    try {
      return new PrecomputedEmbedder(c.dim === undefined ? {} : { dim: c.dim as number });
    } catch (err) {
      throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `precomputed embedder state: ${(err as Error).message}`);
    }
  }
}
