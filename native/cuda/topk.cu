// CUDA twins of similarity and the fused top-k (see topk.h): tiled SGEMM written here
// (no cuBLAS) with the per-row top-k kept on chip.
//
// topk_tiles_kernel: a block owns a 64-row query tile and one segment of B. For each
// 64-column base tile it computes the 64×64 block of keys in shared memory (16×16
// threads, 4×4 outputs each, k-steps of 16), then every warp filters its 8 rows against
// the row's admission threshold (the k-th kept key) with a ballot; the few candidates
// that pass are ranked inside the warp and merged into the row's sorted list (in global
// memory, L1/L2 resident) in place. Lists hold up to kTopkMaxK entries.
// merge_segments_kernel: when B was split into segments (for parallelism with few
// queries), one warp per row merges the segment lists with the same warp merge.
// similarity_kernel: the same tile GEMM writing the scores out.
//
// Candidates are ranked by (key desc, index asc) through the __host__ __device__
// helpers of metric.h, exactly as on the CPU; keys differ from the CPU's only by float
// rounding of the dot products (identical on exact-arithmetic data).
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "../kernels/error.h"
#include "../kernels/metric.h"
#include "check.cuh"
#include "topk.h"

namespace tr::cuda {
namespace {

constexpr int TQ = 64;        // query rows per block
constexpr int TB = 64;        // base columns per tile
constexpr int KT = 16;        // k-step of the tile GEMM
constexpr int kThreads = 256; // 16×16 threads, 8 warps
constexpr int kWarps = kThreads / 32;
constexpr unsigned kFull = 0xffffffffu;
constexpr size_t kWorkspaceBudget = size_t(256) << 20;  // bytes of per-row lists per chunk
constexpr size_t kSimilarityChunk = size_t(256) << 20;  // bytes of similarity output per chunk

template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t n) : n_(n) {
    if (n) TR_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&p_), n * sizeof(T)));
  }
  ~DeviceBuffer() {
    if (p_) cudaFree(p_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

class Stream {
 public:
  Stream() { TR_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  ~Stream() {
    cudaStreamSynchronize(s_);
    cudaStreamDestroy(s_);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_{};
};

// acc[i][j] = Q[q0 + ty*4 + i] · B[b0 + tx*4 + j] over all of d; rows past mq and
// columns past b_end read as zero. As/Bs: shared [KT × 64] staging tiles (transposed).
__device__ __forceinline__ void tile_gemm(const float* __restrict__ Qt, int mq, const float* __restrict__ B, int b0,
                                          int b_end, int d, float* As, float* Bs, float (&acc)[4][4]) {
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.f;
  for (int k0 = 0; k0 < d; k0 += KT) {
#pragma unroll
    for (int e = tid; e < TQ * KT; e += kThreads) {
      const int r = e / KT, kq = e % KT, gk = k0 + kq;
      As[kq * TQ + r] = (r < mq && gk < d) ? Qt[static_cast<int64_t>(r) * d + gk] : 0.f;
      const int br = b0 + r;
      Bs[kq * TB + r] = (br < b_end && gk < d) ? B[static_cast<int64_t>(br) * d + gk] : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kq = 0; kq < KT; ++kq) {
      const float4 a = *reinterpret_cast<const float4*>(As + kq * TQ + ty * 4);
      const float4 b = *reinterpret_cast<const float4*>(Bs + kq * TB + tx * 4);
      const float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();
  }
}

// Number of entries of the sorted (best-first) list L[0, n) that are better than x.
__device__ __forceinline__ int count_better(const float* Lk, const int32_t* Li, int n, float xk, int32_t xi) {
  int lo = 0, hi = n;
  while (lo < hi) {
    const int mid = (lo + hi) >> 1;
    if (better(Lk[mid], Li[mid], xk, xi))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// Warp-cooperative merge of nc ≤ 64 unsorted candidates (Ck/Ci, shared) into the row's
// sorted list L[0, cnt) of capacity kk, in place. Sk/Si: shared scratch of 64 entries.
// Candidates and list entries are distinct, so every merged position is unique: list
// entries only move up, so they are moved from the top chunk down (each chunk read into
// registers before any write), then the candidates are written. Returns the new count.
__device__ int warp_merge(float* Lk, int32_t* Li, int cnt, int kk, const float* Ck, const int32_t* Ci, int nc,
                          float* Sk, int32_t* Si) {
  const int lane = threadIdx.x & 31;
  for (int c = lane; c < nc; c += 32) {
    const float kc = Ck[c];
    const int32_t ic = Ci[c];
    int rank = 0;
    for (int j = 0; j < nc; ++j) rank += better(Ck[j], Ci[j], kc, ic) ? 1 : 0;
    Sk[rank] = kc;
    Si[rank] = ic;
  }
  __syncwarp();
  // Final positions of this lane's sorted candidates, against the list before any move.
  int pos0 = kk, pos1 = kk;
  if (lane < nc) pos0 = lane + count_better(Lk, Li, cnt, Sk[lane], Si[lane]);
  if (lane + 32 < nc) pos1 = lane + 32 + count_better(Lk, Li, cnt, Sk[lane + 32], Si[lane + 32]);
  // Entries better than the best candidate stay where they are.
  const int first = count_better(Lk, Li, cnt, Sk[0], Si[0]);
  __syncwarp();
  if (cnt > first) {
    for (int base = ((cnt - 1) / 32) * 32; base >= (first / 32) * 32; base -= 32) {
      const int i = base + lane;
      const bool mine = i >= first && i < cnt;
      float kv = 0.f;
      int32_t iv = 0;
      int np = kk;
      if (mine) {
        kv = Lk[i];
        iv = Li[i];
        np = i + count_better(Sk, Si, nc, kv, iv);
      }
      __syncwarp();
      if (mine && np < kk) {
        Lk[np] = kv;
        Li[np] = iv;
      }
      __syncwarp();
    }
  }
  if (pos0 < kk) {
    Lk[pos0] = Sk[lane];
    Li[pos0] = Si[lane];
  }
  if (pos1 < kk) {
    Lk[pos1] = Sk[lane + 32];
    Li[pos1] = Si[lane + 32];
  }
  __syncwarp();
  return min(kk, cnt + nc);
}

// Grid: (query tiles of the chunk, segments). Lists: wk/wi [segs × qc × kk], counts wcnt [segs × qc].
__global__ void __launch_bounds__(kThreads)
    topk_tiles_kernel(const float* __restrict__ Q, int qc, int64_t row0, const float* __restrict__ B, int nb, int d,
                      const float* __restrict__ qn, const float* __restrict__ bn, int metric, bool exclude_self,
                      int kk, int tiles_per_seg, float* wk, int32_t* wi, int32_t* wcnt) {
  __shared__ __align__(16) float As[KT * TQ];
  __shared__ __align__(16) float Bs[KT * TB];
  __shared__ float S[TQ][TB + 1];
  __shared__ float Ck[kWarps][64], Sk[kWarps][64];
  __shared__ int32_t Ci[kWarps][64], Si[kWarps][64];
  __shared__ int s_cnt[TQ];
  __shared__ float s_tk[TQ];
  __shared__ int32_t s_ti[TQ];

  const Metric m = static_cast<Metric>(metric);
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16, warp = tid / 32, lane = tid % 32;
  const int q0 = blockIdx.x * TQ, mq = min(TQ, qc - q0);
  const int seg = blockIdx.y;
  const int64_t seg_begin = static_cast<int64_t>(seg) * tiles_per_seg * TB;
  const int64_t seg_end = seg_begin + static_cast<int64_t>(tiles_per_seg) * TB;
  const int b_begin = static_cast<int>(seg_begin < nb ? seg_begin : nb);
  const int b_end = static_cast<int>(seg_end < nb ? seg_end : nb);
  if (tid < TQ) s_cnt[tid] = 0;
  __syncthreads();
  const float* Qt = Q + static_cast<int64_t>(q0) * d;
  const float alpha = metric_alpha(m);

  for (int b0 = b_begin; b0 < b_end; b0 += TB) {
    float acc[4][4];
    tile_gemm(Qt, mq, B, b0, b_end, d, As, Bs, acc);
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int r = ty * 4 + i, c = tx * 4 + j;
        const int64_t col = static_cast<int64_t>(b0) + c;
        float key = __int_as_float(0x7fffffff);  // NaN marks "not a candidate"
        if (r < mq && col < b_end && !(exclude_self && row0 + q0 + r == col)) {
          const float v = alpha * acc[i][j];
          key = sanitize_key(m == Metric::L2 ? l2_key(qn[q0 + r], bn[col], v) : v);
        }
        S[r][c] = key;
      }
    __syncthreads();
    for (int r = warp; r < mq; r += kWarps) {
      const int cnt = s_cnt[r];
      const bool full = cnt == kk;
      const float tk = full ? s_tk[r] : 0.f;
      const int32_t ti = full ? s_ti[r] : 0;
      const float v0 = S[r][lane], v1 = S[r][lane + 32];
      const int32_t i0 = b0 + lane, i1 = b0 + lane + 32;  // only used where valid (< nb)
      const bool p0 = v0 == v0 && (!full || better(v0, i0, tk, ti));
      const bool p1 = v1 == v1 && (!full || better(v1, i1, tk, ti));
      const unsigned m0 = __ballot_sync(kFull, p0), m1 = __ballot_sync(kFull, p1);
      const int nc = __popc(m0) + __popc(m1);
      if (nc == 0) continue;
      const unsigned lt = (1u << lane) - 1u;
      if (p0) {
        const int pos = __popc(m0 & lt);
        Ck[warp][pos] = v0;
        Ci[warp][pos] = i0;
      }
      if (p1) {
        const int pos = __popc(m0) + __popc(m1 & lt);
        Ck[warp][pos] = v1;
        Ci[warp][pos] = i1;
      }
      __syncwarp();
      const int64_t list = (static_cast<int64_t>(seg) * qc + q0 + r) * kk;
      const int ncnt = warp_merge(wk + list, wi + list, cnt, kk, Ck[warp], Ci[warp], nc, Sk[warp], Si[warp]);
      if (lane == 0) {
        s_cnt[r] = ncnt;
        if (ncnt == kk) {
          s_tk[r] = wk[list + kk - 1];
          s_ti[r] = wi[list + kk - 1];
        }
      }
      __syncwarp();
    }
    __syncthreads();
  }
  for (int r = tid; r < mq; r += kThreads) wcnt[static_cast<int64_t>(seg) * qc + q0 + r] = s_cnt[r];
}

// One warp per row: merges the segs lists of the row into out (ok/oi [qc × kk]).
__global__ void __launch_bounds__(kThreads)
    merge_segments_kernel(const float* __restrict__ wk, const int32_t* __restrict__ wi, const int32_t* __restrict__ wcnt,
                          int segs, int qc, int kk, float* ok, int32_t* oi) {
  __shared__ float Ck[kWarps][64], Sk[kWarps][64];
  __shared__ int32_t Ci[kWarps][64], Si[kWarps][64];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row = blockIdx.x * kWarps + warp;
  if (row >= qc) return;  // whole warp
  float* Lk = ok + static_cast<int64_t>(row) * kk;
  int32_t* Li = oi + static_cast<int64_t>(row) * kk;
  int cnt = wcnt[row];
  for (int j = lane; j < cnt; j += 32) {
    Lk[j] = wk[static_cast<int64_t>(row) * kk + j];
    Li[j] = wi[static_cast<int64_t>(row) * kk + j];
  }
  __syncwarp();
  for (int s = 1; s < segs; ++s) {
    const int64_t list = (static_cast<int64_t>(s) * qc + row) * kk;
    const int sc = wcnt[static_cast<int64_t>(s) * qc + row];
    for (int base = 0; base < sc; base += 64) {
      const bool full = cnt == kk;
      const float tk = full ? Lk[kk - 1] : 0.f;
      const int32_t ti = full ? Li[kk - 1] : 0;
      const int e0 = base + lane, e1 = base + lane + 32;
      const float v0 = e0 < sc ? wk[list + e0] : 0.f, v1 = e1 < sc ? wk[list + e1] : 0.f;
      const int32_t i0 = e0 < sc ? wi[list + e0] : 0, i1 = e1 < sc ? wi[list + e1] : 0;
      const bool p0 = e0 < sc && (!full || better(v0, i0, tk, ti));
      const bool p1 = e1 < sc && (!full || better(v1, i1, tk, ti));
      const unsigned m0 = __ballot_sync(kFull, p0), m1 = __ballot_sync(kFull, p1);
      const int nc = __popc(m0) + __popc(m1);
      if (nc == 0) break;  // segment lists are sorted: nothing further down passes either
      const unsigned lt = (1u << lane) - 1u;
      if (p0) {
        const int pos = __popc(m0 & lt);
        Ck[warp][pos] = v0;
        Ci[warp][pos] = i0;
      }
      if (p1) {
        const int pos = __popc(m0) + __popc(m1 & lt);
        Ck[warp][pos] = v1;
        Ci[warp][pos] = i1;
      }
      __syncwarp();
      cnt = warp_merge(Lk, Li, cnt, kk, Ck[warp], Ci[warp], nc, Sk[warp], Si[warp]);
    }
  }
}

// Grid: (base tiles, query tiles of the chunk). out: [qc × nb] scores of the chunk.
__global__ void __launch_bounds__(kThreads)
    similarity_kernel(const float* __restrict__ Q, int qc, const float* __restrict__ B, int nb, int d,
                      const float* __restrict__ qn, const float* __restrict__ bn, int metric, float* out) {
  __shared__ __align__(16) float As[KT * TQ];
  __shared__ __align__(16) float Bs[KT * TB];
  const Metric m = static_cast<Metric>(metric);
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int q0 = blockIdx.y * TQ, mq = min(TQ, qc - q0);
  const int b0 = blockIdx.x * TB;
  float acc[4][4];
  tile_gemm(Q + static_cast<int64_t>(q0) * d, mq, B, b0, nb, d, As, Bs, acc);
  const float alpha = metric_alpha(m);
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int r = ty * 4 + i;
      const int64_t col = static_cast<int64_t>(b0) + tx * 4 + j;
      if (r < mq && col < nb) {
        const float v = alpha * acc[i][j];
        out[static_cast<int64_t>(q0 + r) * nb + col] =
            m == Metric::L2 ? key_to_score(m, l2_key(qn[q0 + r], bn[col], v)) : v;
      }
    }
}

int sm_count() {
  int dev = 0, sms = 0;
  TR_CUDA_CHECK(cudaGetDevice(&dev));
  TR_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  return std::max(1, sms);
}

void check_sizes(int64_t nq, int64_t nb, int64_t d) {
  constexpr int64_t kMax = 0x7fffffff;
  if (nq > kMax || nb > kMax || d > kMax) throw Error(kInvalidArg, "cuda: dimensions must fit int32");
}

// Uploads the prepared operands of Q and B (B aliases Q when they are the same rows).
struct DeviceOperands {
  DeviceBuffer<float> q, b, qn, bn;
  const float* dq;
  const float* db;
  const float* dqn;
  const float* dbn;
  DeviceOperands(const Operand& qo, const Operand* bo, bool same, cudaStream_t s)
      : q(static_cast<size_t>(qo.rows * qo.d)),
        b(same ? 0 : static_cast<size_t>(bo->rows * bo->d)),
        qn(qo.sq.size()),
        bn(same ? 0 : bo->sq.size()) {
    if (qo.rows * qo.d > 0)
      TR_CUDA_CHECK(cudaMemcpyAsync(q.get(), qo.data, sizeof(float) * qo.rows * qo.d, cudaMemcpyHostToDevice, s));
    if (!same && bo->rows * bo->d > 0)
      TR_CUDA_CHECK(cudaMemcpyAsync(b.get(), bo->data, sizeof(float) * bo->rows * bo->d, cudaMemcpyHostToDevice, s));
    if (!qo.sq.empty())
      TR_CUDA_CHECK(cudaMemcpyAsync(qn.get(), qo.sq.data(), sizeof(float) * qo.sq.size(), cudaMemcpyHostToDevice, s));
    if (!same && !bo->sq.empty())
      TR_CUDA_CHECK(cudaMemcpyAsync(bn.get(), bo->sq.data(), sizeof(float) * bo->sq.size(), cudaMemcpyHostToDevice, s));
    dq = q.get();
    db = same ? q.get() : b.get();
    dqn = qn.get();
    dbn = same ? qn.get() : bn.get();
  }
};

}  // namespace

void topk(const TopkParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d, int32_t* idx,
          float* score) {
  if (p.excludeSelf && nq != nb) throw Error(kInvalidArg, "excludeSelf needs Q and B with the same number of rows");
  check_sizes(nq, nb, d);
  const int64_t kk = topk_effective_k(nb, p.k, p.excludeSelf);
  if (kk > kTopkMaxK) throw Error(kInvalidArg, "cuda topk: k above " + std::to_string(kTopkMaxK));
  if (nq <= 0 || kk <= 0) return;
  const bool same = Q == B && nq == nb;
  Operand qo = prepare_operand(p.metric, Q, nq, d, false, p.threads);
  Operand bo_own;
  const Operand* bo = &qo;
  if (!same) {
    bo_own = prepare_operand(p.metric, B, nb, d, false, p.threads);
    bo = &bo_own;
  }
  Stream stream;
  DeviceOperands dev(qo, bo, same, stream.get());

  // Segments of B only when the query tiles cannot fill the device; each segment keeps
  // at least 16 tiles. Queries go in chunks that bound the lists' memory.
  const int64_t nbt = (nb + TB - 1) / TB;
  const int64_t target_blocks = 4 * static_cast<int64_t>(sm_count());
  const int64_t qtiles_all = (nq + TQ - 1) / TQ;
  int64_t segs = std::min<int64_t>(std::max<int64_t>(1, (target_blocks + qtiles_all - 1) / qtiles_all),
                                   std::max<int64_t>(1, nbt / 16));
  const int64_t tiles_per_seg = (nbt + segs - 1) / segs;
  segs = (nbt + tiles_per_seg - 1) / tiles_per_seg;
  const size_t per_row = static_cast<size_t>(kk) * (sizeof(float) + sizeof(int32_t));
  const int64_t lists = segs > 1 ? segs + 1 : 1;
  int64_t qc = static_cast<int64_t>(kWorkspaceBudget / (per_row * lists));
  qc = std::max<int64_t>(TQ, qc / TQ * TQ);
  qc = std::min(qc, nq);

  DeviceBuffer<float> wk(static_cast<size_t>(segs * qc * kk));
  DeviceBuffer<int32_t> wi(static_cast<size_t>(segs * qc * kk));
  DeviceBuffer<int32_t> wcnt(static_cast<size_t>(segs * qc));
  DeviceBuffer<float> ok(segs > 1 ? static_cast<size_t>(qc * kk) : 0);
  DeviceBuffer<int32_t> oi(segs > 1 ? static_cast<size_t>(qc * kk) : 0);
  float* out_k = segs > 1 ? ok.get() : wk.get();
  int32_t* out_i = segs > 1 ? oi.get() : wi.get();

  std::vector<float> keys(static_cast<size_t>(qc * kk));
  for (int64_t c0 = 0; c0 < nq; c0 += qc) {
    const int64_t rows = std::min(qc, nq - c0);
    dim3 grid(static_cast<unsigned>((rows + TQ - 1) / TQ), static_cast<unsigned>(segs));
    topk_tiles_kernel<<<grid, kThreads, 0, stream.get()>>>(
        dev.dq + c0 * d, static_cast<int>(rows), c0, dev.db, static_cast<int>(nb), static_cast<int>(d),
        dev.dqn ? dev.dqn + c0 : nullptr, dev.dbn, static_cast<int>(p.metric), p.excludeSelf, static_cast<int>(kk),
        static_cast<int>(tiles_per_seg), wk.get(), wi.get(), wcnt.get());
    TR_CUDA_CHECK(cudaGetLastError());
    if (segs > 1) {
      // The tile kernel indexed lists by the chunk's qc; rows past `rows` are unused.
      merge_segments_kernel<<<static_cast<unsigned>((rows + kWarps - 1) / kWarps), kThreads, 0, stream.get()>>>(
          wk.get(), wi.get(), wcnt.get(), static_cast<int>(segs), static_cast<int>(rows), static_cast<int>(kk), ok.get(),
          oi.get());
      TR_CUDA_CHECK(cudaGetLastError());
    }
    TR_CUDA_CHECK(cudaMemcpyAsync(idx + c0 * kk, out_i, sizeof(int32_t) * rows * kk, cudaMemcpyDeviceToHost, stream.get()));
    TR_CUDA_CHECK(cudaMemcpyAsync(keys.data(), out_k, sizeof(float) * rows * kk, cudaMemcpyDeviceToHost, stream.get()));
    TR_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    for (int64_t e = 0; e < rows * kk; ++e) score[c0 * kk + e] = key_to_score(p.metric, keys[static_cast<size_t>(e)]);
  }
}

void similarity(const SimilarityParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d,
                float* out) {
  check_sizes(nq, nb, d);
  if (nq <= 0 || nb <= 0) return;
  const bool same = Q == B && nq == nb;
  Operand qo = prepare_operand(p.metric, Q, nq, d, false, p.threads);
  Operand bo_own;
  const Operand* bo = &qo;
  if (!same) {
    bo_own = prepare_operand(p.metric, B, nb, d, false, p.threads);
    bo = &bo_own;
  }
  Stream stream;
  DeviceOperands dev(qo, bo, same, stream.get());
  int64_t qc = static_cast<int64_t>(kSimilarityChunk / (sizeof(float) * static_cast<size_t>(nb)));
  qc = std::min(nq, std::max<int64_t>(TQ, qc / TQ * TQ));
  qc = std::min<int64_t>(qc, int64_t{65535} * TQ);  // query tiles go in gridDim.y
  DeviceBuffer<float> dout(static_cast<size_t>(qc * nb));
  for (int64_t c0 = 0; c0 < nq; c0 += qc) {
    const int64_t rows = std::min(qc, nq - c0);
    dim3 grid(static_cast<unsigned>((nb + TB - 1) / TB), static_cast<unsigned>((rows + TQ - 1) / TQ));
    similarity_kernel<<<grid, kThreads, 0, stream.get()>>>(dev.dq + c0 * d, static_cast<int>(rows), dev.db,
                                                           static_cast<int>(nb), static_cast<int>(d),
                                                           dev.dqn ? dev.dqn + c0 : nullptr, dev.dbn,
                                                           static_cast<int>(p.metric), dout.get());
    TR_CUDA_CHECK(cudaGetLastError());
    TR_CUDA_CHECK(cudaMemcpyAsync(out + c0 * nb, dout.get(), sizeof(float) * rows * nb, cudaMemcpyDeviceToHost,
                                  stream.get()));
    TR_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  }
}

}  // namespace tr::cuda
