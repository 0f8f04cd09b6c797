// Errors thrown by kernels. Kernels know nothing of N-API: they throw tr::Error with
// a stable code, and the N-API layer turns it into a JS error carrying that code.
#pragma once
#include <stdexcept>
#include <string>

namespace tr {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& msg) : std::runtime_error(msg), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// Codes shared with src/errors.ts.
inline constexpr const char* kInvalidArg = "ERR_TASKROUTE_INVALID_ARG";
inline constexpr const char* kCuda = "ERR_TASKROUTE_CUDA";
inline constexpr const char* kInternal = "ERR_TASKROUTE_INTERNAL";
inline constexpr const char* kOutOfMemory = "ERR_TASKROUTE_OOM";

}  // namespace tr
