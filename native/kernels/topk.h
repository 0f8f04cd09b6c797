// Exact top-k neighbours of each query row among the base rows, fused with the GEMM:
//
//   topk(Q[nq×d], B[nb×d], k) → idx Int32[nq×k'], score Float32[nq×k']
//
// Q is cut into query tiles and B into base tiles; each (query tile × base tile) block
// of similarities is computed by the single-threaded GEMM into a per-thread scratch tile
// and immediately reduced into per-row bounded heaps (a SIMD threshold test rejects
// almost every candidate before any heap work). The nq×nb matrix is never formed:
// memory is the tiles plus the outputs.
//
// Exact and deterministic: candidates are ranked by (key desc, index asc) (metric.h),
// tiles have fixed bounds whatever the thread count, and per-segment heaps are merged
// exactly, so results are bitwise identical for any `threads`.
// k' = min(k, nb) (nb − 1 with excludeSelf). Rows are sorted best first.
#pragma once
#include <cstdint>

#include "metric.h"

namespace tr {

// Mirrors TopkOptions in src/ops/topk.ts (k is the positional argument there).
struct TopkParams {
  Metric metric = Metric::Cosine;  // 'cosine' (default) | 'ip' | 'l2'
  int64_t k = 10;                  // neighbours requested per query row (≥ 1); clamped to the candidates
  bool excludeSelf = false;        // Q and B are the same rows (nq == nb): row i never returns index i
  int threads = 0;                 // 0: TASKROUTE_THREADS, else every core
};

// The k actually returned: min(k, nb), or min(k, nb − 1) with excludeSelf (never < 0).
int64_t topk_effective_k(int64_t nb, int64_t k, bool excludeSelf);

// idx, score: [nq × topk_effective_k(nb, p.k, p.excludeSelf)]. Scores are the similarity
// (ip, cosine; descending) or the squared distance (l2; ascending). When `writable` is
// true Q and B are the caller's scratch copies (cosine normalises them in place).
void topk(const TopkParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d, int32_t* idx,
          float* score, bool writable = false);

// Tile sizes (rows of Q × rows of B per GEMM call); exposed for the kernel benchmark.
// With the built-in GEMM they change speed only (each product is computed the same way
// in any tile); OpenBLAS may round a product differently at another tile shape.
struct TopkTiles {
  int64_t query = 0, base = 0;  // 0: the tuned defaults of the current GEMM backend
};
void set_topk_tiles(TopkTiles t);
TopkTiles topk_tiles();

}  // namespace tr
