// Single-precision GEMM used by every dense kernel (similarity, top-k, MoE, training).
//
//   C[m×n] = alpha · op(A) · op(B) + beta · C        (row-major)
//   op(A) is A[m×k] (lda ≥ k) or, with transA, Aᵀ where A is [k×m] (lda ≥ m)
//   op(B) is B[k×n] (ldb ≥ n) or, with transB, Bᵀ where B is [n×k] (ldb ≥ k)
//
// A call is single-threaded: callers parallelise over tiles with tr::parallel_for, so
// BLAS threads and the addon's threads never oversubscribe the cores.
// Two implementations: OpenBLAS (when the addon was built with TASKROUTE_OPENBLAS) and
// a built-in blocked kernel. set_gemm_backend() switches at run time so tests cover both.
#pragma once
#include <cstdint>

namespace tr {

enum class GemmBackend { Builtin = 0, OpenBLAS = 1 };

void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The built-in kernel, always available (also the fallback when OpenBLAS is absent).
void sgemm_builtin(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc);

bool openblas_available();
GemmBackend gemm_backend();
// Throws tr::Error(kInvalidArg) when asked for OpenBLAS in a build without it.
void set_gemm_backend(GemmBackend b);
const char* gemm_backend_name();

}  // namespace tr
