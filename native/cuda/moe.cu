// FineRouter MoE forward on CUDA: the twin of tr::nn::moe_forward (kernels/nn_moe.cc).
//
// One fused kernel; a block takes R rows (R ∈ {16, 8, 4, 2, 1}, the largest whose tile fits
// in shared memory) with 8 warps:
//   1. the R input rows go to shared memory;
//   2. trunk and gate: warp w computes outputs j ≡ w (mod 8); its lanes stride the row of
//      W1 / Wg (coalesced, from global/L2) and reuse each weight for the R rows, then a
//      warp reduction gives h[r][j] = act(W1_j·x_r + b1_j) and the gate logits;
//   3. general heads from h (same scheme), softmax of the gate and top-K (warp per row,
//      ties to the lower index, as on CPU);
//   4. task heads of the selected tasks (warp dot products) and the mix, warp per row.
// Outputs match the CPU kernel within float rounding (test/62.nn.moe-cuda.test.ts).
// Built by `npm run build:cuda` (CMakeLists.txt); run through moeForward(..., { backend: 'cuda' }).
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "check.cuh"
#include "moe.h"

namespace tr::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr size_t kDefaultSmem = 48 * 1024;

struct DevShape {
  int d, H, T, M, K, act, maxh;
};

struct DevWeights {
  const float *W1, *b1, *Wg, *bg, *U, *c, *V, *e;
  const int* head_ptr;
  const int* head_model;
};

__device__ __forceinline__ float act_dev(int a, float z) {
  if (a == 0) return z > 0.f ? z : 0.f;
  if (a == 2) return tanhf(z);
  const float k = 0.7978845608028654f;
  return 0.5f * z * (1.f + tanhf(k * (z + 0.044715f * z * z * z)));
}

__device__ __forceinline__ float sigmoid_dev(float z) {
  if (z >= 0.f) return 1.f / (1.f + expf(-z));
  float e = expf(z);
  return e / (1.f + e);
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// outs[r][j] = f(W[j]·in[r] + b[j]) for j < nout, rows r < nr (R compile-time for registers).
template <int R, class F>
__device__ __forceinline__ void dense_rows(const float* __restrict__ W, const float* __restrict__ b, int nin, int nout,
                                           const float* in, int nr, float* outs, F f) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  for (int j = warp; j < nout; j += kWarps) {
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; ++r) acc[r] = 0.f;
    const float* wj = W + static_cast<size_t>(j) * nin;
    for (int k = lane; k < nin; k += 32) {
      const float w = __ldg(wj + k);
#pragma unroll
      for (int r = 0; r < R; ++r) acc[r] += w * in[r * nin + k];
    }
#pragma unroll
    for (int r = 0; r < R; ++r) acc[r] = warp_sum(acc[r]);
    if (lane == 0) {
      const float bj = __ldg(b + j);
      for (int r = 0; r < nr; ++r) outs[r * nout + j] = f(acc[r] + bj);
    }
  }
}

template <int R>
__global__ void __launch_bounds__(kThreads) moe_fused(DevShape s, DevWeights w, const float* __restrict__ X, long long n,
                                                      float* q2, float* gate, float* general) {
  extern __shared__ float sm[];
  float* xs = sm;                  // [R × d]
  float* hs = xs + R * s.d;        // [R × H]
  float* ps = hs + R * s.H;        // [R × T]
  float* gs = ps + R * s.T;        // [R × M]
  float* sb = gs + R * s.M;        // [R × K × maxh] task-head outputs
  int* sel = reinterpret_cast<int*>(sb + R * s.K * s.maxh);  // [R × K]

  const long long row0 = static_cast<long long>(blockIdx.x) * R;
  const int nr = static_cast<int>(min(static_cast<long long>(R), n - row0));
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;

  for (int i = threadIdx.x; i < R * s.d; i += kThreads) xs[i] = i < nr * s.d ? X[row0 * s.d + i] : 0.f;
  __syncthreads();

  const int act = s.act;
  dense_rows<R>(w.W1, w.b1, s.d, s.H, xs, nr, hs, [act](float z) { return act_dev(act, z); });
  dense_rows<R>(w.Wg, w.bg, s.d, s.T, xs, nr, ps, [](float z) { return z; });
  __syncthreads();
  // Rows past nr hold garbage-free zeros in xs but unwritten hs; zero them for the next GEMV.
  for (int i = nr * s.H + threadIdx.x; i < R * s.H; i += kThreads) hs[i] = 0.f;
  __syncthreads();
  dense_rows<R>(w.U, w.c, s.H, s.M, hs, nr, gs, [](float z) { return sigmoid_dev(z); });

  // softmax and top-K, warp per row
  for (int r = warp; r < nr; r += kWarps) {
    float* p = ps + r * s.T;
    float mx = -INFINITY;
    for (int t = lane; t < s.T; t += 32) mx = fmaxf(mx, p[t]);
    mx = warp_max(mx);
    float sum = 0.f;
    for (int t = lane; t < s.T; t += 32) {
      float e = expf(p[t] - mx);
      p[t] = e;
      sum += e;
    }
    sum = warp_sum(sum);
    const float inv = 1.f / sum;
    for (int t = lane; t < s.T; t += 32) p[t] *= inv;
    __syncwarp();
    int* sr = sel + r * s.K;
    for (int k = 0; k < s.K; ++k) {
      float bv = -1.f;
      int bi = 0x7fffffff;
      for (int t = lane; t < s.T; t += 32) {
        bool taken = false;
        for (int q = 0; q < k; ++q) taken |= sr[q] == t;
        if (taken) continue;
        const float v = p[t];
        if (v > bv || (v == bv && t < bi)) {
          bv = v;
          bi = t;
        }
      }
      for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
        const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (ov > bv || (ov == bv && oi < bi)) {
          bv = ov;
          bi = oi;
        }
      }
      if (lane == 0) sr[k] = bi;
      __syncwarp();
    }
  }
  __syncthreads();

  // task heads and mix, warp per row
  for (int r = warp; r < nr; r += kWarps) {
    const float* h = hs + r * s.H;
    const float* p = ps + r * s.T;
    const float* g = gs + r * s.M;
    const int* sr = sel + r * s.K;
    float* sbr = sb + r * s.K * s.maxh;
    float P = 0.f;
    for (int k = 0; k < s.K; ++k) P += p[sr[k]];
    for (int k = 0; k < s.K; ++k) {
      const int t = sr[k];
      const int j0 = __ldg(w.head_ptr + t), j1 = __ldg(w.head_ptr + t + 1);
      for (int j = j0; j < j1; ++j) {
        const float* vj = w.V + static_cast<size_t>(j) * s.H;
        float acc = 0.f;
        for (int i = lane; i < s.H; i += 32) acc += __ldg(vj + i) * h[i];
        acc = warp_sum(acc);
        if (lane == 0) sbr[k * s.maxh + (j - j0)] = sigmoid_dev(acc + __ldg(w.e + j));
      }
    }
    __syncwarp();
    if (q2) {
      for (int m = lane; m < s.M; m += 32) {
        float acc = 0.f;
        for (int k = 0; k < s.K; ++k) {
          const int t = sr[k];
          const int j0 = __ldg(w.head_ptr + t), j1 = __ldg(w.head_ptr + t + 1);
          float v = g[m];
          for (int j = j0; j < j1; ++j)
            if (__ldg(w.head_model + j) == m) v = sbr[k * s.maxh + (j - j0)];
          acc += (p[t] / P) * v;
        }
        q2[(row0 + r) * s.M + m] = acc;
      }
    }
    if (gate)
      for (int t = lane; t < s.T; t += 32) gate[(row0 + r) * s.T + t] = p[t];
    if (general)
      for (int m = lane; m < s.M; m += 32) general[(row0 + r) * s.M + m] = g[m];
  }
}

// Device memory freed on scope exit (stream-ordered allocator on the per-thread stream).
class DevBuf {
 public:
  DevBuf() = default;
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  ~DevBuf() {
    if (p_) cudaFreeAsync(p_, cudaStreamPerThread);
  }
  void* alloc(size_t bytes) {
    TR_CUDA_CHECK(cudaMallocAsync(&p_, std::max<size_t>(bytes, 4), cudaStreamPerThread));
    return p_;
  }
  template <class T>
  T* upload(const T* src, size_t count) {
    T* d = static_cast<T*>(alloc(count * sizeof(T)));
    if (count) TR_CUDA_CHECK(cudaMemcpyAsync(d, src, count * sizeof(T), cudaMemcpyHostToDevice, cudaStreamPerThread));
    return d;
  }

 private:
  void* p_ = nullptr;
};

size_t smem_bytes(int R, const DevShape& s) {
  return sizeof(float) * static_cast<size_t>(R) *
             (static_cast<size_t>(s.d) + s.H + s.T + s.M + static_cast<size_t>(s.K) * s.maxh) +
         sizeof(int) * static_cast<size_t>(R) * s.K;
}

template <int R>
void launch(const DevShape& s, const DevWeights& w, const float* X, long long n, float* q2, float* gate, float* general,
            size_t smem) {
  if (smem > kDefaultSmem)
    TR_CUDA_CHECK(cudaFuncSetAttribute(moe_fused<R>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
  const unsigned blocks = static_cast<unsigned>((n + R - 1) / R);
  moe_fused<R><<<blocks, kThreads, smem, cudaStreamPerThread>>>(s, w, X, n, q2, gate, general);
  TR_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void moe_forward(const tr::nn::MoeShape& s, const tr::nn::MoeWeights& w, const float* X, int64_t n,
                 const tr::nn::MoeOutputs& out) {
  tr::nn::moe_check_shape(s);
  if (n <= 0) return;
  int maxh = 0;
  for (int64_t t = 0; t < s.T; ++t) maxh = std::max(maxh, s.head_ptr[t + 1] - s.head_ptr[t]);
  DevShape ds{static_cast<int>(s.d), static_cast<int>(s.H), static_cast<int>(s.T), static_cast<int>(s.M),
              static_cast<int>(s.K), static_cast<int>(s.act), std::max(maxh, 1)};
  int dev = 0, optin = 0;
  TR_CUDA_CHECK(cudaGetDevice(&dev));
  TR_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  int R = 16;
  while (R > 1 && smem_bytes(R, ds) > kDefaultSmem) R >>= 1;
  const size_t smem = smem_bytes(R, ds);
  if (smem > static_cast<size_t>(std::max<int>(optin, static_cast<int>(kDefaultSmem))))
    throw tr::Error(tr::kInvalidArg, "MoE shapes too large for the CUDA kernel: one row needs " + std::to_string(smem) +
                                         " bytes of shared memory, the device allows " + std::to_string(optin));

  DevBuf bW1, bb1, bWg, bbg, bU, bc, bV, be, bptr, bmod, bX, bq2, bgate, bgen;
  DevWeights dw;
  dw.W1 = bW1.upload(w.W1, s.H * s.d);
  dw.b1 = bb1.upload(w.b1, s.H);
  dw.Wg = bWg.upload(w.Wg, s.T * s.d);
  dw.bg = bbg.upload(w.bg, s.T);
  dw.U = bU.upload(w.U, s.M * s.H);
  dw.c = bc.upload(w.c, s.M);
  dw.V = bV.upload(w.V, s.n_heads * s.H);
  dw.e = be.upload(w.e, s.n_heads);
  dw.head_ptr = bptr.upload(s.head_ptr, s.T + 1);
  dw.head_model = bmod.upload(s.head_model, s.n_heads);
  const float* dX = bX.upload(X, static_cast<size_t>(n * s.d));
  float* dq2 = out.q2 ? static_cast<float*>(bq2.alloc(sizeof(float) * n * s.M)) : nullptr;
  float* dgate = out.gate ? static_cast<float*>(bgate.alloc(sizeof(float) * n * s.T)) : nullptr;
  float* dgen = out.general ? static_cast<float*>(bgen.alloc(sizeof(float) * n * s.M)) : nullptr;

  switch (R) {
    case 16:
      launch<16>(ds, dw, dX, n, dq2, dgate, dgen, smem);
      break;
    case 8:
      launch<8>(ds, dw, dX, n, dq2, dgate, dgen, smem);
      break;
    case 4:
      launch<4>(ds, dw, dX, n, dq2, dgate, dgen, smem);
      break;
    case 2:
      launch<2>(ds, dw, dX, n, dq2, dgate, dgen, smem);
      break;
    default:
      launch<1>(ds, dw, dX, n, dq2, dgate, dgen, smem);
      break;
  }
  auto down = [&](float* host, const float* devp, size_t count) {
    if (host && devp)
      TR_CUDA_CHECK(cudaMemcpyAsync(host, devp, count * sizeof(float), cudaMemcpyDeviceToHost, cudaStreamPerThread));
  };
  down(out.q2, dq2, static_cast<size_t>(n * s.M));
  down(out.gate, dgate, static_cast<size_t>(n * s.T));
  down(out.general, dgen, static_cast<size_t>(n * s.M));
  TR_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
}

}  // namespace tr::cuda
