// The exact k-nearest-neighbour graph of a row set, as CSR:
//
//   knn_graph(X[n×d], k) → rowPtr Int32[n+1], colIdx Int32[nnz], weights Float32[nnz]
//
// Built from topk(X, X, k, excludeSelf) (topk.h), so there are no self loops. Weights
// are the similarity (ip, cosine) or the squared distance (l2). Within every row the
// neighbours are sorted by ascending column index (not by weight).
//   symmetrize 'none': row i holds its k' = min(k, n − 1) nearest neighbours (directed);
//   'max': the union of i→j and j→i, weight max(w_ij, w_ji);
//   'sum': the union, weight w_ij + w_ji; an edge present in one direction keeps its weight.
#pragma once
#include <cstdint>
#include <vector>

#include "metric.h"

namespace tr {

enum class Symmetrize : int { None = 0, Max = 1, Sum = 2 };

// Mirrors KnnGraphOptions in src/ops/knn.ts (k is the positional argument there).
struct KnnGraphParams {
  Metric metric = Metric::Cosine;           // 'cosine' (default) | 'ip' | 'l2'
  int64_t k = 10;                           // neighbours per node (≥ 1), clamped to n − 1
  Symmetrize symmetrize = Symmetrize::None;  // 'none' (default) | 'max' | 'sum'
  int threads = 0;                          // 0: TASKROUTE_THREADS, else every core
};

struct CsrGraph {
  int64_t n = 0;
  std::vector<int32_t> rowPtr;   // [n + 1]
  std::vector<int32_t> colIdx;   // [nnz]
  std::vector<float> weights;    // [nnz]
};

// The CSR graph from directed neighbour lists idx/w [n × k] (each row: distinct
// columns, none equal to the row). Throws tr::Error(kInvalidArg) when nnz would not fit int32.
CsrGraph csr_from_neighbours(int64_t n, int64_t k, const int32_t* idx, const float* w, Symmetrize sym, int threads);

// topk + csr_from_neighbours on the CPU. `writable`: X is the caller's scratch copy.
CsrGraph knn_graph(const KnnGraphParams& p, const float* X, int64_t n, int64_t d, bool writable = false);

}  // namespace tr
