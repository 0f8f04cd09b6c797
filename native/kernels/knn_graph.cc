// kNN graph as CSR (see knn_graph.h): exact neighbour lists from the fused topk, then
// per-row sort by column and, when symmetrising, a merge of the two directions.
#include "knn_graph.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

#include "error.h"
#include "parallel.h"
#include "topk.h"

namespace tr {

CsrGraph csr_from_neighbours(int64_t n, int64_t k, const int32_t* idx, const float* w, Symmetrize sym, int threads) {
  constexpr int64_t kMaxNnz = std::numeric_limits<int32_t>::max();
  const int t = resolve_threads(threads);
  CsrGraph g;
  g.n = n;
  g.rowPtr.assign(static_cast<size_t>(n + 1), 0);
  if (n <= 0) return g;
  const int64_t directed = n * k;
  if (directed > kMaxNnz || (sym != Symmetrize::None && 2 * directed > kMaxNnz))
    throw Error(kInvalidArg, "knnGraph: n × k = " + std::to_string(directed) + " edges do not fit a CSR with int32 offsets");
  for (int64_t e = 0; e < directed; ++e)
    if (idx[e] < 0 || idx[e] >= n) throw Error(kInternal, "knnGraph: neighbour index out of range");

  if (sym == Symmetrize::None) {
    g.colIdx.assign(idx, idx + directed);
    g.weights.assign(w, w + directed);
    for (int64_t i = 0; i <= n; ++i) g.rowPtr[static_cast<size_t>(i)] = static_cast<int32_t>(i * k);
    parallel_for(n, t, [&](int64_t b, int64_t e, int) {
      std::vector<std::pair<int32_t, float>> row(static_cast<size_t>(k));
      for (int64_t i = b; i < e; ++i) {
        int32_t* c = g.colIdx.data() + i * k;
        float* v = g.weights.data() + i * k;
        for (int64_t j = 0; j < k; ++j) row[static_cast<size_t>(j)] = {c[j], v[j]};
        std::sort(row.begin(), row.end(), [](const auto& a, const auto& b2) { return a.first < b2.first; });
        for (int64_t j = 0; j < k; ++j) {
          c[j] = row[static_cast<size_t>(j)].first;
          v[j] = row[static_cast<size_t>(j)].second;
        }
      }
    });
    return g;
  }

  // Both directions of every edge, bucketed by source row.
  std::vector<int64_t> start(static_cast<size_t>(n + 1), 0);
  for (int64_t i = 0; i < n; ++i) {
    start[static_cast<size_t>(i + 1)] += k;
    for (int64_t j = 0; j < k; ++j) start[static_cast<size_t>(idx[i * k + j]) + 1] += 1;
  }
  for (int64_t i = 0; i < n; ++i) start[static_cast<size_t>(i + 1)] += start[static_cast<size_t>(i)];
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  std::vector<std::pair<int32_t, float>> both(static_cast<size_t>(start[static_cast<size_t>(n)]));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) {
      const int32_t c = idx[i * k + j];
      const float v = w[i * k + j];
      both[static_cast<size_t>(fill[static_cast<size_t>(i)]++)] = {c, v};
      both[static_cast<size_t>(fill[static_cast<size_t>(c)]++)] = {static_cast<int32_t>(i), v};
    }

  // Sort each row by column and merge duplicates (an edge seen from both ends). max and
  // + are commutative, so the result does not depend on the order within a row.
  std::vector<int64_t> kept(static_cast<size_t>(n), 0);
  parallel_for(n, t, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      auto first = both.begin() + start[static_cast<size_t>(i)];
      auto last = both.begin() + start[static_cast<size_t>(i + 1)];
      std::sort(first, last, [](const auto& a, const auto& b2) { return a.first < b2.first; });
      auto out = first;
      for (auto it = first; it != last;) {
        auto cur = *it++;
        while (it != last && it->first == cur.first) {
          cur.second = sym == Symmetrize::Max ? std::max(cur.second, it->second) : cur.second + it->second;
          ++it;
        }
        *out++ = cur;
      }
      kept[static_cast<size_t>(i)] = out - first;
    }
  });
  int64_t nnz = 0;
  for (int64_t i = 0; i < n; ++i) {
    nnz += kept[static_cast<size_t>(i)];
    g.rowPtr[static_cast<size_t>(i + 1)] = static_cast<int32_t>(nnz);
  }
  g.colIdx.resize(static_cast<size_t>(nnz));
  g.weights.resize(static_cast<size_t>(nnz));
  parallel_for(n, t, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t src = start[static_cast<size_t>(i)], dst = g.rowPtr[static_cast<size_t>(i)];
      for (int64_t j = 0; j < kept[static_cast<size_t>(i)]; ++j) {
        g.colIdx[static_cast<size_t>(dst + j)] = both[static_cast<size_t>(src + j)].first;
        g.weights[static_cast<size_t>(dst + j)] = both[static_cast<size_t>(src + j)].second;
      }
    }
  });
  return g;
}

CsrGraph knn_graph(const KnnGraphParams& p, const float* X, int64_t n, int64_t d, bool writable) {
  TopkParams tp;
  tp.metric = p.metric;
  tp.k = p.k;
  tp.excludeSelf = true;
  tp.threads = p.threads;
  const int64_t kk = topk_effective_k(n, p.k, true);
  const int64_t edges = (p.symmetrize == Symmetrize::None ? 1 : 2) * n * kk;
  if (edges > std::numeric_limits<int32_t>::max())
    throw Error(kInvalidArg, "knnGraph: " + std::to_string(edges) + " edges do not fit a CSR with int32 offsets");
  std::vector<int32_t> idx(static_cast<size_t>(n * kk));
  std::vector<float> w(idx.size());
  topk(tp, X, n, X, n, d, idx.data(), w.data(), writable);
  return csr_from_neighbours(n, kk, idx.data(), w.data(), p.symmetrize, p.threads);
}

}  // namespace tr
