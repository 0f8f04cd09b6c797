// Small helpers shared by the routers: per-model means, seeded PRNG, repeating a row.

/** Column means of a row-major [n × M] matrix (NaN entries skipped). */
export function columnMeans(a: Float32Array, n: number, M: number): Float64Array {
  const sum = new Float64Array(M);
  const cnt = new Float64Array(M);
  for (let i = 0; i < n; i++) {
    const o = i * M;
    for (let m = 0; m < M; m++) {
      const v = a[o + m];
      if (!Number.isNaN(v)) {
        sum[m] += v;
        cnt[m]++;
      }
    }
  }
  for (let m = 0; m < M; m++) sum[m] = cnt[m] ? sum[m] / cnt[m] : 0;
  return sum;
}

/** An [n × M] matrix whose every row is `row`. */
export function repeatRow(row: ArrayLike<number>, n: number): Float32Array {
  const M = row.length;
  const out = new Float32Array(n * M);
  for (let i = 0; i < n; i++) for (let m = 0; m < M; m++) out[i * M + m] = row[m];
  return out;
}

/** mulberry32: a tiny deterministic PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal via Box–Muller from a uniform source. */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export function assertFitted(models: string[], name: string): void {
  if (models.length === 0) throw new Error(`router "${name}" is used before fit()`);
}

export function checkEstimateInput(X: Float32Array, n: number, dim: number, name: string): void {
  if (!(X instanceof Float32Array)) throw new TypeError(`Expected "X" to be a Float32Array, received ${typeof X}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Expected "n" to be an integer >= 0, received ${n}`);
  if (dim > 0 && X.length !== n * dim)
    throw new RangeError(`Expected "X.length" to be n × dim = ${n} × ${dim} = ${n * dim} for router "${name}", received ${X.length}`);
}
