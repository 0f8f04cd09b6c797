// The built-in blocked SGEMM (used when OpenBLAS is absent, and selectable at run time).
// BLIS-style: op(B) is packed into KC×NC panels of NR-wide strips, op(A) into MC×KC
// blocks of MR-tall strips, and a register-blocked micro-kernel computes MR×NR tiles.
// Three micro-kernels, chosen at run time (gemm_isa.h) so the portable binary is fast:
//   AVX-512F  8×32 (16 zmm accumulators)
//   AVX2+FMA  6×16 (12 ymm accumulators)
//   portable  4×8 plain C++ the compiler keeps in registers and vectorises (SSE2, NEON)
// Each k-block accumulates in the same order for every element of C, so identical
// rows of op(B) give bitwise-identical results wherever they sit in the matrix.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "error.h"
#include "gemm.h"
#include "gemm_isa.h"

#if defined(__x86_64__) || defined(__i386__)
#define TR_X86 1
#include <immintrin.h>
#endif

namespace tr {
namespace {

constexpr int64_t KC = 256;   // k-block: an NR-wide strip of B (KC×NR) stays in L1
constexpr int64_t MCT = 128;  // target rows of an A block (MC×KC in L2)
constexpr int64_t NC = 2048;  // columns of a packed B panel (KC×NC in L2/L3)

// A micro-kernel: C[MR×NR] = (overwrite ? 0 : C) + alpha · Ap[kc×MR]ᵀ·Bp[kc×NR].
using MicroFn = void (*)(int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, float alpha,
                         bool overwrite);

struct Spec {
  int64_t mr, nr;
  MicroFn micro;
};

template <int64_t MR, int64_t NR>
void micro_portable(int64_t kc, const float* __restrict Ap, const float* __restrict Bp, float* __restrict C,
                    int64_t ldc, float alpha, bool overwrite) {
  alignas(64) float acc[MR * NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const float* b = Bp + p * NR;
    const float* a = Ap + p * MR;
    for (int64_t i = 0; i < MR; ++i) {
      float av = a[i];
      float* c = acc + i * NR;
      for (int64_t j = 0; j < NR; ++j) c[j] += av * b[j];
    }
  }
  for (int64_t i = 0; i < MR; ++i) {
    float* c = C + i * ldc;
    const float* s = acc + i * NR;
    if (overwrite)
      for (int64_t j = 0; j < NR; ++j) c[j] = alpha * s[j];
    else
      for (int64_t j = 0; j < NR; ++j) c[j] += alpha * s[j];
  }
}

#ifdef TR_X86
__attribute__((target("avx2,fma"))) void micro_avx2(int64_t kc, const float* __restrict Ap,
                                                    const float* __restrict Bp, float* __restrict C, int64_t ldc,
                                                    float alpha, bool overwrite) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
         c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
         c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
         c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m256 b0 = _mm256_loadu_ps(Bp), b1 = _mm256_loadu_ps(Bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(Ap + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(Ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(Ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(Ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(Ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(Ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
    Ap += 6;
    Bp += 16;
  }
  const __m256 al = _mm256_set1_ps(alpha);
  __m256 rows[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  for (int i = 0; i < 6; ++i) {
    float* c = C + i * ldc;
    if (overwrite) {
      _mm256_storeu_ps(c, _mm256_mul_ps(al, rows[i][0]));
      _mm256_storeu_ps(c + 8, _mm256_mul_ps(al, rows[i][1]));
    } else {
      _mm256_storeu_ps(c, _mm256_fmadd_ps(al, rows[i][0], _mm256_loadu_ps(c)));
      _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(al, rows[i][1], _mm256_loadu_ps(c + 8)));
    }
  }
}

__attribute__((target("avx512f"))) void micro_avx512(int64_t kc, const float* __restrict Ap,
                                                     const float* __restrict Bp, float* __restrict C, int64_t ldc,
                                                     float alpha, bool overwrite) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(),
         c11 = _mm512_setzero_ps(), c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(),
         c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps(), c40 = _mm512_setzero_ps(),
         c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps(),
         c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(),
         c71 = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0 = _mm512_loadu_ps(Bp), b1 = _mm512_loadu_ps(Bp + 16);
    __m512 a;
    a = _mm512_set1_ps(Ap[0]);
    c00 = _mm512_fmadd_ps(a, b0, c00);
    c01 = _mm512_fmadd_ps(a, b1, c01);
    a = _mm512_set1_ps(Ap[1]);
    c10 = _mm512_fmadd_ps(a, b0, c10);
    c11 = _mm512_fmadd_ps(a, b1, c11);
    a = _mm512_set1_ps(Ap[2]);
    c20 = _mm512_fmadd_ps(a, b0, c20);
    c21 = _mm512_fmadd_ps(a, b1, c21);
    a = _mm512_set1_ps(Ap[3]);
    c30 = _mm512_fmadd_ps(a, b0, c30);
    c31 = _mm512_fmadd_ps(a, b1, c31);
    a = _mm512_set1_ps(Ap[4]);
    c40 = _mm512_fmadd_ps(a, b0, c40);
    c41 = _mm512_fmadd_ps(a, b1, c41);
    a = _mm512_set1_ps(Ap[5]);
    c50 = _mm512_fmadd_ps(a, b0, c50);
    c51 = _mm512_fmadd_ps(a, b1, c51);
    a = _mm512_set1_ps(Ap[6]);
    c60 = _mm512_fmadd_ps(a, b0, c60);
    c61 = _mm512_fmadd_ps(a, b1, c61);
    a = _mm512_set1_ps(Ap[7]);
    c70 = _mm512_fmadd_ps(a, b0, c70);
    c71 = _mm512_fmadd_ps(a, b1, c71);
    Ap += 8;
    Bp += 32;
  }
  const __m512 al = _mm512_set1_ps(alpha);
  __m512 rows[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                       {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
  for (int i = 0; i < 8; ++i) {
    float* c = C + i * ldc;
    if (overwrite) {
      _mm512_storeu_ps(c, _mm512_mul_ps(al, rows[i][0]));
      _mm512_storeu_ps(c + 16, _mm512_mul_ps(al, rows[i][1]));
    } else {
      _mm512_storeu_ps(c, _mm512_fmadd_ps(al, rows[i][0], _mm512_loadu_ps(c)));
      _mm512_storeu_ps(c + 16, _mm512_fmadd_ps(al, rows[i][1], _mm512_loadu_ps(c + 16)));
    }
  }
}
#endif

const Spec kPortable{4, 8, micro_portable<4, 8>};
#ifdef TR_X86
const Spec kAvx2{6, 16, micro_avx2};
const Spec kAvx512{8, 32, micro_avx512};
#endif

bool cpu_supports(GemmIsa isa) {
  if (isa == GemmIsa::Portable) return true;
#ifdef TR_X86
  __builtin_cpu_init();
  if (isa == GemmIsa::Avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa == GemmIsa::Avx512) return __builtin_cpu_supports("avx512f");
#endif
  return false;
}

GemmIsa detect_best() {
  if (cpu_supports(GemmIsa::Avx512)) return GemmIsa::Avx512;
  if (cpu_supports(GemmIsa::Avx2)) return GemmIsa::Avx2;
  return GemmIsa::Portable;
}

std::atomic<int> g_isa{-1};  // -1: not chosen yet (best on first use)

const Spec& spec_for(GemmIsa isa) {
#ifdef TR_X86
  if (isa == GemmIsa::Avx512) return kAvx512;
  if (isa == GemmIsa::Avx2) return kAvx2;
#endif
  (void)isa;
  return kPortable;
}

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};

// Per-thread packing buffers, grown on demand and reused across calls.
struct PackBuffers {
  std::unique_ptr<float, AlignedFree> a, b;
  size_t a_cap = 0, b_cap = 0;
  static float* grow(std::unique_ptr<float, AlignedFree>& p, size_t& cap, size_t n) {
    if (n > cap) {
      size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      float* q = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!q) throw std::bad_alloc();
      p.reset(q);
      cap = n;
    }
    return p.get();
  }
};
thread_local PackBuffers t_pack;

inline float a_at(bool t, const float* A, int64_t lda, int64_t i, int64_t p) {
  return t ? A[p * lda + i] : A[i * lda + p];
}

// Packs rows [i0, i0+mc) × k-range [p0, p0+kc) of op(A) into MR-tall strips (zero padded).
void pack_a(const Spec& s, bool tA, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
            float* dst) {
  const int64_t MR = s.mr;
  for (int64_t is = 0; is < mc; is += MR) {
    float* d = dst + is * kc;
    int64_t rows = std::min(MR, mc - is);
    if (!tA) {
      for (int64_t i = 0; i < rows; ++i) {
        const float* src = A + (i0 + is + i) * lda + p0;
        for (int64_t p = 0; p < kc; ++p) d[p * MR + i] = src[p];
      }
      for (int64_t i = rows; i < MR; ++i)
        for (int64_t p = 0; p < kc; ++p) d[p * MR + i] = 0.f;
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t i = 0; i < MR; ++i) d[p * MR + i] = i < rows ? a_at(true, A, lda, i0 + is + i, p0 + p) : 0.f;
    }
  }
}

// Packs columns [j0, j0+nc) × k-range [p0, p0+kc) of op(B) into NR-wide strips (zero padded).
void pack_b(const Spec& s, bool tB, const float* B, int64_t ldb, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
            float* dst) {
  const int64_t NR = s.nr;
  for (int64_t js = 0; js < nc; js += NR) {
    float* d = dst + js * kc;
    int64_t cols = std::min(NR, nc - js);
    if (tB) {
      // op(B)(p, j) = B[j][p]: rows of B are contiguous in p.
      for (int64_t j = 0; j < cols; ++j) {
        const float* src = B + (j0 + js + j) * ldb + p0;
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = src[p];
      }
      for (int64_t j = cols; j < NR; ++j)
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = 0.f;
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = B + (p0 + p) * ldb + j0 + js;
        float* row = d + p * NR;
        for (int64_t j = 0; j < cols; ++j) row[j] = src[j];
        for (int64_t j = cols; j < NR; ++j) row[j] = 0.f;
      }
    }
  }
}

// The micro-tiles of one packed KC block: every NR strip of B against every MR strip of A.
inline void block_tiles(const Spec& s, int64_t m, int64_t n, int64_t kc, float alpha, bool overwrite, const float* Ap,
                        const float* Bp, float* C, int64_t ldc, float* edge) {
  const int64_t MR = s.mr, NR = s.nr;
  for (int64_t js = 0; js < n; js += NR) {
    const int64_t cols = std::min(NR, n - js);
    const float* bp = Bp + js * kc;
    for (int64_t is = 0; is < m; is += MR) {
      const int64_t rows = std::min(MR, m - is);
      float* c = C + is * ldc + js;
      if (rows == MR && cols == NR) {
        s.micro(kc, Ap + is * kc, bp, c, ldc, alpha, overwrite);
      } else {
        s.micro(kc, Ap + is * kc, bp, edge, NR, 1.f, true);
        for (int64_t i = 0; i < rows; ++i) {
          float* ci = c + i * ldc;
          const float* e = edge + i * NR;
          if (overwrite)
            for (int64_t j = 0; j < cols; ++j) ci[j] = alpha * e[j];
          else
            for (int64_t j = 0; j < cols; ++j) ci[j] += alpha * e[j];
        }
      }
    }
  }
}

void gemm_driver(const Spec& s, bool tA, bool tB, int64_t m, int64_t n, int64_t k, float alpha, const float* A,
                 int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const int64_t MR = s.mr, NR = s.nr;
  const int64_t MC = std::max<int64_t>(MR, MCT / MR * MR);
  const bool zero_first = beta == 0.f;
  if (!zero_first && beta != 1.f)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) C[i * ldc + j] *= beta;
  const int64_t ncp_max = (std::min(NC, n) + NR - 1) / NR * NR;
  const int64_t mcp_max = (std::min(MC, m) + MR - 1) / MR * MR;
  const int64_t kc_max = std::min(KC, k);
  float* Bp = PackBuffers::grow(t_pack.b, t_pack.b_cap, static_cast<size_t>(kc_max * ncp_max));
  float* Ap = PackBuffers::grow(t_pack.a, t_pack.a_cap, static_cast<size_t>(kc_max * mcp_max));
  alignas(64) float edge[8 * 32];  // MR×NR of every spec fits
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const bool overwrite = zero_first && pc == 0;
      pack_b(s, tB, B, ldb, jc, nc, pc, kc, Bp);
      for (int64_t ic = 0; ic < m; ic += MC) {
        const int64_t mc = std::min(MC, m - ic);
        pack_a(s, tA, A, lda, ic, mc, pc, kc, Ap);
        block_tiles(s, mc, nc, kc, alpha, overwrite, Ap, Bp, C + ic * ldc + jc, ldc, edge);
      }
    }
  }
}

}  // namespace

GemmIsa best_gemm_isa() {
  static const GemmIsa best = detect_best();
  return best;
}

GemmIsa builtin_gemm_isa() {
  int v = g_isa.load();
  return v < 0 ? best_gemm_isa() : static_cast<GemmIsa>(v);
}

const char* gemm_isa_name(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::Avx512:
      return "avx512";
    case GemmIsa::Avx2:
      return "avx2";
    default:
      return "portable";
  }
}

GemmIsa set_builtin_gemm_isa(const std::string& name) {
  GemmIsa want;
  if (name == "auto")
    want = best_gemm_isa();
  else if (name == "avx512")
    want = GemmIsa::Avx512;
  else if (name == "avx2")
    want = GemmIsa::Avx2;
  else if (name == "portable")
    want = GemmIsa::Portable;
  else
    throw Error(kInvalidArg, "gemm ISA must be 'auto', 'avx512', 'avx2' or 'portable', received '" + name + "'");
  if (!cpu_supports(want)) throw Error(kInvalidArg, std::string("this CPU cannot run the ") + gemm_isa_name(want) + " GEMM kernel");
  g_isa.store(static_cast<int>(want));
  return want;
}

size_t builtin_packed_a_size(GemmIsa isa, int64_t m, int64_t k) {
  const Spec& s = spec_for(isa);
  return static_cast<size_t>((m + s.mr - 1) / s.mr * s.mr * std::max<int64_t>(k, 0));
}

size_t builtin_packed_bt_size(GemmIsa isa, int64_t n, int64_t k) {
  const Spec& s = spec_for(isa);
  return static_cast<size_t>((n + s.nr - 1) / s.nr * s.nr * std::max<int64_t>(k, 0));
}

// Layout: KC blocks one after another; block pc holds the strips of that k-range (the
// layout gemm_driver packs per call), so block pc starts at pc · (m rounded up to MR).
void builtin_pack_a(GemmIsa isa, const float* A, int64_t lda, int64_t m, int64_t k, float* dst) {
  const Spec& s = spec_for(isa);
  const int64_t mp = (m + s.mr - 1) / s.mr * s.mr;
  for (int64_t pc = 0; pc < k; pc += KC) pack_a(s, false, A, lda, 0, m, pc, std::min(KC, k - pc), dst + pc * mp);
}

void builtin_pack_bt(GemmIsa isa, const float* B, int64_t ldb, int64_t n, int64_t k, float* dst) {
  const Spec& s = spec_for(isa);
  const int64_t np = (n + s.nr - 1) / s.nr * s.nr;
  for (int64_t pc = 0; pc < k; pc += KC) pack_b(s, true, B, ldb, 0, n, pc, std::min(KC, k - pc), dst + pc * np);
}

void builtin_gemm_packed(GemmIsa isa, int64_t m, int64_t n, int64_t k, float alpha, const float* Ap, const float* Bp,
                         float* C, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) std::fill(C + i * ldc, C + i * ldc + n, 0.f);
    return;
  }
  const Spec& s = spec_for(isa);
  const int64_t mp = (m + s.mr - 1) / s.mr * s.mr, np = (n + s.nr - 1) / s.nr * s.nr;
  alignas(64) float edge[8 * 32];
  for (int64_t pc = 0; pc < k; pc += KC)
    block_tiles(s, m, n, std::min(KC, k - pc), alpha, pc == 0, Ap + pc * mp, Bp + pc * np, C, ldc, edge);
}

void sgemm_builtin(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* A,
                   int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.f) {
    for (int64_t i = 0; i < m; ++i) {
      float* c = C + i * ldc;
      if (beta == 0.f)
        std::fill(c, c + n, 0.f);
      else if (beta != 1.f)
        for (int64_t j = 0; j < n; ++j) c[j] *= beta;
    }
    return;
  }
  gemm_driver(spec_for(builtin_gemm_isa()), transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace tr
