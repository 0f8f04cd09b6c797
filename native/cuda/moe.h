// CUDA twin of tr::nn::moe_forward (native/kernels/nn_moe.h), compiled only in the CUDA
// build (TASKROUTE_CUDA). Host pointers in and out: the call uploads the weights and X,
// runs the fused kernel and downloads the requested outputs. Same contract and outputs
// as the CPU kernel (parity within float rounding; test/62.nn.moe-cuda.test.ts).
#pragma once
#include <cstdint>

#include "../kernels/nn_moe.h"

namespace tr::cuda {

void moe_forward(const tr::nn::MoeShape& s, const tr::nn::MoeWeights& w, const float* X, int64_t n,
                 const tr::nn::MoeOutputs& out);

}  // namespace tr::cuda
