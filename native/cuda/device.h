// CUDA device discovery, compiled only in the CUDA build (TASKROUTE_CUDA).
// CUDA errors become tr::Error(kCuda, "file:line: call: message").
#pragma once
#include <string>

namespace tr::cuda {

// Number of usable devices; 0 when the driver is missing or no device answers (never throws).
int device_count();
// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" for device 0, or why there is none.
std::string device_description();
// The CUDA runtime version the addon was built with, e.g. "13.0".
std::string runtime_version();

}  // namespace tr::cuda
