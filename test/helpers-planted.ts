// A planted routing problem shared by the router tests: K clusters on the unit sphere
// (row i in cluster i % K), per-(model, cluster) scores from `score`, model m costing 0.001·(m+1).
import { rng } from './helpers.js';

export interface PlantedOptions {
  /** Uniform noise amplitude around each centre (default 0.3). */
  noise?: number;
  /** Score of model m on a row of cluster c (r: the generator, for random scores). */
  score?: (m: number, c: number, r: () => number) => number;
}

export function planted(n: number, d: number, K: number, M: number, seed: number, o: PlantedOptions = {}) {
  const noise = o.noise ?? 0.3;
  const score = o.score ?? ((m, c) => (m % K === c ? 0.9 : 0.2 + 0.05 * m));
  const r = rng(seed);
  const centres = Array.from({ length: K }, () => Array.from({ length: d }, () => r() * 2 - 1));
  const X = new Float32Array(n * d);
  const scores = new Float32Array(n * M);
  const costs = new Float32Array(n * M);
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % K;
    cluster[i] = c;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = centres[c][j] + (r() - 0.5) * noise;
      X[i * d + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < d; j++) X[i * d + j] /= Math.sqrt(norm);
    for (let m = 0; m < M; m++) {
      scores[i * M + m] = score(m, c, r);
      costs[i * M + m] = 0.001 * (m + 1);
    }
  }
  return { X, scores, costs, cluster, n, d, M, K };
}
