// The built-in blocked SGEMM: packs panels of op(A) and op(B) and runs a register-
// blocked micro-kernel that the compiler vectorises. Used when OpenBLAS is absent.
#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"

namespace tr {
namespace {
constexpr int64_t MR = 4, NR = 16;
constexpr int64_t KC = 256, MC = 128, NC = 1024;

inline float a_at(bool t, const float* A, int64_t lda, int64_t i, int64_t p) {
  return t ? A[p * lda + i] : A[i * lda + p];
}
inline float b_at(bool t, const float* B, int64_t ldb, int64_t p, int64_t j) {
  return t ? B[j * ldb + p] : B[p * ldb + j];
}

// C[MR×NR] += Ap[kc×MR] · Bp[kc×NR]
inline void micro(int64_t kc, const float* __restrict Ap, const float* __restrict Bp, float* __restrict acc) {
  for (int64_t p = 0; p < kc; ++p) {
    const float* b = Bp + p * NR;
    const float* a = Ap + p * MR;
    for (int64_t i = 0; i < MR; ++i) {
      float av = a[i];
      float* c = acc + i * NR;
      for (int64_t j = 0; j < NR; ++j) c[j] += av * b[j];
    }
  }
}
}  // namespace

void sgemm_builtin(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  for (int64_t i = 0; i < m; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.f)
      std::fill(c, c + n, 0.f);
    else if (beta != 1.f)
      for (int64_t j = 0; j < n; ++j) c[j] *= beta;
  }
  if (k <= 0 || alpha == 0.f) return;
  std::vector<float> Ap(static_cast<size_t>(MC * KC)), Bp(static_cast<size_t>(KC * NC));
  alignas(64) float acc[MR * NR];
  for (int64_t jc = 0; jc < n; jc += NC) {
    int64_t nc = std::min(NC, n - jc);
    int64_t ncp = (nc + NR - 1) / NR * NR;
    for (int64_t pc = 0; pc < k; pc += KC) {
      int64_t kc = std::min(KC, k - pc);
      // pack B panel: for each NR strip, kc rows of NR
      for (int64_t js = 0; js < ncp; js += NR) {
        float* dst = Bp.data() + js * kc;
        for (int64_t p = 0; p < kc; ++p)
          for (int64_t j = 0; j < NR; ++j) {
            int64_t col = jc + js + j;
            dst[p * NR + j] = col < jc + nc ? b_at(transB, B, ldb, pc + p, col) : 0.f;
          }
      }
      for (int64_t ic = 0; ic < m; ic += MC) {
        int64_t mc = std::min(MC, m - ic);
        int64_t mcp = (mc + MR - 1) / MR * MR;
        for (int64_t is = 0; is < mcp; is += MR) {
          float* dst = Ap.data() + is * kc;
          for (int64_t p = 0; p < kc; ++p)
            for (int64_t i = 0; i < MR; ++i) {
              int64_t row = ic + is + i;
              dst[p * MR + i] = row < ic + mc ? a_at(transA, A, lda, row, pc + p) : 0.f;
            }
        }
        for (int64_t is = 0; is < mcp; is += MR) {
          for (int64_t js = 0; js < ncp; js += NR) {
            std::memset(acc, 0, sizeof(acc));
            micro(kc, Ap.data() + is * kc, Bp.data() + js * kc, acc);
            int64_t rows = std::min(MR, mc - is), cols = std::min(NR, nc - js);
            for (int64_t i = 0; i < rows; ++i) {
              float* c = C + (ic + is + i) * ldc + jc + js;
              for (int64_t j = 0; j < cols; ++j) c[j] += alpha * acc[i * NR + j];
            }
          }
        }
      }
    }
  }
}

}  // namespace tr
