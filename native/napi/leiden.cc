// Bindings of the Leiden kernel: leiden (Promise), leidenSync, graphQuality.
//   leiden(rowPtr: Int32Array, colIdx: Int32Array, weights: Float32Array, options)
//   graphQuality(rowPtr, colIdx, weights, membership: Int32Array, options) → number
// options mirror tr::LeidenParams. The CSR is checked here (tr::check_csr) so junk can
// never make the kernel read out of bounds; the async variant copies the index arrays
// first, so JS code that mutates them while the worker runs cannot break that check.
#include <limits>
#include <memory>

#include "../kernels/leiden.h"
#include "common.h"

namespace tr::napi {
namespace {

struct CsrArgs {
  tr::CsrView view;
  Napi::Value rowPtr, colIdx, weights;
};

CsrArgs get_csr(Napi::Env env, const Napi::CallbackInfo& info) {
  CsrArgs a;
  Napi::Int32Array rowPtr = get_i32(env, info[0], "rowPtr");
  Napi::Int32Array colIdx = get_i32(env, info[1], "colIdx");
  Napi::Float32Array weights = get_f32(env, info[2], "weights");
  const size_t rows = rowPtr.ElementLength();
  if (rows < 1) throw_invalid(env, "rowPtr must have n + 1 >= 1 elements");
  if (rows - 1 > static_cast<size_t>(std::numeric_limits<int32_t>::max() - 1))
    throw_invalid(env, "rowPtr is too long: at most 2^31 - 2 nodes");
  if (colIdx.ElementLength() != weights.ElementLength())
    throw_invalid(env, "colIdx and weights must have the same length");
  if (colIdx.ElementLength() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw_invalid(env, "colIdx is too long: at most 2^31 - 1 edges");
  a.view.n = static_cast<int32_t>(rows - 1);
  a.view.nnz = static_cast<int64_t>(colIdx.ElementLength());
  a.view.rowPtr = rowPtr.Data();
  a.view.col = a.view.nnz ? colIdx.Data() : nullptr;
  a.view.w = a.view.nnz ? weights.Data() : nullptr;
  if (!a.view.rowPtr || (a.view.nnz && (!a.view.col || !a.view.w))) throw_invalid(env, "a graph array is detached");
  a.rowPtr = rowPtr;
  a.colIdx = colIdx;
  a.weights = weights;
  return a;
}

tr::LeidenObjective get_objective(Napi::Env env, Napi::Object o) {
  const std::string s = opt_str(env, o, "objective", "modularity");
  if (s == "modularity") return tr::LeidenObjective::Modularity;
  if (s == "cpm") return tr::LeidenObjective::CPM;
  throw_invalid(env, "objective must be 'modularity' or 'cpm'");
}

tr::LeidenParams get_params(Napi::Env env, Napi::Value v) {
  Napi::Object o = v.IsUndefined() ? Napi::Object::New(env) : get_obj(env, v, "options");
  tr::LeidenParams p;
  p.objective = get_objective(env, o);
  p.resolution = opt_num(env, o, "resolution", 1.0);
  p.seed = static_cast<uint64_t>(opt_int(env, o, "seed", 0, 0, (int64_t{1} << 53) - 1));
  p.iterations = static_cast<int>(opt_int(env, o, "iterations", -1, -1, std::numeric_limits<int32_t>::max()));
  p.randomness = opt_num(env, o, "randomness", 0.01);
  p.threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
  return p;
}

Napi::Value result_object(Napi::Env env, tr::LeidenResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("membership", to_i32(env, std::move(r.membership)));
  o.Set("communities", Napi::Number::New(env, r.communities));
  o.Set("quality", Napi::Number::New(env, r.quality));
  o.Set("iterations", Napi::Number::New(env, r.iterations));
  return o;
}

Napi::Value LeidenSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    CsrArgs a = get_csr(env, info);
    tr::LeidenParams p = get_params(env, info[3]);
    tr::LeidenResult r = tr::leiden(a.view, p);
    return result_object(env, r);
  });
}

struct LeidenJob {
  std::vector<int32_t> rowPtr, col;
  tr::CsrView view;
  tr::LeidenParams params;
  tr::LeidenResult result;
};

Napi::Value Leiden(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    CsrArgs a = get_csr(env, info);
    auto job = std::make_shared<LeidenJob>();
    job->params = get_params(env, info[3]);
    job->rowPtr.assign(a.view.rowPtr, a.view.rowPtr + a.view.n + 1);
    if (a.view.nnz) job->col.assign(a.view.col, a.view.col + a.view.nnz);
    job->view = a.view;
    job->view.rowPtr = job->rowPtr.data();
    job->view.col = a.view.nnz ? job->col.data() : nullptr;
    return run_async(
        env, [job]() { job->result = tr::leiden(job->view, job->params); },
        [job](Napi::Env e) { return result_object(e, job->result); }, {a.weights});
  });
}

Napi::Value GraphQuality(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    CsrArgs a = get_csr(env, info);
    Napi::Int32Array memb = get_i32(env, info[3], "membership");
    if (memb.ElementLength() != static_cast<size_t>(a.view.n))
      throw_invalid(env, "membership must have n = " + std::to_string(a.view.n) + " elements");
    const int32_t* m = a.view.n ? memb.Data() : nullptr;
    if (a.view.n && !m) throw_invalid(env, "membership is detached");
    Napi::Object o = info[4].IsUndefined() ? Napi::Object::New(env) : get_obj(env, info[4], "options");
    const tr::LeidenObjective obj = get_objective(env, o);
    const double resolution = opt_num(env, o, "resolution", 1.0);
    const int threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
    return Napi::Number::New(env, tr::partition_quality(a.view, m, obj, resolution, threads));
  });
}

Registrar r_leiden("leiden", Leiden);
Registrar r_leiden_sync("leidenSync", LeidenSync);
Registrar r_quality("graphQuality", GraphQuality);

}  // namespace
}  // namespace tr::napi
