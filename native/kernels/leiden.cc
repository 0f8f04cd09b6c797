// Implementation of leiden.h. Structure follows the paper's pseudocode (fast local
// moving, refinement, aggregation) with the reference implementations' choices where
// the paper leaves room: an empty community is always a candidate in local moving, only
// strictly improving moves are made, and a refined partition that merged nothing falls
// back to aggregating on the unrefined one.
#include "leiden.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "error.h"
#include "parallel.h"

namespace tr {
namespace {

// Fixed work blocks (nodes): partial sums and aggregate rows do not depend on the thread count.
constexpr int64_t kBlock = 4096;
constexpr uint64_t kMoveStream = 0x6d6f7665;    // "move"
constexpr uint64_t kRefineStream = 0x72656669;  // "refi"

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Seed of an independent stream for (seed, a, b, c).
uint64_t stream_seed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  uint64_t x = seed;
  uint64_t h = splitmix64(x);
  for (uint64_t v : {a, b, c}) {
    x = h ^ v;
    h = splitmix64(x);
  }
  return h;
}

// xoshiro256**, seeded by splitmix64. Hand-rolled integer and real draws (no std
// distributions) so a seed gives the same partition on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& v : s_) v = splitmix64(seed);
  }
  uint64_t next() {
    const uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n >= 1, unbiased (Lemire).
  uint32_t below(uint32_t n) {
    uint64_t m = (next() >> 32) * n;
    uint32_t l = static_cast<uint32_t>(m);
    if (l < n) {
      const uint32_t t = static_cast<uint32_t>(0u - n) % n;
      while (l < t) {
        m = (next() >> 32) * n;
        l = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

void shuffle(int32_t* a, int32_t n, Rng& rng) {
  for (int32_t i = n - 1; i > 0; --i) std::swap(a[i], a[rng.below(static_cast<uint32_t>(i) + 1)]);
}

// One level of the hierarchy: the input graph (float weights) or an aggregate (double).
template <class W>
struct Graph {
  int32_t n;
  const int32_t* rowPtr;
  const int32_t* col;
  const W* w;
  const double* nodeWeight;  // [n]
};

struct OwnedGraph {
  std::vector<int32_t> rowPtr, col;
  std::vector<double> w, nodeWeight;
  Graph<double> view() const {
    return {static_cast<int32_t>(nodeWeight.size()), rowPtr.data(), col.data(), w.data(), nodeWeight.data()};
  }
};

// Sums x[0..n) in fixed blocks, then the blocks in order: the same bits for any thread count.
double block_sum(const double* x, int64_t n, int threads) {
  const int64_t nb = (n + kBlock - 1) / kBlock;
  std::vector<double> part(nb, 0.0);
  parallel_dynamic(nb, 1, threads, [&](int64_t b, int64_t e, int) {
    for (int64_t k = b; k < e; ++k) {
      double s = 0;
      for (int64_t i = k * kBlock, end = std::min(n, (k + 1) * kBlock); i < end; ++i) s += x[i];
      part[k] = s;
    }
  });
  double s = 0;
  for (double v : part) s += v;
  return s;
}

// Groups nodes by label (counting sort, ascending node id within a label): the nodes
// of label c are members[start[c] .. start[c+1]).
void group_by(const int32_t* label, int32_t n, int32_t labels, std::vector<int32_t>& start,
              std::vector<int32_t>& members) {
  start.assign(static_cast<size_t>(labels) + 1, 0);
  for (int32_t i = 0; i < n; ++i) ++start[label[i] + 1];
  for (int32_t c = 0; c < labels; ++c) start[c + 1] += start[c];
  members.resize(n);
  std::vector<int32_t> cursor(start.begin(), start.end() - 1);
  for (int32_t i = 0; i < n; ++i) members[cursor[label[i]]++] = i;
}

// Relabels to 0..C-1 by first occurrence; returns C. `map` is scratch of size n.
int32_t renumber_first(int32_t* memb, int32_t n, std::vector<int32_t>& map) {
  map.assign(n, -1);
  int32_t next = 0;
  for (int32_t i = 0; i < n; ++i) {
    int32_t& m = map[memb[i]];
    if (m < 0) m = next++;
    memb[i] = m;
  }
  return next;
}

// Relabels to 0..C-1 by decreasing size, ties by smallest node id; returns C.
int32_t renumber_canonical(int32_t* memb, int32_t n) {
  std::vector<int32_t> size(n, 0), first(n, -1), labels;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t c = memb[i];
    if (size[c]++ == 0) {
      first[c] = i;
      labels.push_back(c);
    }
  }
  std::sort(labels.begin(), labels.end(),
            [&](int32_t a, int32_t b) { return size[a] != size[b] ? size[a] > size[b] : first[a] < first[b]; });
  std::vector<int32_t>& map = first;  // reused: label -> rank
  for (size_t r = 0; r < labels.size(); ++r) map[labels[r]] = static_cast<int32_t>(r);
  for (int32_t i = 0; i < n; ++i) memb[i] = map[memb[i]];
  return static_cast<int32_t>(labels.size());
}

// ---------------------------------------------------------------------------------
// Fast local moving: nodes are visited from a queue (all of them first, in random
// order); a node moves to the neighbouring or empty community of largest strictly
// positive gain, and its neighbours outside that community are queued again.
// Labels in [0, n) on entry; renumbered by first occurrence on exit. Returns the count.

struct MoveSpace {
  std::vector<double> clusterWeight, edgeTo;
  std::vector<int32_t> clusterSize, neighbours, queue, empty, map;
  std::vector<uint8_t> added, queued;
};

template <class W>
int32_t fast_move(const Graph<W>& g, double gamma, int32_t* memb, Rng& rng, MoveSpace& s) {
  const int32_t n = g.n;
  s.clusterWeight.assign(n, 0.0);
  s.edgeTo.assign(n, 0.0);
  s.clusterSize.assign(n, 0);
  s.neighbours.resize(n);
  s.queue.resize(n);
  s.added.assign(n, 0);
  s.queued.assign(n, 1);
  s.empty.clear();
  for (int32_t i = 0; i < n; ++i) {
    s.clusterWeight[memb[i]] += g.nodeWeight[i];
    ++s.clusterSize[memb[i]];
  }
  for (int32_t c = n - 1; c >= 0; --c)
    if (s.clusterSize[c] == 0) s.empty.push_back(c);
  std::iota(s.queue.begin(), s.queue.end(), 0);
  shuffle(s.queue.data(), n, rng);

  int64_t head = 0, count = n;
  while (count > 0) {
    const int32_t v = s.queue[head];
    head = head + 1 == n ? 0 : head + 1;
    --count;
    s.queued[v] = 0;
    const int32_t cur = memb[v];
    const double wv = g.nodeWeight[v];
    s.clusterWeight[cur] -= wv;
    if (--s.clusterSize[cur] == 0) {
      s.clusterWeight[cur] = 0.0;  // no drift: an empty community weighs exactly 0
      s.empty.push_back(cur);
    }
    const int32_t vacant = s.empty.back();
    const int32_t pb = g.rowPtr[v], pe = g.rowPtr[v + 1];
    int32_t nn = 0;
    s.neighbours[nn++] = vacant;
    s.added[vacant] = 1;
    for (int32_t p = pb; p < pe; ++p) {
      const int32_t u = g.col[p];
      if (u == v) continue;
      const int32_t c = memb[u];
      if (!s.added[c]) {
        s.added[c] = 1;
        s.neighbours[nn++] = c;
      }
      s.edgeTo[c] += static_cast<double>(g.w[p]);
    }
    int32_t best = cur;
    double bestGain = s.edgeTo[cur] - wv * s.clusterWeight[cur] * gamma;
    for (int32_t k = 0; k < nn; ++k) {
      const int32_t c = s.neighbours[k];
      const double gain = s.edgeTo[c] - wv * s.clusterWeight[c] * gamma;
      if (gain > bestGain) {
        bestGain = gain;
        best = c;
      }
      s.edgeTo[c] = 0.0;
      s.added[c] = 0;
    }
    s.clusterWeight[best] += wv;
    if (s.clusterSize[best]++ == 0) {
      // best is an empty community: the vacant one on top of the stack (or cur itself, which is on top too).
      s.empty.pop_back();
    }
    if (best != cur) {
      memb[v] = best;
      for (int32_t p = pb; p < pe; ++p) {
        const int32_t u = g.col[p];
        if (!s.queued[u] && memb[u] != best) {
          s.queued[u] = 1;
          int64_t tail = head + count;
          if (tail >= n) tail -= n;
          s.queue[tail] = u;
          ++count;
        }
      }
    }
  }
  return renumber_first(memb, n, s.map);
}

// ---------------------------------------------------------------------------------
// Refinement: inside each community S of `memb`, start from singletons and visit the
// nodes once in random order; a node still alone and well connected to S
// (E(v, S−v) >= γ' w_v (W_S − w_v)) joins a well-connected sub-community C (or stays
// alone) with probability ∝ exp(ΔH/θ) over the non-negative gains ΔH. Communities are
// refined in parallel, each on its own seeded generator.

struct RefineSpace {
  std::vector<double> cw, ext, edgeTo, gain;
  std::vector<int32_t> rm, order, cand, label;
  std::vector<uint8_t> nonSingleton, added;
  void reset(int32_t s) {
    cw.assign(s, 0.0);
    ext.assign(s, 0.0);
    edgeTo.assign(s, 0.0);
    gain.resize(s);
    rm.resize(s);
    order.resize(s);
    cand.resize(s);
    label.assign(s, -1);
    nonSingleton.assign(s, 0);
    added.assign(s, 0);
  }
};

template <class W>
int32_t refine(const Graph<W>& g, double gamma, double theta, const int32_t* memb, int32_t C, uint64_t seed,
               int threads, std::vector<int32_t>& refined) {
  const int32_t n = g.n;
  std::vector<int32_t> start, members;
  group_by(memb, n, C, start, members);
  std::vector<int32_t> local(n);  // position of a node within its community
  for (int32_t c = 0; c < C; ++c)
    for (int32_t k = start[c]; k < start[c + 1]; ++k) local[members[k]] = k - start[c];
  // Largest communities first, for load balance only (each community's result is independent).
  std::vector<int32_t> order(C);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return start[a + 1] - start[a] > start[b + 1] - start[b];
  });
  std::vector<int32_t> localLabel(n);  // refined label within the community, by member position
  std::vector<int32_t> count(C);
  const int t = std::max(1, threads);
  std::vector<RefineSpace> spaces(t);

  parallel_dynamic(C, 8, t, [&](int64_t b, int64_t e, int ti) {
    RefineSpace& s = spaces[ti];
    for (int64_t k = b; k < e; ++k) {
      const int32_t c = order[k];
      const int32_t b0 = start[c], size = start[c + 1] - b0;
      const int32_t* mem = members.data() + b0;
      if (size == 1) {
        localLabel[b0] = 0;
        count[c] = 1;
        continue;
      }
      s.reset(size);
      double total = 0;
      for (int32_t i = 0; i < size; ++i) {
        const int32_t v = mem[i];
        s.rm[i] = i;
        s.cw[i] = g.nodeWeight[v];
        total += s.cw[i];
        double inside = 0;
        for (int32_t p = g.rowPtr[v]; p < g.rowPtr[v + 1]; ++p) {
          const int32_t u = g.col[p];
          if (u != v && memb[u] == c) inside += static_cast<double>(g.w[p]);
        }
        s.ext[i] = inside;
      }
      std::iota(s.order.begin(), s.order.end(), 0);
      Rng rng(stream_seed(seed, static_cast<uint64_t>(c), 0, 0));
      shuffle(s.order.data(), size, rng);

      for (int32_t q = 0; q < size; ++q) {
        const int32_t i = s.order[q];
        const int32_t cur = s.rm[i];  // == i: every node is visited once and only moves itself
        if (s.nonSingleton[cur]) continue;
        if (s.ext[cur] < s.cw[cur] * (total - s.cw[cur]) * gamma) continue;
        const int32_t v = mem[i];
        const double wv = g.nodeWeight[v];
        s.cw[cur] = 0.0;
        int32_t nc = 0;
        s.cand[nc++] = cur;
        s.added[cur] = 1;
        const int32_t pb = g.rowPtr[v], pe = g.rowPtr[v + 1];
        for (int32_t p = pb; p < pe; ++p) {
          const int32_t u = g.col[p];
          if (u == v || memb[u] != c) continue;
          const int32_t lc = s.rm[local[u]];
          if (!s.added[lc]) {
            s.added[lc] = 1;
            s.cand[nc++] = lc;
          }
          s.edgeTo[lc] += static_cast<double>(g.w[p]);
        }
        // Gains of the well-connected candidates; staying alone (cur, now empty) gains 0.
        double maxGain = 0.0;
        int32_t best = cur;
        for (int32_t j = 0; j < nc; ++j) {
          const int32_t lc = s.cand[j];
          double gj = -std::numeric_limits<double>::infinity();
          if (s.ext[lc] >= s.cw[lc] * (total - s.cw[lc]) * gamma) {
            gj = s.edgeTo[lc] - wv * s.cw[lc] * gamma;
            if (gj > maxGain) {
              maxGain = gj;
              best = lc;
            }
          }
          s.gain[j] = gj;
          s.edgeTo[lc] = 0.0;
          s.added[lc] = 0;
        }
        // Sample ∝ exp(gain/θ) among gains >= 0, shifted by the maximum (no overflow).
        double cum = 0.0;
        for (int32_t j = 0; j < nc; ++j) {
          if (s.gain[j] >= 0.0) cum += std::exp((s.gain[j] - maxGain) / theta);
          s.gain[j] = cum;  // now cumulative
        }
        int32_t chosen = best;
        const double r = rng.uniform() * cum;
        for (int32_t j = 0; j < nc; ++j)
          if (s.gain[j] > r) {
            chosen = s.cand[j];
            break;
          }
        if (chosen == cur) {
          s.cw[cur] = wv;
          continue;
        }
        s.cw[chosen] += wv;
        for (int32_t p = pb; p < pe; ++p) {
          const int32_t u = g.col[p];
          if (u == v || memb[u] != c) continue;
          if (s.rm[local[u]] == chosen)
            s.ext[chosen] -= static_cast<double>(g.w[p]);
          else
            s.ext[chosen] += static_cast<double>(g.w[p]);
        }
        s.rm[i] = chosen;
        s.nonSingleton[chosen] = 1;
      }
      int32_t next = 0;
      for (int32_t i = 0; i < size; ++i) {
        int32_t& l = s.label[s.rm[i]];
        if (l < 0) l = next++;
        localLabel[b0 + i] = l;
      }
      count[c] = next;
    }
  });

  std::vector<int32_t> offset(static_cast<size_t>(C) + 1, 0);
  for (int32_t c = 0; c < C; ++c) offset[c + 1] = offset[c] + count[c];
  refined.resize(n);
  parallel_for(n, t, [&](int64_t b, int64_t e, int) {
    for (int64_t v = b; v < e; ++v) {
      const int32_t c = memb[v];
      refined[v] = offset[c] + localLabel[start[c] + local[v]];
    }
  });
  return offset[C];
}

// ---------------------------------------------------------------------------------
// Aggregation: one node per refined community, A' = Sᵀ A S (internal weight becomes a
// self loop), node weights summed; the aggregate node's community is its members' one.

template <class W>
void aggregate(const Graph<W>& g, const int32_t* refined, int32_t R, const int32_t* memb, int threads,
               OwnedGraph& out, std::vector<int32_t>& aggMemb) {
  const int32_t n = g.n;
  std::vector<int32_t> start, members;
  group_by(refined, n, R, start, members);
  out.nodeWeight.assign(R, 0.0);
  aggMemb.resize(R);
  std::vector<int32_t> rowLen(R);
  const int64_t nb = (R + kBlock - 1) / kBlock;
  struct Block {
    std::vector<int32_t> col;
    std::vector<double> w;
  };
  std::vector<Block> blocks(nb);
  const int t = static_cast<int>(std::min<int64_t>(std::max(1, threads), nb));
  std::vector<std::vector<double>> acc(t);
  std::vector<std::vector<int32_t>> mark(t);
  parallel_dynamic(nb, 1, t, [&](int64_t b, int64_t e, int ti) {
    std::vector<double>& a = acc[ti];
    std::vector<int32_t>& mk = mark[ti];
    if (a.empty()) {
      a.assign(R, 0.0);
      mk.assign(R, -1);
    }
    std::vector<int32_t> touched;
    for (int64_t blk = b; blk < e; ++blk) {
      Block& B = blocks[blk];
      const int64_t r0 = blk * kBlock, r1 = std::min<int64_t>(R, (blk + 1) * kBlock);
      int64_t bound = 0;  // entries of the members: an upper bound of the block's aggregate entries
      for (int32_t k = start[r0]; k < start[r1]; ++k) bound += g.rowPtr[members[k] + 1] - g.rowPtr[members[k]];
      B.col.reserve(bound);
      B.w.reserve(bound);
      for (int64_t r = blk * kBlock, rend = std::min<int64_t>(R, (blk + 1) * kBlock); r < rend; ++r) {
        touched.clear();
        double nw = 0;
        for (int32_t k = start[r]; k < start[r + 1]; ++k) {
          const int32_t v = members[k];
          nw += g.nodeWeight[v];
          for (int32_t p = g.rowPtr[v]; p < g.rowPtr[v + 1]; ++p) {
            const int32_t rr = refined[g.col[p]];
            if (mk[rr] != r) {
              mk[rr] = static_cast<int32_t>(r);
              a[rr] = 0.0;
              touched.push_back(rr);
            }
            a[rr] += static_cast<double>(g.w[p]);
          }
        }
        out.nodeWeight[r] = nw;
        aggMemb[r] = memb[members[start[r]]];
        rowLen[r] = static_cast<int32_t>(touched.size());
        for (int32_t rr : touched) {
          B.col.push_back(rr);
          B.w.push_back(a[rr]);
        }
      }
    }
  });
  out.rowPtr.assign(static_cast<size_t>(R) + 1, 0);
  for (int32_t r = 0; r < R; ++r) out.rowPtr[r + 1] = out.rowPtr[r] + rowLen[r];
  out.col.resize(out.rowPtr[R]);
  out.w.resize(out.rowPtr[R]);
  parallel_for(nb, t, [&](int64_t b, int64_t e, int) {
    for (int64_t blk = b; blk < e; ++blk) {
      Block& B = blocks[blk];
      const int32_t at = out.rowPtr[blk * kBlock];
      std::copy(B.col.begin(), B.col.end(), out.col.begin() + at);
      std::copy(B.w.begin(), B.w.end(), out.w.begin() + at);
      B = Block{};
    }
  });
}

// One Leiden iteration from the partition in memb (labels in [0, n)); leaves the new
// partition in memb (labels in [0, n), not yet canonical).
void iterate(const Graph<float>& g0, double gamma, const LeidenParams& p, int it, int threads, std::vector<int32_t>& memb,
             MoveSpace& ms) {
  const int32_t n = g0.n;
  const uint64_t iter = static_cast<uint64_t>(it);
  Rng r0(stream_seed(p.seed, iter, 0, kMoveStream));
  int32_t C = fast_move(g0, gamma, memb.data(), r0, ms);
  if (C == n) return;
  std::vector<int32_t> refined;
  int32_t R = refine(g0, gamma, p.randomness, memb.data(), C, stream_seed(p.seed, iter, 0, kRefineStream), threads,
                     refined);
  if (R == n) {
    refined = memb;
    R = C;
  }
  std::vector<int32_t> aggNode = refined;  // the node of the current level that holds each input node
  OwnedGraph G;
  std::vector<int32_t> P;
  aggregate(g0, refined.data(), R, memb.data(), threads, G, P);
  for (uint64_t level = 1;; ++level) {
    const Graph<double> gv = G.view();
    Rng r(stream_seed(p.seed, iter, level, kMoveStream));
    C = fast_move(gv, gamma, P.data(), r, ms);
    if (C == gv.n) break;
    R = refine(gv, gamma, p.randomness, P.data(), C, stream_seed(p.seed, iter, level, kRefineStream), threads, refined);
    if (R == gv.n) {
      refined = P;
      R = C;
    }
    parallel_for(n, threads, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) aggNode[i] = refined[aggNode[i]];
    });
    OwnedGraph G2;
    std::vector<int32_t> P2;
    aggregate(gv, refined.data(), R, P.data(), threads, G2, P2);
    G = std::move(G2);
    P = std::move(P2);
  }
  parallel_for(n, threads, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) memb[i] = P[aggNode[i]];
  });
}

double quality_unchecked(const CsrView& g, const int32_t* memb, LeidenObjective objective, double resolution,
                         int threads) {
  const int32_t n = g.n;
  const bool modularity = objective == LeidenObjective::Modularity;
  if (n == 0) return modularity ? std::numeric_limits<double>::quiet_NaN() : 0.0;
  const int64_t nb = (n + kBlock - 1) / kBlock;
  std::vector<double> inside(nb, 0.0), degree(n, 0.0);
  parallel_dynamic(nb, 1, threads, [&](int64_t b, int64_t e, int) {
    for (int64_t k = b; k < e; ++k) {
      double in = 0;
      for (int64_t i = k * kBlock, end = std::min<int64_t>(n, (k + 1) * kBlock); i < end; ++i) {
        const int32_t ci = memb[i];
        double d = 0;
        for (int32_t p = g.rowPtr[i]; p < g.rowPtr[i + 1]; ++p) {
          const double w = static_cast<double>(g.w[p]);
          d += w;
          if (memb[g.col[p]] == ci) in += w;
        }
        degree[i] = d;
      }
      inside[k] = in;
    }
  });
  double in = 0;
  for (double v : inside) in += v;
  std::vector<double> perCommunity(n, 0.0);
  double penalty = 0;
  if (modularity) {
    const double total = block_sum(degree.data(), n, threads);
    if (!(total > 0)) return std::numeric_limits<double>::quiet_NaN();
    for (int32_t i = 0; i < n; ++i) perCommunity[memb[i]] += degree[i];
    for (double K : perCommunity) penalty += K * K;
    return (in - resolution * penalty / total) / total;
  }
  for (int32_t i = 0; i < n; ++i) perCommunity[memb[i]] += 1.0;
  for (double s : perCommunity) penalty += s * (s - 1.0) / 2.0;
  return in / 2.0 - resolution * penalty;
}

void check_params(const LeidenParams& p) {
  if (!std::isfinite(p.resolution) || p.resolution < 0)
    throw Error(kInvalidArg, "resolution must be a finite number >= 0, received " + std::to_string(p.resolution));
  if (!std::isfinite(p.randomness) || !(p.randomness > 0))
    throw Error(kInvalidArg, "randomness must be a finite number > 0, received " + std::to_string(p.randomness));
  if (p.iterations < -1)
    throw Error(kInvalidArg, "iterations must be -1 or an integer >= 0, received " + std::to_string(p.iterations));
}

}  // namespace

void check_csr(const CsrView& g) {
  if (g.n < 0) throw Error(kInvalidArg, "n must be >= 0, received " + std::to_string(g.n));
  if (g.nnz < 0 || g.nnz > std::numeric_limits<int32_t>::max())
    throw Error(kInvalidArg, "the number of edges must be in [0, 2^31 - 1], received " + std::to_string(g.nnz));
  if (!g.rowPtr) throw Error(kInvalidArg, "rowPtr is missing");
  if (g.nnz > 0 && (!g.col || !g.w)) throw Error(kInvalidArg, "colIdx or weights is missing");
  if (g.rowPtr[0] != 0) throw Error(kInvalidArg, "rowPtr[0] must be 0, received " + std::to_string(g.rowPtr[0]));
  for (int32_t i = 0; i < g.n; ++i)
    if (g.rowPtr[i + 1] < g.rowPtr[i])
      throw Error(kInvalidArg, "rowPtr must be non-decreasing, received rowPtr[" + std::to_string(i + 1) +
                                   "] = " + std::to_string(g.rowPtr[i + 1]) + " < rowPtr[" + std::to_string(i) +
                                   "] = " + std::to_string(g.rowPtr[i]));
  if (g.rowPtr[g.n] != g.nnz)
    throw Error(kInvalidArg, "rowPtr[n] must equal the length of colIdx and weights (" + std::to_string(g.nnz) +
                                 "), received " + std::to_string(g.rowPtr[g.n]));
  for (int64_t p = 0; p < g.nnz; ++p) {
    if (g.col[p] < 0 || g.col[p] >= g.n)
      throw Error(kInvalidArg, "colIdx[" + std::to_string(p) + "] = " + std::to_string(g.col[p]) +
                                   " is not a node index in [0, " + std::to_string(g.n) + ")");
    const float w = g.w[p];
    if (!std::isfinite(w) || w < 0)
      throw Error(kInvalidArg, "weights[" + std::to_string(p) + "] = " + std::to_string(w) +
                                   " is not a finite number >= 0");
  }
}

LeidenResult leiden(const CsrView& g, const LeidenParams& p) {
  check_csr(g);
  check_params(p);
  const int threads = resolve_threads(p.threads);
  const int32_t n = g.n;
  LeidenResult res;
  if (n == 0) {
    res.quality = quality_unchecked(g, nullptr, p.objective, p.resolution, threads);
    return res;
  }
  std::vector<double> nodeWeight(n);
  parallel_for(n, threads, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      double d = 0;
      for (int32_t q = g.rowPtr[i]; q < g.rowPtr[i + 1]; ++q) d += static_cast<double>(g.w[q]);
      nodeWeight[i] = d;
    }
  });
  double gamma = p.resolution;
  if (p.objective == LeidenObjective::Modularity) {
    const double total = block_sum(nodeWeight.data(), n, threads);
    gamma = total > 0 ? p.resolution / total : 0.0;  // no edge weight: nothing to gain, singletons stay
  } else {
    std::fill(nodeWeight.begin(), nodeWeight.end(), 1.0);
  }
  const Graph<float> g0{n, g.rowPtr, g.col, g.w, nodeWeight.data()};

  std::vector<int32_t> memb(n), prev(n);
  std::iota(memb.begin(), memb.end(), 0);
  prev = memb;
  const int maxIterations = p.iterations < 0 ? kLeidenMaxIterations : p.iterations;
  MoveSpace ms;
  int32_t C = n;
  int it = 0;
  while (it < maxIterations) {
    iterate(g0, gamma, p, it, threads, memb, ms);
    ++it;
    C = renumber_canonical(memb.data(), n);
    const bool changed = memb != prev;
    prev = memb;
    if (p.iterations < 0 && !changed) break;
  }
  res.communities = C;
  res.iterations = it;
  res.quality = quality_unchecked(g, memb.data(), p.objective, p.resolution, threads);
  res.membership = std::move(memb);
  return res;
}

double partition_quality(const CsrView& g, const int32_t* membership, LeidenObjective objective, double resolution,
                         int threads) {
  check_csr(g);
  if (!std::isfinite(resolution) || resolution < 0)
    throw Error(kInvalidArg, "resolution must be a finite number >= 0, received " + std::to_string(resolution));
  if (g.n > 0 && !membership) throw Error(kInvalidArg, "membership is missing");
  for (int32_t i = 0; i < g.n; ++i)
    if (membership[i] < 0 || membership[i] >= g.n)
      throw Error(kInvalidArg, "membership[" + std::to_string(i) + "] = " + std::to_string(membership[i]) +
                                   " is not a community index in [0, " + std::to_string(g.n) + ")");
  return quality_unchecked(g, membership, objective, resolution, resolve_threads(threads));
}

}  // namespace tr
