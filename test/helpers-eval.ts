// Test helpers of the evaluation area: a tiny stand-in embedder (hashed bag of words),
// so compare can run before the real builtin embedder exists, and small estimate makers.
import type { Embedder, EmbedContext } from '../src/embed/types.js';
import type { Estimate } from '../src/routers/types.js';

/** FNV-1a of a string, as an unsigned 32-bit integer. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Words hashed into `dim` signed buckets, rows L2-normalised (an empty text gets e0). */
export function hashEmbedder(dim = 64): Embedder & { fitted: number; embedded: number; lastContexts: (EmbedContext | undefined)[] } {
  const e = {
    kind: 'test-hash',
    dim,
    fitted: 0,
    embedded: 0,
    lastContexts: [] as (EmbedContext | undefined)[],
    async fit(_texts: string[]) {
      e.fitted++;
    },
    async embed(texts: string[], ctx?: EmbedContext) {
      e.embedded++;
      e.lastContexts.push(ctx);
      const out = new Float32Array(texts.length * dim);
      texts.forEach((t, i) => {
        const row = out.subarray(i * dim, i * dim + dim);
        for (const w of t.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)) {
          const h = fnv1a(w);
          row[h % dim] += h & 0x80000000 ? -1 : 1;
        }
        let norm = 0;
        for (let j = 0; j < dim; j++) norm += row[j] * row[j];
        if (norm === 0) row[0] = 1;
        else for (let j = 0; j < dim; j++) row[j] /= Math.sqrt(norm);
      });
      return out;
    },
    state() {
      return { kind: 'test-hash', config: { dim }, tensors: {} };
    },
  };
  return e;
}

/** An Estimate from row arrays. */
export function estimateOf(quality: number[][], cost: number[][]): Estimate {
  const n = quality.length;
  const M = n ? quality[0].length : 1;
  return { quality: Float32Array.from(quality.flat()), cost: Float32Array.from(cost.flat()), n, models: M };
}

/** A seeded random estimate: qualities in [0, 1), costs log-uniform over three decades. */
export function randomEstimate(n: number, M: number, rand: () => number): Estimate {
  const quality = new Float32Array(n * M);
  const cost = new Float32Array(n * M);
  for (let i = 0; i < n * M; i++) {
    quality[i] = rand();
    cost[i] = 1e-5 * 10 ** (3 * rand());
  }
  return { quality, cost, n, models: M };
}
