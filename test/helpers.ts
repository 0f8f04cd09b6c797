// Test helpers: the shared data directory, seeded random numbers, a small matrix maker.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** ../shared/data beside the project (or $TASKROUTE_DATA); undefined when absent. */
export function sharedData(): string | undefined {
  const p = process.env.TASKROUTE_DATA ? resolve(process.env.TASKROUTE_DATA) : resolve(__dirname, '..', '..', 'shared', 'data');
  return existsSync(p) ? p : undefined;
}

/** mulberry32: small deterministic PRNG for tests. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomMatrix(rows: number, cols: number, seed: number): { data: Float32Array; rows: number; cols: number } {
  const r = rng(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return { data, rows, cols };
}
