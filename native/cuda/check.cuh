// TR_CUDA_CHECK: turns a failed CUDA runtime call into tr::Error with file:line.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "../kernels/error.h"

#define TR_CUDA_CHECK(call)                                                                          \
  do {                                                                                               \
    cudaError_t tr_err_ = (call);                                                                    \
    if (tr_err_ != cudaSuccess)                                                                      \
      throw ::tr::Error(::tr::kCuda, std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + \
                                         #call + ": " + cudaGetErrorString(tr_err_));                \
  } while (0)
