// Which instruction set the built-in SGEMM (gemm_builtin.cc) runs with. The addon is
// built without -march=native so one binary runs everywhere; the AVX-512 and AVX2+FMA
// micro-kernels are compiled with function-level target attributes and chosen at run
// time from what the CPU reports. Tests force each variant to check them all.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace tr {

enum class GemmIsa { Portable = 0, Avx2 = 1, Avx512 = 2 };

// The best variant this CPU supports.
GemmIsa best_gemm_isa();
// The variant the built-in kernel uses now (default: best_gemm_isa()).
GemmIsa builtin_gemm_isa();
const char* gemm_isa_name(GemmIsa isa);
// "auto" | "avx512" | "avx2" | "portable"; throws tr::Error(kInvalidArg) for an unknown
// name or a variant this CPU cannot run. Returns the variant now in use.
GemmIsa set_builtin_gemm_isa(const std::string& name);

// Pre-packed operands, for callers that multiply the same panels many times (topk packs
// B once per call and each query tile once instead of once per GEMM call). A packed
// buffer is only valid with the ISA it was packed for. Results are bitwise identical to
// sgemm_builtin(false, true, ...) on the same ISA.
//   A [m×k] row-major (lda)              → builtin_pack_a,  builtin_packed_a_size(isa, m, k) floats
//   B [n×k] row-major (ldb), used as Bᵀ   → builtin_pack_bt, builtin_packed_bt_size(isa, n, k) floats
size_t builtin_packed_a_size(GemmIsa isa, int64_t m, int64_t k);
size_t builtin_packed_bt_size(GemmIsa isa, int64_t n, int64_t k);
void builtin_pack_a(GemmIsa isa, const float* A, int64_t lda, int64_t m, int64_t k, float* dst);
void builtin_pack_bt(GemmIsa isa, const float* B, int64_t ldb, int64_t n, int64_t k, float* dst);
// C[m×n] = alpha · A·Bᵀ (C overwritten) from operands packed for `isa`.
void builtin_gemm_packed(GemmIsa isa, int64_t m, int64_t n, int64_t k, float alpha, const float* Ap, const float* Bp,
                         float* C, int64_t ldc);

}  // namespace tr
