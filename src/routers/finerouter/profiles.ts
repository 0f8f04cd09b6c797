// Task profiles of FineRouter's stage 1: per latent task, the mean quality and cost of
// every model, and the candidate set — the fewest models covering a fraction δ of the
// task's preferred-model mass (each prompt gives its unit of preference to the models
// that score best on it, split evenly on ties).

export interface TaskProfiles {
  /** Number of tasks T. */
  T: number;
  /** Number of models M. */
  M: number;
  /** [T × M] mean quality per task and model (shrunk towards the global mean for small tasks). */
  quality: Float32Array;
  /** [T × M] mean cost per task and model. */
  cost: Float32Array;
  /** [T × M] share of the task's prompts preferring each model (rows sum to 1). */
  preference: Float32Array;
  /** Candidate sets as CSR: models of task t are candIdx[candPtr[t] .. candPtr[t+1]). */
  candPtr: Int32Array;
  candIdx: Int32Array;
  /** Rows per task. */
  sizes: Int32Array;
}

export interface ProfileOptions {
  /** Fraction of preferred-model mass the candidate set must cover (default 0.8). */
  delta?: number;
  /** Pseudo-count of shrinkage towards the global per-model means (default 2). */
  shrinkage?: number;
  /** Scores within this of a row's best count as ties for preference (default 1e-6). */
  tieTolerance?: number;
}

export function taskProfiles(
  labels: Int32Array,
  T: number,
  scores: Float32Array,
  costs: Float32Array,
  M: number,
  options: ProfileOptions = {},
): TaskProfiles {
  const delta = options.delta ?? 0.8;
  const a = options.shrinkage ?? 2;
  const tol = options.tieTolerance ?? 1e-6;
  if (!(delta > 0 && delta <= 1)) throw new RangeError(`Expected "delta" to be in (0, 1], received ${delta}`);
  const n = labels.length;
  const q = new Float64Array(T * M);
  const c = new Float64Array(T * M);
  const pref = new Float64Array(T * M);
  const sizes = new Int32Array(T);
  const gq = new Float64Array(M);
  const gc = new Float64Array(M);
  for (let i = 0; i < n; i++) {
    const t = labels[i];
    if (t < 0 || t >= T) throw new RangeError(`task label ${t} of row ${i} is outside [0, ${T})`);
    sizes[t]++;
    let best = -Infinity;
    for (let m = 0; m < M; m++) {
      const s = scores[i * M + m];
      q[t * M + m] += s;
      c[t * M + m] += costs[i * M + m];
      gq[m] += s;
      gc[m] += costs[i * M + m];
      if (s > best) best = s;
    }
    let ties = 0;
    for (let m = 0; m < M; m++) if (scores[i * M + m] >= best - tol) ties++;
    for (let m = 0; m < M; m++) if (scores[i * M + m] >= best - tol) pref[t * M + m] += 1 / ties;
  }
  for (let m = 0; m < M; m++) {
    gq[m] /= Math.max(1, n);
    gc[m] /= Math.max(1, n);
  }
  const quality = new Float32Array(T * M);
  const cost = new Float32Array(T * M);
  const preference = new Float32Array(T * M);
  const candPtr = new Int32Array(T + 1);
  const cand: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let m = 0; m < M; m++) {
      quality[t * M + m] = (q[t * M + m] + a * gq[m]) / (sizes[t] + a);
      cost[t * M + m] = sizes[t] ? c[t * M + m] / sizes[t] : gc[m];
      preference[t * M + m] = sizes[t] ? pref[t * M + m] / sizes[t] : 1 / M;
    }
    // models by decreasing preference mass, then decreasing mean quality, then index
    const order = Array.from({ length: M }, (_, m) => m).sort(
      (x, y) => preference[t * M + y] - preference[t * M + x] || quality[t * M + y] - quality[t * M + x] || x - y,
    );
    let mass = 0;
    for (const m of order) {
      cand.push(m);
      mass += preference[t * M + m];
      if (mass >= delta - 1e-9) break;
    }
    candPtr[t + 1] = cand.length;
  }
  return { T, M, quality, cost, preference, candPtr, candIdx: Int32Array.from(cand), sizes };
}

/** q1[n × M] = P[n × T] · Q[T × M] (stage-1 estimate); also used for per-task costs. */
export function mixByTask(P: Float32Array, n: number, T: number, Q: Float32Array, M: number): Float32Array {
  const out = new Float32Array(n * M);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++) {
      const p = P[i * T + t];
      if (p === 0) continue;
      for (let m = 0; m < M; m++) out[i * M + m] += p * Q[t * M + m];
    }
  return out;
}
