// CUDA twins of the similarity and fused top-k kernels (compiled only with TASKROUTE_CUDA).
// Same params, same outputs and the same candidate order as the CPU kernels
// (native/kernels/metric.h); the CPU result is the reference in test/14.ops.cuda.test.ts.
// CUDA errors become tr::Error(kCuda, "file:line: call: message"); device memory is
// owned by RAII buffers and freed on every path.
#pragma once
#include <cstdint>

#include "../kernels/similarity.h"
#include "../kernels/topk.h"

namespace tr::cuda {

// Largest k the device kernel keeps per row; the bindings fall back to the CPU above it.
constexpr int64_t kTopkMaxK = 1024;

// idx, score: host arrays [nq × topk_effective_k(nb, p.k, p.excludeSelf)]; needs that k ≤ kTopkMaxK.
void topk(const TopkParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d, int32_t* idx,
          float* score);

// out: host array [nq × nb].
void similarity(const SimilarityParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d,
                float* out);

}  // namespace tr::cuda
