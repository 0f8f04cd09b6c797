// Which instruction set the built-in SGEMM (gemm_builtin.cc) runs with. The addon is
// built without -march=native so one binary runs everywhere; the AVX-512 and AVX2+FMA
// micro-kernels are compiled with function-level target attributes and chosen at run
// time from what the CPU reports. Tests force each variant to check them all.
#pragma once
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

}  // namespace tr
