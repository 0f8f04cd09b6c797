// info(), setThreads(), setGemmBackend(): what this build is and the process-wide knobs.
#include <string>

#include "../kernels/gemm.h"
#include "../kernels/parallel.h"
#include "common.h"
#ifdef TASKROUTE_CUDA
#include "../cuda/device.h"
#endif

namespace tr::napi {
namespace {

std::string cpu_features() {
  std::string f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const char* names[] = {"sse4.2", "avx", "avx2", "fma", "avx512f"};
  for (const char* n : names) {
    bool has = false;
    if (std::string(n) == "sse4.2") has = __builtin_cpu_supports("sse4.2");
    if (std::string(n) == "avx") has = __builtin_cpu_supports("avx");
    if (std::string(n) == "avx2") has = __builtin_cpu_supports("avx2");
    if (std::string(n) == "fma") has = __builtin_cpu_supports("fma");
    if (std::string(n) == "avx512f") has = __builtin_cpu_supports("avx512f");
    if (has) f += (f.empty() ? "" : ",") + std::string(n);
  }
#elif defined(__aarch64__)
  f = "neon";
#endif
  return f;
}

std::string compiled_flags() {
  std::string f;
#ifdef __AVX2__
  f += "avx2 ";
#endif
#ifdef __FMA__
  f += "fma ";
#endif
#ifdef __AVX512F__
  f += "avx512f ";
#endif
  if (!f.empty()) f.pop_back();
  return f;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
#ifdef TASKROUTE_CUDA
  o.Set("variant", "cuda");
  o.Set("cudaBuilt", true);
  int n = tr::cuda::device_count();
  o.Set("cudaDevices", n);
  o.Set("cudaDevice", tr::cuda::device_description());
  o.Set("cudaRuntime", tr::cuda::runtime_version());
#else
  o.Set("variant", "cpu");
  o.Set("cudaBuilt", false);
  o.Set("cudaDevices", 0);
  o.Set("cudaDevice", "not built with CUDA");
  o.Set("cudaRuntime", "");
#endif
  o.Set("blas", tr::openblas_available() ? "openblas" : "builtin");
  o.Set("gemm", tr::gemm_backend_name());
  o.Set("threads", tr::default_threads());
  o.Set("cpuFeatures", cpu_features());
  o.Set("compiledFor", compiled_flags());
  o.Set("napiVersion", NAPI_VERSION);
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t n = get_int(env, info[0], "threads", 0, 1024);
  tr::set_default_threads(static_cast<int>(n));
  return Napi::Number::New(env, tr::default_threads());
}

Napi::Value SetGemmBackend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    std::string b = get_str(env, info[0], "backend");
    if (b == "openblas")
      tr::set_gemm_backend(tr::GemmBackend::OpenBLAS);
    else if (b == "builtin")
      tr::set_gemm_backend(tr::GemmBackend::Builtin);
    else
      throw_invalid(env, "backend must be 'openblas' or 'builtin'");
    return Napi::String::New(env, tr::gemm_backend_name());
  });
}

Registrar r_info("info", Info);
Registrar r_threads("setThreads", SetThreads);
Registrar r_gemm("setGemmBackend", SetGemmBackend);

}  // namespace
}  // namespace tr::napi
