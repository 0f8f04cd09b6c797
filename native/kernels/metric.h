// Metric math shared by the CPU kernels (similarity, topk, knn_graph) and their CUDA
// twins: one definition of the selection key, its order and the score it reports, so
// both paths rank candidates by exactly the same rule.
//
// Selection works on a key where larger is better: the similarity for ip/cosine and
// minus the squared distance for l2. Candidates are totally ordered by (key desc,
// index asc), so ties always go to the lower index; NaN (only from overflow of finite
// inputs) is treated as -inf, the worst key.
#pragma once
#include <cstdint>
#include <limits>

#if defined(__CUDACC__)
#define TR_HD __host__ __device__ __forceinline__
#else
#define TR_HD inline
#endif

namespace tr {

// Mirrors the TS Metric type ('ip' | 'cosine' | 'l2').
enum class Metric : int { IP = 0, Cosine = 1, L2 = 2 };

// The GEMM computes alpha · Q·Bᵀ; l2 uses 2·q·b (exact scaling) so the key is one subtraction.
TR_HD float metric_alpha(Metric m) { return m == Metric::L2 ? 2.f : 1.f; }

// Key of an l2 candidate from |q|², |b|² and 2·q·b: −max(0, |q|² + |b|² − 2·q·b).
// NaN stays NaN here (the selection maps it to -inf).
TR_HD float l2_key(float qn, float bn, float two_dot) {
  float d = (qn + bn) - two_dot;
  return d <= 0.f ? 0.f : -d;
}

TR_HD float neg_inf() {
#if defined(__CUDA_ARCH__)
  return __int_as_float(0xff800000);
#else
  return -std::numeric_limits<float>::infinity();
#endif
}

// NaN → -inf, anything else unchanged.
TR_HD float sanitize_key(float v) { return v == v ? v : neg_inf(); }

// The score reported to the user for a key: the similarity, or the squared distance (≥ 0).
TR_HD float key_to_score(Metric m, float key) { return m == Metric::L2 ? 0.f - key : key; }

// Strict total order of candidates: a is better than b.
TR_HD bool better(float ka, int32_t ia, float kb, int32_t ib) { return ka > kb || (ka == kb && ia < ib); }

}  // namespace tr
