// Randomized truncated SVD of a sparse matrix, blocked CGS2 orthonormalisation and a
// cyclic Jacobi eigensolver (see svd.h for the algorithm).
#include "svd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "error.h"
#include "gemm.h"
#include "parallel.h"

// Hot loops get an AVX2 clone picked at load time (the portable build targets plain x86-64).
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define TR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TR_CLONES
#endif

namespace tr::svd {
namespace {

constexpr int64_t kChunk = 2048;  // rows per fixed reduction chunk (independent of threads)
constexpr int64_t kBlock = 32;    // columns per Gram–Schmidt block
// A column whose norm after two orthogonalisation passes is below this fraction of its
// original norm is taken as dependent on the earlier columns (and set to zero).
constexpr double kDependent = 1e-4;

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** seeded through splitmix64.
struct Rng {
  uint64_t s[4];
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& v : s) v = splitmix(x);
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
};

// Standard normal values (Box–Muller), generated in order so they depend on the seed only.
void gaussian(float* out, int64_t n, uint64_t seed) {
  Rng g(seed ^ 0x6a09e667f3bcc909ull);
  const double two_pi = 6.283185307179586476925286766559;
  for (int64_t i = 0; i < n; i += 2) {
    const double u1 = g.uniform(), u2 = g.uniform();
    const double rad = std::sqrt(-2.0 * std::log(u1));
    out[i] = static_cast<float>(rad * std::cos(two_pi * u2));
    if (i + 1 < n) out[i + 1] = static_cast<float>(rad * std::sin(two_pi * u2));
  }
}

// y[r0:r1, :] = A[r0:r1, :] · B, B [cols × l].
TR_CLONES void spmm_rows(const Csr& a, const float* b, int64_t l, float* y, int64_t r0, int64_t r1) {
  for (int64_t i = r0; i < r1; ++i) {
    float* __restrict yi = y + i * l;
    std::fill(yi, yi + l, 0.f);
    for (int64_t e = a.indptr[i]; e < a.indptr[i + 1]; ++e) {
      const float v = a.values[e];
      const float* __restrict br = b + static_cast<int64_t>(a.indices[e]) * l;
      for (int64_t j = 0; j < l; ++j) yi[j] += v * br[j];
    }
  }
}

void spmm(const Csr& a, const float* b, int64_t l, float* y, int threads) {
  parallel_dynamic(a.rows, 64, threads, [&](int64_t r0, int64_t r1, int) { spmm_rows(a, b, l, y, r0, r1); });
}

// z[c0:c1, :] = (Aᵀ · Q)[c0:c1, :]: scans every row, keeps the entries of its columns, so
// each output row is summed over the rows in order by one thread.
TR_CLONES void spmm_t_range(const Csr& a, const float* q, int64_t l, float* z, int64_t c0, int64_t c1) {
  std::fill(z + c0 * l, z + c1 * l, 0.f);
  for (int64_t i = 0; i < a.rows; ++i) {
    const float* __restrict qi = q + i * l;
    for (int64_t e = a.indptr[i]; e < a.indptr[i + 1]; ++e) {
      const int64_t c = a.indices[e];
      if (c < c0 || c >= c1) continue;
      const float v = a.values[e];
      float* __restrict zr = z + c * l;
      for (int64_t j = 0; j < l; ++j) zr[j] += v * qi[j];
    }
  }
}

// Column ranges with about equal numbers of non-zeros, one per thread.
std::vector<int64_t> column_parts(const Csr& a, int threads) {
  std::vector<int64_t> cnt(static_cast<size_t>(a.cols) + 1, 0);
  const int64_t nnz = a.indptr[a.rows];
  for (int64_t e = 0; e < nnz; ++e) ++cnt[static_cast<size_t>(a.indices[e])];
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, a.cols));
  std::vector<int64_t> bounds{0};
  int64_t acc = 0;
  for (int64_t c = 0; c < a.cols; ++c) {
    acc += cnt[static_cast<size_t>(c)];
    const int64_t p = static_cast<int64_t>(bounds.size());
    if (p < parts && acc * parts >= nnz * p && c + 1 < a.cols) bounds.push_back(c + 1);
  }
  bounds.push_back(a.cols);
  return bounds;
}

void spmm_t(const Csr& a, const std::vector<int64_t>& parts, const float* q, int64_t l, float* z) {
  const int64_t n = static_cast<int64_t>(parts.size()) - 1;
  parallel_for(n, static_cast<int>(n), [&](int64_t b, int64_t e, int) {
    for (int64_t p = b; p < e; ++p) spmm_t_range(a, q, l, z, parts[static_cast<size_t>(p)], parts[static_cast<size_t>(p) + 1]);
  });
}

TR_CLONES double dot(const float* __restrict x, const float* __restrict y, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += static_cast<double>(x[i + k]) * static_cast<double>(y[i + k]);
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(y[i]);
  return s;
}

TR_CLONES void axpy(float alpha, const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace

void orthonormalize(float* y, int64_t m, int64_t l, float* r, int threads) {
  threads = resolve_threads(threads);
  if (r) std::fill(r, r + l * l, 0.f);
  if (m <= 0 || l <= 0) return;
  const int64_t nch = (m + kChunk - 1) / kChunk;
  std::vector<float> part, c, t(static_cast<size_t>(std::min(kBlock, l) * m));
  std::vector<double> orig(kBlock), coef(kBlock);
  for (int64_t j0 = 0; j0 < l; j0 += kBlock) {
    const int64_t w = std::min(kBlock, l - j0);
    // Transposed copy of the block: column jj is t[jj·m, (jj+1)·m).
    for (int64_t i = 0; i < m; ++i)
      for (int64_t jj = 0; jj < w; ++jj) t[static_cast<size_t>(jj * m + i)] = y[i * l + j0 + jj];
    for (int64_t jj = 0; jj < w; ++jj) {
      const float* col = t.data() + jj * m;
      orig[static_cast<size_t>(jj)] = std::sqrt(dot(col, col, m));
    }
    if (j0 > 0) {
      // Two passes of block projection against the finished columns [0, j0).
      part.assign(static_cast<size_t>(nch * j0 * w), 0.f);
      c.assign(static_cast<size_t>(j0 * w), 0.f);
      for (int pass = 0; pass < 2; ++pass) {
        parallel_dynamic(nch, 1, threads, [&](int64_t b, int64_t e, int) {
          for (int64_t ch = b; ch < e; ++ch) {
            const int64_t r0 = ch * kChunk, rows = std::min(kChunk, m - r0);
            sgemm(true, false, j0, w, rows, 1.f, y + r0 * l, l, y + r0 * l + j0, l, 0.f, part.data() + ch * j0 * w, w);
          }
        });
        std::fill(c.begin(), c.end(), 0.f);
        for (int64_t ch = 0; ch < nch; ++ch) {
          const float* pc = part.data() + ch * j0 * w;
          for (int64_t k = 0; k < j0 * w; ++k) c[static_cast<size_t>(k)] += pc[k];
        }
        parallel_dynamic(nch, 1, threads, [&](int64_t b, int64_t e, int) {
          for (int64_t ch = b; ch < e; ++ch) {
            const int64_t r0 = ch * kChunk, rows = std::min(kChunk, m - r0);
            sgemm(false, false, rows, w, j0, -1.f, y + r0 * l, l, c.data(), w, 1.f, y + r0 * l + j0, l);
          }
        });
        if (r)
          for (int64_t i = 0; i < j0; ++i)
            for (int64_t jj = 0; jj < w; ++jj) r[i * l + j0 + jj] += c[static_cast<size_t>(i * w + jj)];
      }
      for (int64_t i = 0; i < m; ++i)
        for (int64_t jj = 0; jj < w; ++jj) t[static_cast<size_t>(jj * m + i)] = y[i * l + j0 + jj];
    }
    // Inside the block, column by column (CGS2), then normalise.
    for (int64_t jj = 0; jj < w; ++jj) {
      float* tj = t.data() + jj * m;
      for (int pass = 0; pass < 2; ++pass) {
        for (int64_t ii = 0; ii < jj; ++ii) coef[static_cast<size_t>(ii)] = dot(t.data() + ii * m, tj, m);
        for (int64_t ii = 0; ii < jj; ++ii) {
          axpy(static_cast<float>(-coef[static_cast<size_t>(ii)]), t.data() + ii * m, tj, m);
          if (r) r[(j0 + ii) * l + j0 + jj] += static_cast<float>(coef[static_cast<size_t>(ii)]);
        }
      }
      const double nrm = std::sqrt(dot(tj, tj, m));
      if (!(nrm > kDependent * orig[static_cast<size_t>(jj)]) || !(nrm > 0) || !std::isfinite(nrm)) {
        std::fill(tj, tj + m, 0.f);
        if (r) r[(j0 + jj) * l + j0 + jj] = 0.f;
      } else {
        const float inv = static_cast<float>(1.0 / nrm);
        for (int64_t i = 0; i < m; ++i) tj[i] *= inv;
        if (r) r[(j0 + jj) * l + j0 + jj] = static_cast<float>(nrm);
      }
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t jj = 0; jj < w; ++jj) y[i * l + j0 + jj] = t[static_cast<size_t>(jj * m + i)];
  }
}

void jacobi_eigen(int64_t n, double* a, double* w, double* v) {
  for (int64_t i = 0; i < n * n; ++i) v[i] = 0.0;
  for (int64_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int64_t p = 0; p < n; ++p) {
      diag += a[p * n + p] * a[p * n + p];
      for (int64_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    }
    if (!(off > 1e-30 * diag)) break;
    for (int64_t p = 0; p < n; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0.0) continue;
        const double app = a[p * n + p], aqq = a[q * n + q];
        const double theta = (aqq - app) / (2.0 * apq);
        double t;
        if (std::fabs(theta) > 1e150)
          t = 0.5 / theta;
        else
          t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int64_t k = 0; k < n; ++k) {
          if (k == p || k == q) continue;
          const double akp = a[k * n + p], akq = a[k * n + q];
          const double np = c * akp - s * akq, nq = s * akp + c * akq;
          a[k * n + p] = a[p * n + k] = np;
          a[k * n + q] = a[q * n + k] = nq;
        }
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[p * n + q] = a[q * n + p] = 0.0;
        for (int64_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  // Sort descending (stable on index for equal values).
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return a[x * n + x] > a[y * n + y]; });
  std::vector<double> vs(static_cast<size_t>(n * n));
  for (int64_t j = 0; j < n; ++j) {
    const int64_t src = order[static_cast<size_t>(j)];
    w[j] = a[src * n + src];
    for (int64_t k = 0; k < n; ++k) vs[static_cast<size_t>(k * n + j)] = v[k * n + src];
  }
  std::memcpy(v, vs.data(), sizeof(double) * static_cast<size_t>(n * n));
}

RsvdResult randomized_svd(const Csr& a, const RsvdParams& p) {
  if (p.rank < 1) throw Error(kInvalidArg, "randomized_svd: rank must be >= 1");
  if (p.oversample < 0 || p.oversample > 1000) throw Error(kInvalidArg, "randomized_svd: oversample must be in [0, 1000]");
  if (p.power_iters < 0 || p.power_iters > 50) throw Error(kInvalidArg, "randomized_svd: power_iters must be in [0, 50]");
  const int threads = resolve_threads(p.threads);
  RsvdResult res;
  const int64_t k = std::min({p.rank, a.rows, a.cols});
  res.k = std::max<int64_t>(k, 0);
  if (k <= 0) return res;
  const int64_t l = std::min({k + p.oversample, a.rows, a.cols});
  const std::vector<int64_t> parts = column_parts(a, threads);

  std::vector<float> z(static_cast<size_t>(a.cols * l)), y(static_cast<size_t>(a.rows * l));
  gaussian(z.data(), a.cols * l, p.seed);
  spmm(a, z.data(), l, y.data(), threads);
  orthonormalize(y.data(), a.rows, l, nullptr, threads);
  for (int64_t it = 0; it < p.power_iters; ++it) {
    spmm_t(a, parts, y.data(), l, z.data());
    orthonormalize(z.data(), a.cols, l, nullptr, threads);
    spmm(a, z.data(), l, y.data(), threads);
    orthonormalize(y.data(), a.rows, l, nullptr, threads);
  }
  // Bᵀ = Aᵀ·Q = Q₂·R; the right singular vectors of A are Q₂ times the eigenvectors of R·Rᵀ.
  spmm_t(a, parts, y.data(), l, z.data());
  std::vector<float>().swap(y);
  std::vector<float> r(static_cast<size_t>(l * l));
  orthonormalize(z.data(), a.cols, l, r.data(), threads);
  std::vector<double> gram(static_cast<size_t>(l * l)), vecs(static_cast<size_t>(l * l)), vals(static_cast<size_t>(l));
  for (int64_t i = 0; i < l; ++i)
    for (int64_t j = i; j < l; ++j) {
      double s = 0.0;
      for (int64_t t = std::max(i, j); t < l; ++t)  // R is upper triangular
        s += static_cast<double>(r[static_cast<size_t>(i * l + t)]) * static_cast<double>(r[static_cast<size_t>(j * l + t)]);
      gram[static_cast<size_t>(i * l + j)] = gram[static_cast<size_t>(j * l + i)] = s;
    }
  jacobi_eigen(l, gram.data(), vals.data(), vecs.data());

  std::vector<float> wk(static_cast<size_t>(l * k));
  for (int64_t t = 0; t < l; ++t)
    for (int64_t j = 0; j < k; ++j) wk[static_cast<size_t>(t * k + j)] = static_cast<float>(vecs[static_cast<size_t>(t * l + j)]);
  res.v.assign(static_cast<size_t>(a.cols * k), 0.f);
  const int64_t nch = (a.cols + kChunk - 1) / kChunk;
  parallel_dynamic(nch, 1, threads, [&](int64_t b, int64_t e, int) {
    for (int64_t ch = b; ch < e; ++ch) {
      const int64_t r0 = ch * kChunk, rows = std::min(kChunk, a.cols - r0);
      sgemm(false, false, rows, k, l, 1.f, z.data() + r0 * l, l, wk.data(), k, 0.f, res.v.data() + r0 * k, k);
    }
  });
  res.s.resize(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) res.s[static_cast<size_t>(j)] = static_cast<float>(std::sqrt(std::max(0.0, vals[static_cast<size_t>(j)])));
  // Sign convention: the entry of largest magnitude (first one on ties) is positive.
  for (int64_t j = 0; j < k; ++j) {
    int64_t best = 0;
    float bv = -1.f;
    for (int64_t i = 0; i < a.cols; ++i) {
      const float x = std::fabs(res.v[static_cast<size_t>(i * k + j)]);
      if (x > bv) bv = x, best = i;
    }
    if (res.v[static_cast<size_t>(best * k + j)] < 0.f)
      for (int64_t i = 0; i < a.cols; ++i) res.v[static_cast<size_t>(i * k + j)] = -res.v[static_cast<size_t>(i * k + j)];
  }
  return res;
}

}  // namespace tr::svd
