// Implementation of the shared N-API plumbing declared in common.h.
#include "common.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace tr::napi {
namespace {
struct Entry {
  const char* name;
  Napi::Value (*fn)(const Napi::CallbackInfo&);
  InitFn init;
};
std::vector<Entry>& registry() {
  static std::vector<Entry> r;
  return r;
}
}  // namespace

Registrar::Registrar(const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
  registry().push_back({name, fn, nullptr});
}
Registrar::Registrar(InitFn init) { registry().push_back({nullptr, nullptr, init}); }

void register_all(Napi::Env env, Napi::Object exports) {
  for (const auto& e : registry()) {
    if (e.init)
      e.init(env, exports);
    else
      exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  }
}

Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

void throw_invalid(Napi::Env env, const std::string& message) { throw make_error(env, kInvalidArg, message); }

Napi::Object get_obj(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsObject() || v.IsNull()) throw_invalid(env, std::string(name) + " must be an object");
  return v.As<Napi::Object>();
}

int64_t get_int(Napi::Env env, Napi::Value v, const char* name, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) throw_invalid(env, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw_invalid(env, std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "]");
  return static_cast<int64_t>(d);
}

double get_num(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsNumber()) throw_invalid(env, std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool get_bool(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsBoolean()) throw_invalid(env, std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string get_str(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsString()) throw_invalid(env, std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

Napi::Float32Array get_f32(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw_invalid(env, std::string(name) + " must be a Float32Array");
  return v.As<Napi::Float32Array>();
}

Napi::Int32Array get_i32(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw_invalid(env, std::string(name) + " must be an Int32Array");
  return v.As<Napi::Int32Array>();
}

MatView get_mat(Napi::Env env, Napi::Value v, const char* name) {
  Napi::Object o = get_obj(env, v, name);
  MatView m;
  std::string n(name);
  Napi::Float32Array data = get_f32(env, o.Get("data"), (n + ".data").c_str());
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  m.rows = get_int(env, o.Get("rows"), (n + ".rows").c_str(), 0, kMax);
  m.cols = get_int(env, o.Get("cols"), (n + ".cols").c_str(), 0, kMax);
  if (static_cast<uint64_t>(m.rows) * static_cast<uint64_t>(m.cols) != data.ElementLength())
    throw_invalid(env, n + ".data has length " + std::to_string(data.ElementLength()) + ", expected rows×cols = " +
                           std::to_string(m.rows * m.cols));
  m.data = data.ElementLength() ? data.Data() : nullptr;
  if (data.ElementLength() && m.data == nullptr) throw_invalid(env, n + ".data is detached");
  m.holder = data;
  return m;
}

int64_t opt_int(Napi::Env env, Napi::Object o, const char* key, int64_t def, int64_t lo, int64_t hi) {
  Napi::Value v = o.Get(key);
  return v.IsUndefined() ? def : get_int(env, v, key, lo, hi);
}
double opt_num(Napi::Env env, Napi::Object o, const char* key, double def) {
  Napi::Value v = o.Get(key);
  return v.IsUndefined() ? def : get_num(env, v, key);
}
bool opt_bool(Napi::Env env, Napi::Object o, const char* key, bool def) {
  Napi::Value v = o.Get(key);
  return v.IsUndefined() ? def : get_bool(env, v, key);
}
std::string opt_str(Napi::Env env, Napi::Object o, const char* key, const std::string& def) {
  Napi::Value v = o.Get(key);
  return v.IsUndefined() ? def : get_str(env, v, key);
}

Napi::Float32Array to_f32(Napi::Env env, const float* src, size_t n) {
  auto a = Napi::Float32Array::New(env, n);
  if (n) std::memcpy(a.Data(), src, n * sizeof(float));
  return a;
}
Napi::Int32Array to_i32(Napi::Env env, const int32_t* src, size_t n) {
  auto a = Napi::Int32Array::New(env, n);
  if (n) std::memcpy(a.Data(), src, n * sizeof(int32_t));
  return a;
}
Napi::Float32Array to_f32(Napi::Env env, std::vector<float>&& v) { return to_f32(env, v.data(), v.size()); }
Napi::Int32Array to_i32(Napi::Env env, std::vector<int32_t>&& v) { return to_i32(env, v.data(), v.size()); }

PromiseWorker::PromiseWorker(Napi::Env env, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> done)
    : Napi::AsyncWorker(env, "taskroute"), deferred_(Napi::Promise::Deferred::New(env)), exec_(std::move(exec)),
      done_(std::move(done)) {}

void PromiseWorker::keep(Napi::Value v) { refs_.push_back(Napi::Persistent(v)); }

void PromiseWorker::Execute() {
  try {
    exec_();
  } catch (const tr::Error& e) {
    code_ = e.code();
    message_ = e.what();
    SetError(message_);
  } catch (const std::bad_alloc&) {
    code_ = kOutOfMemory;
    message_ = "out of memory";
    SetError(message_);
  } catch (const std::exception& e) {
    code_ = kInternal;
    message_ = e.what();
    SetError(message_);
  }
}

void PromiseWorker::OnOK() {
  Napi::Env env = Env();
  try {
    deferred_.Resolve(done_(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  } catch (const std::exception& e) {
    deferred_.Reject(make_error(env, kInternal, e.what()).Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& e) {
  Napi::Env env = Env();
  deferred_.Reject(make_error(env, code_.empty() ? kInternal : code_, message_.empty() ? e.Message() : message_).Value());
}

Napi::Value run_async(Napi::Env env, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> done,
                      std::initializer_list<Napi::Value> keep) {
  auto* w = new PromiseWorker(env, std::move(exec), std::move(done));
  for (const auto& v : keep) w->keep(v);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace tr::napi
