// Dense similarity (see similarity.h): row tiles of Q against all of B through the
// single-threaded GEMM, tiles spread over our threads.
#include "similarity.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gemm.h"
#include "parallel.h"

namespace tr {

Operand prepare_operand(Metric metric, const float* X, int64_t rows, int64_t d, bool writable, int threads) {
  Operand o;
  o.rows = rows;
  o.d = d;
  o.data = X;
  // One pass over the rows: threads only pay off beyond a few hundred thousand values.
  const int t = rows * d < (int64_t{1} << 18) ? 1 : resolve_threads(threads);
  if (metric == Metric::Cosine && rows > 0 && d > 0) {
    float* dst;
    if (writable) {
      dst = const_cast<float*>(X);
    } else {
      o.own.reset(new float[static_cast<size_t>(rows * d)]);
      dst = o.own.get();
    }
    parallel_for(rows, t, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) {
        const float* x = X + i * d;
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += static_cast<double>(x[j]) * x[j];
        // A zero row stays zero, so its similarity to anything is 0.
        const float inv = s > 0 ? static_cast<float>(1.0 / std::sqrt(s)) : 0.f;
        float* y = dst + i * d;
        for (int64_t j = 0; j < d; ++j) y[j] = x[j] * inv;
      }
    });
    o.data = dst;
  } else if (metric == Metric::L2) {
    o.sq.resize(static_cast<size_t>(rows));
    parallel_for(rows, t, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) {
        const float* x = X + i * d;
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += static_cast<double>(x[j]) * x[j];
        o.sq[static_cast<size_t>(i)] = static_cast<float>(s);
      }
    });
  }
  return o;
}

void similarity(const SimilarityParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d,
                float* out, bool writable) {
  if (nq <= 0 || nb <= 0) return;
  const int t = resolve_threads(p.threads);
  const bool same = Q == B && nq == nb;
  Operand qo = prepare_operand(p.metric, Q, nq, d, writable, t);
  Operand bo_own;
  const Operand* bo = &qo;
  if (!same) {
    bo_own = prepare_operand(p.metric, B, nb, d, writable, t);
    bo = &bo_own;
  }
  const float alpha = metric_alpha(p.metric);
  constexpr int64_t TQ = 64;
  const int64_t tiles = (nq + TQ - 1) / TQ;
  parallel_dynamic(tiles, 1, t, [&](int64_t tb, int64_t te, int) {
    for (int64_t tile = tb; tile < te; ++tile) {
      const int64_t q0 = tile * TQ, mq = std::min(TQ, nq - q0);
      float* o = out + q0 * nb;
      sgemm(false, true, mq, nb, d, alpha, qo.data + q0 * d, d, bo->data, d, 0.f, o, nb);
      if (p.metric == Metric::L2) {
        const float* bn = bo->sq.data();
        for (int64_t r = 0; r < mq; ++r) {
          const float qn = qo.sq[static_cast<size_t>(q0 + r)];
          float* row = o + r * nb;
          for (int64_t j = 0; j < nb; ++j) row[j] = key_to_score(Metric::L2, l2_key(qn, bn[j], row[j]));
        }
      }
    }
  });
}

}  // namespace tr
