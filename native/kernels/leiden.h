// Leiden community detection (Traag, Waltman & van Eck 2019, "From Louvain to Leiden:
// guaranteeing well-connected communities") on a weighted undirected graph in CSR form,
// for modularity (with resolution γ) and the Constant Potts Model, plus the exact
// quality of any partition.
//
// One iteration = levels of: fast local moving (a queue of unstable nodes) → refinement
// (per community, merge singletons into well-connected subsets, randomised ∝ exp(ΔH/θ))
// → aggregation on the refined partition, the non-refined one giving the aggregate
// nodes' initial communities; until every community is one aggregate node. Iterations
// repeat from the previous result, `iterations` times or until one changes nothing.
//
// Both objectives are optimised in one form, H = Σ_c [ in_c − γ' · W_c² ] with
// in_c = Σ_{i,j∈c} A_ij and node weights w_i: modularity has w_i = k_i and γ' = γ/2m,
// CPM has w_i = 1 (summed on aggregation) and γ' = γ. Move gains are
// ΔH(v→C) = w(v, C) − γ' w_v W_C (self loops excluded), in units of edge weight; θ
// scales that, as in the reference Java implementation and igraph.
//
// Determinism: local moving is sequential on a generator seeded from (seed, iteration,
// level); refinement runs communities in parallel, each on its own generator seeded from
// (seed, iteration, level, community); aggregation and sums use fixed blocks. The result
// is the same for any thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace tr {

enum class LeidenObjective : int { Modularity = 0, CPM = 1 };

// A read-only CSR graph: the neighbours of i are col[rowPtr[i] .. rowPtr[i+1]) with
// weights w at the same positions. An undirected edge {i, j} is stored as A_ij = A_ji;
// a self loop of weight x as A_ii = 2x (the igraph convention: it adds 2x to k_i).
struct CsrView {
  int32_t n = 0;                     // nodes
  const int32_t* rowPtr = nullptr;   // [n + 1], rowPtr[0] = 0, non-decreasing
  const int32_t* col = nullptr;      // [nnz = rowPtr[n]], values in [0, n)
  const float* w = nullptr;          // [nnz], finite, >= 0
  int64_t nnz = 0;                   // length of col and w (must equal rowPtr[n])
};

struct LeidenParams {
  LeidenObjective objective = LeidenObjective::Modularity;
  double resolution = 1.0;   // γ >= 0
  uint64_t seed = 0;         // seeds every random choice
  int iterations = -1;       // -1: until an iteration changes nothing (at most kLeidenMaxIterations); else exactly that many (>= 0)
  double randomness = 0.01;  // θ > 0 of the refinement
  int threads = 0;           // 0: default (TASKROUTE_THREADS, else every core)
};

// Guard of iterations = -1 against floating-point cycles (never reached in practice).
inline constexpr int kLeidenMaxIterations = 1000;

struct LeidenResult {
  std::vector<int32_t> membership;  // [n], communities 0..C-1 by decreasing size, ties by smallest node id
  int32_t communities = 0;          // C
  double quality = 0;               // partition_quality() of the result on the input graph
  int iterations = 0;               // iterations run
};

// Throws tr::Error(kInvalidArg) unless the CSR is safe to read and has finite
// non-negative weights. Symmetry is the caller's contract (checked in TypeScript).
void check_csr(const CsrView& g);

LeidenResult leiden(const CsrView& g, const LeidenParams& p);

// Exact quality of a partition (membership values in [0, n), checked):
//   modularity: Q = 1/2m Σ_ij (A_ij − γ k_i k_j / 2m) δ(c_i, c_j), k_i = Σ_j A_ij,
//               2m = Σ_ij A_ij; NaN when 2m = 0 (undefined there).
//   CPM:        Σ_c [ e_c − γ n_c (n_c − 1) / 2 ], e_c = ½ Σ_{i,j∈c} A_ij.
double partition_quality(const CsrView& g, const int32_t* membership, LeidenObjective objective, double resolution,
                         int threads);

}  // namespace tr
