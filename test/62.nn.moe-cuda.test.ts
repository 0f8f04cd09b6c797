// The CUDA twin of the fused MoE forward (native/cuda/moe.cu) against the CPU kernel as
// ground truth, on the tiling edge cases (rows per block, warps over T and M, a row tile
// that no longer fits 16 rows in shared memory). Skipped without a CUDA device; the
// clear refusal of backend 'cuda' is checked everywhere.
import { describe, expect, it } from 'vitest';
import { cudaAvailable } from '../src/native.js';
import { moeForward, moeForwardSync, moeWeightShapes, type MoeConfig, type MoeModel } from '../src/nn/index.js';
import { maxAbsDiff, randomWeights, uniform } from './helpers-nn.js';
import { rng } from './helpers.js';

/** Largest |CUDA − CPU| allowed: float32 rounding of different summation orders. */
const CUDA_TOL = 2e-5;

function model(d: number, H: number, T: number, M: number, K: number, seed: number, full = false): MoeModel {
  const r = rng(seed);
  const ptr = [0];
  const heads: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let m = 0; m < M; m++) if (full || (t % 4 !== 1 && r() < 0.4)) heads.push(m);
    ptr.push(heads.length);
  }
  const config: MoeConfig = { d, H, T, M, K, activation: (['relu', 'gelu', 'tanh'] as const)[seed % 3], headPtr: Int32Array.from(ptr), headModel: Int32Array.from(heads) };
  return { config, weights: randomWeights(moeWeightShapes(config), seed + 1, 0.3) };
}

const hasCuda = cudaAvailable();

/**
 * Max |CUDA − CPU| of q2 over the rows whose top-K is unambiguous: where the K-th and
 * (K+1)-th gate probabilities are within TIE_GAP, float rounding may legitimately pick
 * the other task. Returns the max difference and how many rows were compared.
 */
const TIE_GAP = 1e-5;
function q2Diff(gpu: Float32Array, cpu: Float32Array, gate: Float32Array, n: number, T: number, M: number, K: number) {
  let max = 0;
  let compared = 0;
  for (let i = 0; i < n; i++) {
    const p = Array.from(gate.subarray(i * T, (i + 1) * T)).sort((a, b) => b - a);
    if (K < T && p[K - 1] - p[K] < TIE_GAP) continue;
    compared++;
    for (let m = 0; m < M; m++) max = Math.max(max, Math.abs(gpu[i * M + m] - cpu[i * M + m]));
  }
  return { max, compared };
}

describe.skipIf(!hasCuda)('moe forward on CUDA = CPU', () => {
  const shapes: Array<[string, number, number, number, number, number, number, boolean?]> = [
    // name, d, H, T, M, K, n
    ['the router shape (d = H = 256, T = 64, M = 11, K = 2), 4,096 rows', 256, 256, 64, 11, 2, 4096],
    ['K = 1, one row', 16, 24, 6, 4, 1, 1],
    ['K = T, n not a multiple of 16', 12, 20, 5, 3, 5, 45],
    ['M = 1, T = 1', 8, 8, 1, 1, 1, 33],
    ['T > 32 and M > 32 (lanes loop), every model a candidate', 20, 40, 70, 40, 3, 50, true],
    ['d = 1536: fewer rows per block (shared memory)', 1536, 64, 16, 11, 2, 37],
    ['d = 6000: one row per block, opt-in shared memory', 6000, 32, 8, 5, 2, 9],
  ];
  for (const [name, d, H, T, M, K, n, full] of shapes) {
    it(name, async () => {
      const m = model(d, H, T, M, K, d + T, full);
      const X = uniform(n * d, n + 1);
      const outputs = ['q2', 'gate', 'general'] as const;
      const cpu = await moeForward(m, X, n, { outputs: [...outputs], backend: 'cpu' });
      const gpu = await moeForward(m, X, n, { outputs: [...outputs], backend: 'cuda' });
      expect(maxAbsDiff(gpu.gate!, cpu.gate!), 'gate').toBeLessThan(CUDA_TOL);
      expect(maxAbsDiff(gpu.general!, cpu.general!), 'general').toBeLessThan(CUDA_TOL);
      const q = q2Diff(gpu.q2!, cpu.q2!, cpu.gate!, n, T, M, K);
      expect(q.max, 'q2').toBeLessThan(CUDA_TOL);
      expect(q.compared).toBeGreaterThan(0.95 * n);
      const sync = moeForwardSync(m, X, n, { backend: 'cuda' });
      expect(q2Diff(sync.q2!, cpu.q2!, cpu.gate!, n, T, M, K).max).toBeLessThan(CUDA_TOL);
    });
  }

  it('n = 0 returns empty outputs', () => {
    const m = model(8, 8, 4, 3, 2, 3);
    const out = moeForwardSync(m, new Float32Array(0), 0, { backend: 'cuda', outputs: ['q2', 'gate'] });
    expect(out.q2!.length).toBe(0);
    expect(out.gate!.length).toBe(0);
  });
});

describe('moe backend selection', () => {
  it("backend 'cuda' fails clearly without a device; 'auto' falls back to the CPU", () => {
    const m = model(8, 8, 4, 3, 2, 5);
    const X = uniform(3 * 8, 6);
    const auto = moeForwardSync(m, X, 3, { backend: 'auto' });
    expect(maxAbsDiff(auto.q2!, moeForwardSync(m, X, 3, { backend: 'cpu' }).q2!)).toBeLessThanOrEqual(hasCuda ? CUDA_TOL : 0);
    if (!hasCuda) expect(() => moeForwardSync(m, X, 3, { backend: 'cuda' })).toThrow(/backend 'cuda' was requested/);
  });
});
