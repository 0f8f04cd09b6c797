// Dense similarity of two row sets, and the operand preparation every metric kernel
// shares (cosine: rows normalised once; l2: squared row norms once).
//
//   similarity(Q[nq×d], B[nb×d]) → S[nq×nb]
//     ip:     S[i][j] = q_i·b_j
//     cosine: S[i][j] = q_i·b_j / (|q_i|·|b_j|), 0 when either row is zero
//     l2:     S[i][j] = max(0, |q_i|² + |b_j|² − 2·q_i·b_j)   (squared distance)
//
// Materialises nq×nb: meant for small problems; topk (topk.h) never does.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "metric.h"

namespace tr {

// Mirrors SimilarityOptions in src/ops/similarity.ts.
struct SimilarityParams {
  Metric metric = Metric::Cosine;  // 'cosine' (default) | 'ip' | 'l2'
  int threads = 0;                 // 0: TASKROUTE_THREADS, else every core
};

// The rows a metric kernel multiplies: the input itself (ip, l2) or its normalised copy
// (cosine), plus squared norms for l2.
struct Operand {
  const float* data = nullptr;  // [rows × d]
  int64_t rows = 0, d = 0;
  std::vector<float> sq;        // [rows] |x|² (l2 only)
  std::unique_ptr<float[]> own; // the normalised copy, when one was made
};

// Prepares X for `metric`. When `writable` is true X is the caller's scratch copy and
// cosine normalises it in place instead of copying. Norms are accumulated in double.
Operand prepare_operand(Metric metric, const float* X, int64_t rows, int64_t d, bool writable, int threads);

// out: [nq × nb] row-major. Rows are computed in fixed 64-row tiles, so the result is
// bitwise identical whatever the thread count.
void similarity(const SimilarityParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d,
                float* out, bool writable = false);

}  // namespace tr
