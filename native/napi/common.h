// Shared N-API plumbing: argument guards, matrix views over typed arrays, the error
// path (tr::Error → JS Error with .code) and a Promise-returning AsyncWorker.
//
// Guards here protect memory only; argument semantics are validated in TypeScript
// (src/validate.ts) with exact messages before a call reaches native code.
#pragma once
#include <napi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "../kernels/error.h"

namespace tr::napi {

// Registers an export. Each napi/*.cc file adds its functions with a static
//   static tr::napi::Registrar reg_x("name", Fn);
// so the export list needs no edits when a kernel group is added.
using InitFn = void (*)(Napi::Env, Napi::Object);
struct Registrar {
  Registrar(const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&));
  explicit Registrar(InitFn init);
};
void register_all(Napi::Env env, Napi::Object exports);

// A JS Error with .code set.
Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message);
[[noreturn]] void throw_invalid(Napi::Env env, const std::string& message);

// Runs f, translating tr::Error / std::bad_alloc / std::exception into JS errors.
template <class F>
Napi::Value guarded(Napi::Env env, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const tr::Error& e) {
    throw make_error(env, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throw make_error(env, kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    throw make_error(env, kInternal, e.what());
  }
}

// A read-only view of a row-major float32 matrix { data: Float32Array, rows, cols }.
struct MatView {
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;
  Napi::Value holder;  // the Float32Array, to keep alive in async work
};

// Reads { data, rows, cols }; checks types, non-negative integer dims and that
// data.length == rows*cols (which also catches detached buffers).
MatView get_mat(Napi::Env env, Napi::Value v, const char* name);
Napi::Float32Array get_f32(Napi::Env env, Napi::Value v, const char* name);
Napi::Int32Array get_i32(Napi::Env env, Napi::Value v, const char* name);
Napi::Object get_obj(Napi::Env env, Napi::Value v, const char* name);
int64_t get_int(Napi::Env env, Napi::Value v, const char* name, int64_t lo, int64_t hi);
double get_num(Napi::Env env, Napi::Value v, const char* name);
bool get_bool(Napi::Env env, Napi::Value v, const char* name);
std::string get_str(Napi::Env env, Napi::Value v, const char* name);
// Optional field of an options object: returns def when undefined.
int64_t opt_int(Napi::Env env, Napi::Object o, const char* key, int64_t def, int64_t lo, int64_t hi);
double opt_num(Napi::Env env, Napi::Object o, const char* key, double def);
bool opt_bool(Napi::Env env, Napi::Object o, const char* key, bool def);
std::string opt_str(Napi::Env env, Napi::Object o, const char* key, const std::string& def);

// Allocates a JS Float32Array / Int32Array of n elements and copies src into it.
Napi::Float32Array to_f32(Napi::Env env, const float* src, size_t n);
Napi::Int32Array to_i32(Napi::Env env, const int32_t* src, size_t n);
Napi::Float32Array to_f32(Napi::Env env, std::vector<float>&& v);
Napi::Int32Array to_i32(Napi::Env env, std::vector<int32_t>&& v);

// A Promise-returning worker: exec runs on the libuv pool (no N-API inside); done
// builds the JS result on the main thread. keep() pins inputs until it settles.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> done);
  void keep(Napi::Value v);
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> exec_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::vector<Napi::Reference<Napi::Value>> refs_;
  std::string code_, message_;
};

// Queues the work and returns its Promise.
Napi::Value run_async(Napi::Env env, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> done,
                      std::initializer_list<Napi::Value> keep);

}  // namespace tr::napi
