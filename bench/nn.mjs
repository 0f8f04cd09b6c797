// `npm run bench -- nn [--smoke] [--threads N]`: the small networks' kernels.
//   - MoE fused forward, rows/s in batches of 4,096 at d = H = 256, T = 64, M = 11, K = 2
//     (CPU; CUDA too when a device answers). Target for the router: ≥ 100,000 rows/s on 2 cores.
//   - MoE one-row latency: p50 / p99 over 1,000 calls of the synchronous path.
//   - Training time on 5,600 × 256 inputs: MLP (256 hidden, 11 outputs) and the MoE (both phases),
//     a fixed number of epochs (early stopping off), so runs are comparable.
// A full run appends dated rows to bench/RESULTS.md; --smoke runs tiny sizes and appends nothing.
import { appendResults, machine, timeIt, today } from './lib.mjs';

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(n, seed, lo = -1, hi = 1) {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Unit-norm rows (like embeddings). */
function embeddings(n, d, seed) {
  const X = uniform(n * d, seed);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += X[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < d; k++) X[i * d + k] *= inv;
  }
  return X;
}

/** Every task has 3 candidate models (a typical FineRouter candidate set). */
function heads(T, M) {
  const ptr = [0];
  const model = [];
  for (let t = 0; t < T; t++) {
    const c = [t % M, (t + 3) % M, (t + 7) % M].filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b);
    model.push(...c);
    ptr.push(model.length);
  }
  return { headPtr: Int32Array.from(ptr), headModel: Int32Array.from(model) };
}

function moeModel(nn, d, H, T, M, K) {
  const config = { d, H, T, M, K, activation: 'relu', ...heads(T, M) };
  const shapes = nn.moeWeightShapes(config);
  const weights = {};
  let s = 1;
  for (const [k, len] of Object.entries(shapes)) weights[k] = uniform(len, s++, -0.1, 0.1);
  return { config, weights };
}

function parseArgs(args) {
  const o = { smoke: false, threads: 0 };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--smoke') o.smoke = true;
    else if (args[i] === '--threads') o.threads = Number(args[++i]);
    else throw new Error(`bench nn: unknown argument ${args[i]} (use --smoke, --threads N)`);
  }
  return o;
}

export async function main(args) {
  const o = parseArgs(args);
  const tr = await import('../dist/index.js');
  const { cudaAvailable } = await import('../dist/native.js');
  const info = tr.info();
  const threads = o.threads || info.threads;
  const sz = o.smoke
    ? { batch: 256, reps: 2, calls: 50, nTrain: 300, d: 64, H: 64, T: 16, M: 11, mlpEpochs: 2, moeEpochs: 1 }
    : { batch: 4096, reps: 7, calls: 1000, nTrain: 5600, d: 256, H: 256, T: 64, M: 11, mlpEpochs: 10, moeEpochs: 5 };
  const K = 2;
  const rows = [];
  const tag = `${info.variant}/${info.gemm}, ${threads} threads`;
  const shape = `d=${sz.d} H=${sz.H} T=${sz.T} M=${sz.M} K=${K}`;

  // MoE forward throughput
  const model = moeModel(tr, sz.d, sz.H, sz.T, sz.M, K);
  const X = embeddings(sz.batch, sz.d, 7);
  const cpuT = await timeIt(() => tr.moeForward(model, X, sz.batch, { backend: 'cpu', threads: o.threads }), { reps: sz.reps, warmup: 1 });
  const cpuRate = sz.batch / cpuT;
  console.log(`moe forward (cpu, ${tag}), batch ${sz.batch}, ${shape}: ${(cpuT * 1e3).toFixed(2)} ms, ${Math.round(cpuRate).toLocaleString('en-US')} rows/s`);
  rows.push(`| ${today()} | ${machine()} | ${tag} | moe forward, batch ${sz.batch}, ${shape} | ${Math.round(cpuRate).toLocaleString('en-US')} rows/s |`);
  if (cudaAvailable()) {
    const gpuT = await timeIt(() => tr.moeForward(model, X, sz.batch, { backend: 'cuda' }), { reps: sz.reps, warmup: 2 });
    const gpuRate = sz.batch / gpuT;
    console.log(`moe forward (cuda: ${info.cudaDevice}), batch ${sz.batch}: ${(gpuT * 1e3).toFixed(2)} ms, ${Math.round(gpuRate).toLocaleString('en-US')} rows/s (host↔device copies included)`);
    rows.push(`| ${today()} | ${machine()}, ${info.cudaDevice} | cuda | moe forward, batch ${sz.batch}, ${shape}, copies included | ${Math.round(gpuRate).toLocaleString('en-US')} rows/s |`);
  }

  // one-row latency, sync path
  const x1 = X.subarray(0, sz.d);
  for (let i = 0; i < 20; i++) tr.moeForwardSync(model, x1, 1, { backend: 'cpu', threads: 1 });
  const lat = [];
  for (let i = 0; i < sz.calls; i++) {
    const t0 = process.hrtime.bigint();
    tr.moeForwardSync(model, x1, 1, { backend: 'cpu', threads: 1 });
    lat.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  lat.sort((a, b) => a - b);
  const p50 = lat[Math.floor(lat.length / 2)];
  const p99 = lat[Math.floor(lat.length * 0.99)];
  console.log(`moe one-row latency (sync, cpu): p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs over ${sz.calls} calls`);
  rows.push(`| ${today()} | ${machine()} | ${info.variant}/${info.gemm}, 1 thread | moe one-row latency (sync), ${shape}, ${sz.calls} calls | p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs |`);

  // training time on nTrain × d
  const n = sz.nTrain;
  const Xt = embeddings(n, sz.d, 11);
  const r = rng(12);
  const Y = Float32Array.from({ length: n * sz.M }, () => r());
  const G = new Float32Array(n * sz.T);
  for (let i = 0; i < n; i++) G[i * sz.T + (i % sz.T)] = 1;
  const common = { batchSize: 128, patience: 1e6, seed: 1, threads: o.threads };
  let t0 = process.hrtime.bigint();
  const mlp = await tr.trainMlp({ X: Xt, n, d: sz.d, Y, outputs: sz.M, hidden: [256], epochs: sz.mlpEpochs, ...common });
  const mlpS = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`mlp training, ${n} × ${sz.d} → [256] → ${sz.M}, ${mlp.history.epochs} epochs (${tag}): ${mlpS.toFixed(2)} s (${((mlpS / mlp.history.epochs) * 1e3).toFixed(0)} ms/epoch)`);
  rows.push(`| ${today()} | ${machine()} | ${tag} | mlp training, ${n} × ${sz.d}, hidden [256], ${sz.M} outputs, batch 128, ${mlp.history.epochs} epochs | ${mlpS.toFixed(2)} s (${((mlpS / mlp.history.epochs) * 1e3).toFixed(0)} ms/epoch) |`);
  const hp = heads(sz.T, sz.M);
  t0 = process.hrtime.bigint();
  const moe = await tr.trainMoe({ X: Xt, n, d: sz.d, Y, M: sz.M, T: sz.T, ...hp, hidden: sz.H, K, gateTargets: G, epochs: sz.moeEpochs, ...common });
  const moeS = Number(process.hrtime.bigint() - t0) / 1e9;
  const ep = moe.history.phase1.epochs + moe.history.phase2.epochs;
  console.log(`moe training, ${n} × ${sz.d}, ${shape}, ${moe.history.phase1.epochs} + ${moe.history.phase2.epochs} epochs (${tag}): ${moeS.toFixed(2)} s (${((moeS / ep) * 1e3).toFixed(0)} ms/epoch)`);
  rows.push(`| ${today()} | ${machine()} | ${tag} | moe training, ${n} × ${sz.d}, ${shape}, batch 128, ${moe.history.phase1.epochs}+${moe.history.phase2.epochs} epochs | ${moeS.toFixed(2)} s (${((moeS / ep) * 1e3).toFixed(0)} ms/epoch) |`);

  if (o.smoke) {
    console.log('bench nn: smoke run, nothing appended to RESULTS.md');
    return;
  }
  appendResults('nn: MLP / MoE kernels', '| date | machine | backend | measure | result |\n| --- | --- | --- | --- | --- |', rows);
  console.log('bench nn: rows appended to bench/RESULTS.md');
}
