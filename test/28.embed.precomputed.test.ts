// The precomputed embedder: vectors from ctx.embeddings or a side file (.npy / raw
// float32), checked for dimension and finiteness, L2-normalised; clear errors otherwise.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toNpy } from '../src/data/npy.js';
import { embedderFromState } from '../src/embed/index.js';
import { PrecomputedEmbedder } from '../src/embed/precomputed.js';
import { TaskrouteError } from '../src/errors.js';
import { rowNorm } from './helpers-embed.js';

const texts = ['a', 'b', 'c'];
const vecs = Float32Array.from([3, 4, 0, 0, 0, 2, 1, 1, 1]);

describe('precomputed embedder', () => {
  it('L2-normalises ctx.embeddings without touching the input, and learns dim', async () => {
    const e = new PrecomputedEmbedder();
    expect(e.dim).toBe(0);
    const copy = vecs.slice();
    const X = await e.embed(texts, { embeddings: copy });
    expect(Array.from(X.subarray(0, 3))).toEqual([0.6, 0.8, 0].map(Math.fround));
    expect(Array.from(X.subarray(3, 6))).toEqual([0, 0, 1]);
    for (let i = 0; i < 3; i++) expect(rowNorm(X, 3, i)).toBeCloseTo(1, 6);
    expect(Array.from(copy)).toEqual(Array.from(vecs));
    expect(e.dim).toBe(3);
    await expect(e.embed(['x'], { embeddings: Float32Array.from([1, 2]) })).rejects.toThrow('ctx.embeddings has 2-dimensional vectors (2 values for 1 texts), expected dim 3');
  });

  it('checks the dimension and finiteness', async () => {
    const e = new PrecomputedEmbedder({ dim: 3 });
    await expect(e.embed(texts, { embeddings: new Float32Array(8) })).rejects.toThrow('ctx.embeddings has 8 values, not a whole number of vectors for 3 texts');
    await expect(e.embed(['a'], { embeddings: new Float32Array(4) })).rejects.toThrow('ctx.embeddings has 4-dimensional vectors (4 values for 1 texts), expected dim 3');
    await expect(e.embed(['a'], { embeddings: Float32Array.from([1, NaN, 0]) })).rejects.toThrow('ctx.embeddings: vector 0 has a non-finite value (NaN) at position 1');
    await expect(e.embed(['a', 'b'], { embeddings: Float32Array.from([1, 0, 0, 0, Infinity, 0]) })).rejects.toThrow('vector 1 has a non-finite value (Infinity) at position 1');
    await expect(e.embed(['a'], { embeddings: new Float32Array(3) })).rejects.toThrow('vector 0 is all zeros');
    await expect(e.embed(['a'], { embeddings: [1, 2, 3] as unknown as Float32Array })).rejects.toThrow('Expected "ctx.embeddings" to be a Float32Array, received an array of length 3');
    const err = await e.embed(['a'], { embeddings: new Float32Array(3) }).catch((x: unknown) => x);
    expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_DATA');
  });

  it('says how to provide the vectors when there are none', async () => {
    const err = await new PrecomputedEmbedder().embed(['a', 'b']).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(TaskrouteError);
    expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_CONFIG');
    expect((err as Error).message).toBe(
      'the precomputed embedder was given 2 texts but no vectors: give every record an "embedding" field, or a side file of vectors in record order ' +
        '(CLI: --embedder precomputed:file=emb.npy,dim=384; API: loadRoutingData(path, { embeddingsFile, embeddingDim })), or pass ctx.embeddings to embed()',
    );
    expect((await new PrecomputedEmbedder().embed([])).length).toBe(0);
  });

  it('reads a side file (.npy or raw float32) whose rows match the texts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskroute-pre-'));
    const npy = join(dir, 'emb.npy');
    writeFileSync(npy, toNpy(vecs, 3, 3));
    const raw = join(dir, 'emb.f32');
    writeFileSync(raw, Buffer.from(vecs.buffer));
    const a = await new PrecomputedEmbedder({ file: npy }).embed(texts);
    const b = await new PrecomputedEmbedder({ file: raw, dim: 3 }).embed(texts);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[1]).toBeCloseTo(0.8, 6);
    // ctx.embeddings (the records' own vectors) win over the file
    const c = await new PrecomputedEmbedder({ file: npy }).embed(['z'], { embeddings: Float32Array.from([0, 0, 5]) });
    expect(Array.from(c)).toEqual([0, 0, 1]);
    await expect(new PrecomputedEmbedder({ file: npy }).embed(['a', 'b'])).rejects.toThrow(`${npy} has 3 vectors but 2 texts were given`);
    await expect(new PrecomputedEmbedder({ file: raw }).embed(texts)).rejects.toThrow('raw float32 embeddings need their dimension (dim=…)');
    await expect(new PrecomputedEmbedder({ file: npy, dim: 4 }).embed(texts)).rejects.toThrow('embedding dimension is 3, expected 4');
    await expect(new PrecomputedEmbedder({ file: join(dir, 'missing.npy') }).embed(texts)).rejects.toThrow(/cannot read the embeddings file/);
  });

  it('round-trips its state (dimension only) and validates options', async () => {
    const e = new PrecomputedEmbedder();
    await e.embed(texts, { embeddings: vecs });
    expect(e.state()).toEqual({ kind: 'precomputed', config: { dim: 3 }, tensors: {} });
    const r = embedderFromState(e.state());
    expect(r).toBeInstanceOf(PrecomputedEmbedder);
    expect(r.dim).toBe(3);
    await expect(r.embed(['a'], { embeddings: new Float32Array(4).fill(1) })).rejects.toThrow(/expected dim 3/);
    expect(() => new PrecomputedEmbedder({ dim: 0 })).toThrow('Expected "dim" to be an integer in [1, 1048576], received 0');
    expect(() => new PrecomputedEmbedder({ path: 'x' } as never)).toThrow('unknown precomputed embedder option "path" (known: file, dim)');
    await expect(new PrecomputedEmbedder().fit([1 as unknown as string])).rejects.toThrow('Expected "texts[0]" to be a string, received 1');
  });
});
