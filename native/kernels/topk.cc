// Fused tiled GEMM + per-row top-k selection (see topk.h).
//
// Work items are (query tile, base segment) pairs. Normally there is one segment (all of
// B) and items are the query tiles; when there are fewer query tiles than threads, B is
// split into segments on base-tile boundaries so every thread has work, and the
// per-segment heaps are merged exactly at the end.
//
// Per row the heap is a bounded min-heap on the candidate order (root = the worst kept
// candidate, its key the admission threshold). Within an item, base columns are visited
// in ascending index order, so a candidate equal to the threshold is never better (the
// kept one has the lower index): the hot test is a plain `key > threshold`, done 16 or
// 8 lanes at a time with AVX-512 / AVX2 chosen at run time, with a portable fallback.
#include "topk.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "error.h"
#include "gemm.h"
#include "gemm_isa.h"
#include "parallel.h"
#include "similarity.h"

#if defined(__x86_64__) || defined(__i386__)
#define TR_X86 1
#include <immintrin.h>
#endif

namespace tr {
namespace {

// Defaults tuned at d = 256 and 384 on both GEMM backends (AVX-512 Zen, 2 cores): OpenBLAS
// packs both operands on every call, so it wants the larger query tile; the built-in path
// packs them once and prefers its packed query tile to stay in L2.
constexpr int64_t kDefaultTQBuiltin = 256, kDefaultTQOpenBlas = 512, kDefaultTB = 1024;
std::atomic<int64_t> g_tq{0}, g_tb{0};

// A bounded heap over parallel key/index arrays; root = worst kept candidate.
struct Heap {
  float* key;
  int32_t* idx;
  int64_t size, cap;

  static bool worse(float ka, int32_t ia, float kb, int32_t ib) { return better(kb, ib, ka, ia); }

  void sift_down(int64_t i) {
    const float kv = key[i];
    const int32_t iv = idx[i];
    for (;;) {
      int64_t c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && worse(key[c + 1], idx[c + 1], key[c], idx[c])) ++c;
      if (!worse(key[c], idx[c], kv, iv)) break;
      key[i] = key[c];
      idx[i] = idx[c];
      i = c;
    }
    key[i] = kv;
    idx[i] = iv;
  }
  void push(float kv, int32_t iv) {  // size < cap
    int64_t i = size++;
    while (i > 0) {
      int64_t parent = (i - 1) / 2;
      if (!worse(kv, iv, key[parent], idx[parent])) break;
      key[i] = key[parent];
      idx[i] = idx[parent];
      i = parent;
    }
    key[i] = kv;
    idx[i] = iv;
  }
  void replace_root(float kv, int32_t iv) {
    key[0] = kv;
    idx[0] = iv;
    sift_down(0);
  }
  // Offers a candidate under the full order (used when merging segments).
  void offer(float kv, int32_t iv) {
    if (size < cap)
      push(kv, iv);
    else if (better(kv, iv, key[0], idx[0]))
      replace_root(kv, iv);
  }
  // In-place heap sort: afterwards [0, size) runs best first.
  void sort_best_first() {
    for (int64_t n = size; n > 1; --n) {
      std::swap(key[0], key[n - 1]);
      std::swap(idx[0], idx[n - 1]);
      size = n - 1;
      sift_down(0);
    }
    size = 0;
  }
};

// Scans x[0, n) (columns col0 + j, ascending) into a full heap.
using ScanFn = void (*)(const float* x, int64_t n, int32_t col0, Heap& h);
// s[j] ← l2 key of (qn, bn[j], s[j] = 2·q·b).
using L2Fn = void (*)(float* s, int64_t n, float qn, const float* bn);

void scan_portable(const float* x, int64_t n, int32_t col0, Heap& h) {
  float thr = h.key[0];
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    bool any = false;
    for (int64_t u = 0; u < 8; ++u) any |= x[j + u] > thr;
    if (!any) continue;
    for (int64_t u = 0; u < 8; ++u)
      if (x[j + u] > thr) {
        h.replace_root(x[j + u], col0 + static_cast<int32_t>(j + u));
        thr = h.key[0];
      }
  }
  for (; j < n; ++j)
    if (x[j] > thr) {
      h.replace_root(x[j], col0 + static_cast<int32_t>(j));
      thr = h.key[0];
    }
}

void l2_portable(float* s, int64_t n, float qn, const float* bn) {
  for (int64_t j = 0; j < n; ++j) s[j] = l2_key(qn, bn[j], s[j]);
}

#ifdef TR_X86
__attribute__((target("avx2"))) void scan_avx2(const float* x, int64_t n, int32_t col0, Heap& h) {
  float thr = h.key[0];
  __m256 t = _mm256_set1_ps(thr);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m256 a = _mm256_cmp_ps(_mm256_loadu_ps(x + j), t, _CMP_GT_OQ);
    const __m256 b = _mm256_cmp_ps(_mm256_loadu_ps(x + j + 8), t, _CMP_GT_OQ);
    unsigned m = static_cast<unsigned>(_mm256_movemask_ps(a)) | (static_cast<unsigned>(_mm256_movemask_ps(b)) << 8);
    if (!m) continue;
    do {
      const int u = __builtin_ctz(m);
      m &= m - 1;
      if (x[j + u] > thr) {
        h.replace_root(x[j + u], col0 + static_cast<int32_t>(j + u));
        thr = h.key[0];
      }
    } while (m);
    t = _mm256_set1_ps(thr);
  }
  for (; j < n; ++j)
    if (x[j] > thr) {
      h.replace_root(x[j], col0 + static_cast<int32_t>(j));
      thr = h.key[0];
    }
}

__attribute__((target("avx2"))) void l2_avx2(float* s, int64_t n, float qn, const float* bn) {
  for (int64_t j = 0; j < n; ++j) s[j] = l2_key(qn, bn[j], s[j]);
}

__attribute__((target("avx512f"))) void scan_avx512(const float* x, int64_t n, int32_t col0, Heap& h) {
  float thr = h.key[0];
  __m512 t = _mm512_set1_ps(thr);
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    const __mmask16 a = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + j), t, _CMP_GT_OQ);
    const __mmask16 b = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + j + 16), t, _CMP_GT_OQ);
    uint32_t m = static_cast<uint32_t>(a) | (static_cast<uint32_t>(b) << 16);
    if (!m) continue;
    do {
      const int u = __builtin_ctz(m);
      m &= m - 1;
      if (x[j + u] > thr) {
        h.replace_root(x[j + u], col0 + static_cast<int32_t>(j + u));
        thr = h.key[0];
      }
    } while (m);
    t = _mm512_set1_ps(thr);
  }
  for (; j < n; ++j)
    if (x[j] > thr) {
      h.replace_root(x[j], col0 + static_cast<int32_t>(j));
      thr = h.key[0];
    }
}

__attribute__((target("avx512f"))) void l2_avx512(float* s, int64_t n, float qn, const float* bn) {
  for (int64_t j = 0; j < n; ++j) s[j] = l2_key(qn, bn[j], s[j]);
}
#endif

struct Isa {
  ScanFn scan;
  L2Fn l2;
};

Isa pick_isa() {
#ifdef TR_X86
  switch (builtin_gemm_isa()) {
    case GemmIsa::Avx512:
      return {scan_avx512, l2_avx512};
    case GemmIsa::Avx2:
      return {scan_avx2, l2_avx2};
    default:
      break;
  }
#endif
  return {scan_portable, l2_portable};
}

// Feeds columns [0, n) of one row segment (absolute index col0 + j) into h.
inline void select_range(Heap& h, const float* x, int64_t n, int32_t col0, ScanFn scan) {
  int64_t j = 0;
  for (; j < n && h.size < h.cap; ++j) h.push(sanitize_key(x[j]), col0 + static_cast<int32_t>(j));
  if (j < n) scan(x + j, n - j, col0 + static_cast<int32_t>(j), h);
}

}  // namespace

int64_t topk_effective_k(int64_t nb, int64_t k, bool excludeSelf) {
  int64_t cand = excludeSelf ? nb - 1 : nb;
  return std::max<int64_t>(0, std::min(k, cand));
}

void set_topk_tiles(TopkTiles t) {
  g_tq.store(std::max<int64_t>(0, t.query));
  g_tb.store(std::max<int64_t>(0, t.base));
}

TopkTiles topk_tiles() {
  TopkTiles t;
  const int64_t tq = gemm_backend() == GemmBackend::Builtin ? kDefaultTQBuiltin : kDefaultTQOpenBlas;
  t.query = g_tq.load() > 0 ? g_tq.load() : tq;
  t.base = g_tb.load() > 0 ? g_tb.load() : kDefaultTB;
  return t;
}

void topk(const TopkParams& p, const float* Q, int64_t nq, const float* B, int64_t nb, int64_t d, int32_t* idx,
          float* score, bool writable) {
  if (p.excludeSelf && nq != nb) throw Error(kInvalidArg, "excludeSelf needs Q and B with the same number of rows");
  const int64_t kk = topk_effective_k(nb, p.k, p.excludeSelf);
  if (nq <= 0 || kk <= 0) return;
  const int T = resolve_threads(p.threads);
  const bool same = Q == B && nq == nb;
  Operand qo = prepare_operand(p.metric, Q, nq, d, writable, T);
  Operand bo_own;
  const Operand* bo = &qo;
  if (!same) {
    bo_own = prepare_operand(p.metric, B, nb, d, writable, T);
    bo = &bo_own;
  }
  const TopkTiles tiles = topk_tiles();
  const int64_t TQ = tiles.query, TB = tiles.base;
  const int64_t nqt = (nq + TQ - 1) / TQ, nbt = (nb + TB - 1) / TB;

  // Split B into segments only when the query tiles cannot keep every thread busy, and
  // only while the per-segment heaps stay small.
  int64_t segs = 1;
  if (nqt < T && nbt > 1) {
    segs = std::min<int64_t>(nbt, (T + nqt - 1) / nqt);
    while (segs > 1 && static_cast<double>(segs) * nq * kk * 8 > 256.0 * (1 << 20)) --segs;
  }
  const int64_t tiles_per_seg = (nbt + segs - 1) / segs;
  segs = (nbt + tiles_per_seg - 1) / tiles_per_seg;

  std::vector<float> seg_key;
  std::vector<int32_t> seg_idx;
  std::vector<int64_t> seg_size;
  if (segs > 1) {
    seg_key.resize(static_cast<size_t>(segs * nq * kk));
    seg_idx.resize(seg_key.size());
    seg_size.assign(static_cast<size_t>(segs * nq), 0);
  }

  const Isa isa = pick_isa();
  const float alpha = metric_alpha(p.metric);
  const bool l2 = p.metric == Metric::L2;
  std::vector<std::vector<float>> scratch(static_cast<size_t>(T));

  // With the built-in GEMM, B is packed once (tile by tile) and each query tile once,
  // instead of both on every GEMM call; the products are bitwise the same.
  const bool prepacked = gemm_backend() == GemmBackend::Builtin;
  const GemmIsa gisa = builtin_gemm_isa();
  const size_t bt_stride = prepacked ? builtin_packed_bt_size(gisa, TB, d) : 0;
  std::vector<float> bpacked;
  std::vector<std::vector<float>> apacked(static_cast<size_t>(T));
  if (prepacked) {
    bpacked.resize(bt_stride * static_cast<size_t>(nbt));
    parallel_dynamic(nbt, 1, T, [&](int64_t tb, int64_t te, int) {
      for (int64_t bt = tb; bt < te; ++bt) {
        const int64_t b0 = bt * TB;
        builtin_pack_bt(gisa, bo->data + b0 * d, d, std::min(TB, nb - b0), d, bpacked.data() + bt * bt_stride);
      }
    });
  }

  parallel_dynamic(nqt * segs, 1, T, [&](int64_t ib, int64_t ie, int tid) {
    std::vector<float>& tile = scratch[static_cast<size_t>(tid)];
    if (tile.size() < static_cast<size_t>(TQ * TB)) tile.resize(static_cast<size_t>(TQ * TB));
    std::vector<Heap> heaps(static_cast<size_t>(TQ));
    for (int64_t item = ib; item < ie; ++item) {
      const int64_t qt = item / segs, s = item % segs;
      const int64_t q0 = qt * TQ, mq = std::min(TQ, nq - q0);
      for (int64_t r = 0; r < mq; ++r) {
        Heap& h = heaps[static_cast<size_t>(r)];
        const int64_t row = q0 + r;
        if (segs == 1) {
          h.key = score + row * kk;
          h.idx = idx + row * kk;
        } else {
          h.key = seg_key.data() + (s * nq + row) * kk;
          h.idx = seg_idx.data() + (s * nq + row) * kk;
        }
        h.size = 0;
        h.cap = kk;
      }
      const int64_t t0 = s * tiles_per_seg, t1 = std::min(nbt, t0 + tiles_per_seg);
      std::vector<float>& ap = apacked[static_cast<size_t>(tid)];
      if (prepacked) {
        ap.resize(builtin_packed_a_size(gisa, mq, d));
        builtin_pack_a(gisa, qo.data + q0 * d, d, mq, d, ap.data());
      }
      for (int64_t bt = t0; bt < t1; ++bt) {
        const int64_t b0 = bt * TB, mb = std::min(TB, nb - b0);
        if (prepacked)
          builtin_gemm_packed(gisa, mq, mb, d, alpha, ap.data(), bpacked.data() + bt * bt_stride, tile.data(), TB);
        else
          sgemm(false, true, mq, mb, d, alpha, qo.data + q0 * d, d, bo->data + b0 * d, d, 0.f, tile.data(), TB);
        for (int64_t r = 0; r < mq; ++r) {
          float* x = tile.data() + r * TB;
          const int64_t row = q0 + r;
          if (l2) isa.l2(x, mb, qo.sq[static_cast<size_t>(row)], bo->sq.data() + b0);
          Heap& h = heaps[static_cast<size_t>(r)];
          const int32_t c0 = static_cast<int32_t>(b0);
          if (p.excludeSelf && row >= b0 && row < b0 + mb) {
            const int64_t self = row - b0;
            select_range(h, x, self, c0, isa.scan);
            select_range(h, x + self + 1, mb - self - 1, c0 + static_cast<int32_t>(self + 1), isa.scan);
          } else {
            select_range(h, x, mb, c0, isa.scan);
          }
        }
      }
      for (int64_t r = 0; r < mq; ++r) {
        Heap& h = heaps[static_cast<size_t>(r)];
        if (segs == 1) {
          h.sort_best_first();
        } else {
          seg_size[static_cast<size_t>(s * nq + q0 + r)] = h.size;
        }
      }
    }
  });

  if (segs > 1) {
    parallel_for(nq, T, [&](int64_t rb, int64_t re, int) {
      for (int64_t row = rb; row < re; ++row) {
        Heap h{score + row * kk, idx + row * kk, 0, kk};
        for (int64_t s = 0; s < segs; ++s) {
          const float* sk = seg_key.data() + (s * nq + row) * kk;
          const int32_t* si = seg_idx.data() + (s * nq + row) * kk;
          const int64_t n = seg_size[static_cast<size_t>(s * nq + row)];
          for (int64_t j = 0; j < n; ++j) h.offer(sk[j], si[j]);
        }
        if (h.size != kk) throw Error(kInternal, "topk: a row ended with fewer candidates than k");
        h.sort_best_first();
      }
    });
  }
  if (l2) {
    const int64_t total = nq * kk;
    for (int64_t i = 0; i < total; ++i) score[i] = key_to_score(Metric::L2, score[i]);
  }
}

}  // namespace tr
