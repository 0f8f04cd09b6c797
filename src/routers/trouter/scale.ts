// Cost targets for sigmoid decoders: USD costs scaled into [0, 1] per model by the
// model's largest training cost, and back. Per model rather than global, because costs
// are usually price × tokens: each model's scaled cost is then the same function of the
// prompt (its token count relative to the longest), so every model's decoder learns the
// same well-spread target instead of the cheap models' costs crowding near 0.

import { outOfRange } from '../../validate.js';

/** Per-model scale: the largest finite training cost of each model (1 where it is 0 or none is observed). */
export function costScales(costs: Float32Array, n: number, M: number, name = 'train.costs'): Float64Array {
  const scale = new Float64Array(M);
  for (let i = 0; i < n; i++)
    for (let m = 0; m < M; m++) {
      const v = costs[i * M + m];
      if (Number.isNaN(v)) continue;
      if (!(v >= 0) || !Number.isFinite(v))
        throw outOfRange(name, 'finite costs >= 0 (NaN = unobserved)', `${v} at row ${i}, column ${m}`);
      if (v > scale[m]) scale[m] = v;
    }
  for (let m = 0; m < M; m++) if (!(scale[m] > 0)) scale[m] = 1;
  return scale;
}

/** Costs divided by their model's scale, clamped to [0, 1] (rows beyond the training maximum); NaN kept. */
export function scaleCosts(costs: Float32Array, n: number, M: number, scale: ArrayLike<number>, name = 'costs'): Float32Array {
  const out = new Float32Array(n * M);
  for (let i = 0; i < n; i++)
    for (let m = 0; m < M; m++) {
      const v = costs[i * M + m];
      if (Number.isNaN(v)) {
        out[i * M + m] = NaN;
        continue;
      }
      if (!(v >= 0) || !Number.isFinite(v)) throw outOfRange(name, 'finite costs >= 0 (NaN = unobserved)', `${v} at row ${i}, column ${m}`);
      out[i * M + m] = Math.min(1, v / scale[m]);
    }
  return out;
}

/** Scaled estimates back to USD, in place. */
export function unscaleCosts(scaled: Float32Array, n: number, M: number, scale: ArrayLike<number>): Float32Array {
  for (let i = 0; i < n; i++) for (let m = 0; m < M; m++) scaled[i * M + m] *= scale[m];
  return scaled;
}
