// GEMM dispatch: OpenBLAS (single-threaded inside our workers) or the built-in kernel.
#include "gemm.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "error.h"
#include "gemm_isa.h"

#ifdef TASKROUTE_OPENBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace tr {
namespace {
// -1: not chosen yet. With OpenBLAS linked, the default is still the built-in kernel on
// AVX-512 machines, where it measures ~1.8x faster than Debian's OpenBLAS in our tiled
// calls (bench/kernels.mjs); elsewhere OpenBLAS.
std::atomic<int> g_backend{-1};
#ifdef TASKROUTE_OPENBLAS
std::once_flag g_openblas_once;
// Our threads do the parallelism; OpenBLAS must not spawn its own on top. Done on first
// use, not in a static initialiser: OpenBLAS's own constructor may not have run yet.
void openblas_single_threaded() {
  std::call_once(g_openblas_once, [] { openblas_set_num_threads(1); });
}
#endif

GemmBackend default_backend() {
#ifdef TASKROUTE_OPENBLAS
  return best_gemm_isa() == GemmIsa::Avx512 ? GemmBackend::Builtin : GemmBackend::OpenBLAS;
#else
  return GemmBackend::Builtin;
#endif
}
}  // namespace

bool openblas_available() {
#ifdef TASKROUTE_OPENBLAS
  return true;
#else
  return false;
#endif
}

GemmBackend gemm_backend() {
  int b = g_backend.load();
  if (b < 0) {
    int want = static_cast<int>(default_backend());
    g_backend.compare_exchange_strong(b, want);
    return static_cast<GemmBackend>(g_backend.load());
  }
  return static_cast<GemmBackend>(b);
}

void set_gemm_backend(GemmBackend b) {
  if (b == GemmBackend::OpenBLAS && !openblas_available())
    throw Error(kInvalidArg, "this build of the addon has no OpenBLAS (built with the built-in GEMM)");
  g_backend.store(static_cast<int>(b));
}

const char* gemm_backend_name() { return gemm_backend() == GemmBackend::OpenBLAS ? "openblas" : "builtin"; }

void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
#ifdef TASKROUTE_OPENBLAS
  if (gemm_backend() == GemmBackend::OpenBLAS) {
    openblas_single_threaded();
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, A,
                static_cast<int>(lda), B, static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
    return;
  }
#endif
  sgemm_builtin(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace tr
