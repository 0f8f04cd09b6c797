// Bindings of the small networks (kernels/nn_*.h): mlpTrain/mlpForward(Sync)/mlpLossGrad,
// moeTrain/moeForward(Sync)/moeLossGrad, trouterTrain/trouterForward(Sync)/trouterLossGrad.
// Each takes one options object whose fields mirror the kernel's params struct; weights
// cross as { name: Float32Array }. Semantics are validated in src/nn/*.ts; these guards
// only keep memory safe (types, lengths, index ranges).
#include <memory>
#include <string>
#include <vector>

#include "../kernels/nn_mlp.h"
#include "../kernels/nn_moe.h"
#include "../kernels/nn_trouter.h"
#include "common.h"
#ifdef TASKROUTE_CUDA
#include "../cuda/moe.h"
#endif

namespace tr::napi {
namespace {

using Keep = std::vector<Napi::Value>;
constexpr int64_t kMaxDim = 1 << 30;

std::string len_msg(const std::string& name, size_t got, int64_t want) {
  return name + " has length " + std::to_string(got) + ", expected " + std::to_string(want);
}

// A Float32Array field with exactly `len` elements (null when optional and undefined/null).
const float* f32_field(Napi::Env env, Napi::Object o, const char* key, int64_t len, bool optional, Keep& keep) {
  Napi::Value v = o.Get(key);
  if (optional && (v.IsUndefined() || v.IsNull())) return nullptr;
  Napi::Float32Array a = get_f32(env, v, key);
  if (static_cast<int64_t>(a.ElementLength()) != len) throw_invalid(env, len_msg(key, a.ElementLength(), len));
  if (len > 0 && a.Data() == nullptr) throw_invalid(env, std::string(key) + " is detached");
  keep.push_back(a);
  return a.Data();
}

const int32_t* i32_field(Napi::Env env, Napi::Object o, const char* key, int64_t* len_out, Keep& keep) {
  Napi::Int32Array a = get_i32(env, o.Get(key), key);
  if (a.ElementLength() > 0 && a.Data() == nullptr) throw_invalid(env, std::string(key) + " is detached");
  keep.push_back(a);
  *len_out = static_cast<int64_t>(a.ElementLength());
  return a.Data();
}

int64_t int_field(Napi::Env env, Napi::Object o, const char* key, int64_t lo, int64_t hi) {
  return get_int(env, o.Get(key), key, lo, hi);
}

std::vector<int64_t> int_list(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return {};
  if (!v.IsArray()) throw_invalid(env, std::string(key) + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(get_int(env, a.Get(i), key, 1, kMaxDim));
  return out;
}

tr::nn::TrainConfig read_train(Napi::Env env, Napi::Object o) {
  tr::nn::TrainConfig c;
  c.lr = opt_num(env, o, "lr", c.lr);
  c.weight_decay = opt_num(env, o, "weightDecay", c.weight_decay);
  c.batch_size = opt_int(env, o, "batchSize", c.batch_size, 1, kMaxDim);
  c.epochs = opt_int(env, o, "epochs", c.epochs, 0, kMaxDim);
  c.patience = opt_int(env, o, "patience", c.patience, 1, kMaxDim);
  c.seed = static_cast<uint64_t>(opt_int(env, o, "seed", 0, 0, (int64_t{1} << 53) - 1));
  c.threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
  c.chunk_rows = opt_int(env, o, "chunkRows", c.chunk_rows, 1, 1 << 16);
  return c;
}

Napi::Array to_js_array(Napi::Env env, const std::vector<double>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, v[i]));
  return a;
}

Napi::Object history_js(Napi::Env env, const tr::nn::TrainHistory& h) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("train", to_js_array(env, h.train));
  o.Set("val", to_js_array(env, h.val));
  o.Set("bestEpoch", Napi::Number::New(env, static_cast<double>(h.best_epoch)));
  o.Set("bestLoss", Napi::Number::New(env, h.best_loss));
  o.Set("initial", Napi::Number::New(env, h.initial));
  return o;
}

Napi::Object params_js(Napi::Env env, const tr::nn::ParamSet& p) {
  Napi::Object o = Napi::Object::New(env);
  for (int i = 0; i < p.count(); ++i) o.Set(p.entry(i).name, to_f32(env, p.ptr(i), static_cast<size_t>(p.entry(i).size())));
  return o;
}

Napi::Object grads_js(Napi::Env env, const std::vector<tr::nn::ParamEntry>& layout, const std::vector<float>& g) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& e : layout) o.Set(e.name, to_f32(env, g.data() + e.offset, static_cast<size_t>(e.size())));
  return o;
}

// Reads the weights of `layout` from o.weights, each with its exact length.
std::vector<const float*> weights_of(Napi::Env env, Napi::Object o, const std::vector<tr::nn::ParamEntry>& layout, Keep& keep) {
  Napi::Object w = get_obj(env, o.Get("weights"), "weights");
  std::vector<const float*> out;
  for (const auto& e : layout) {
    Napi::Value v = w.Get(e.name);
    if (!v.IsTypedArray()) throw_invalid(env, "weights." + e.name + " must be a Float32Array");
    Napi::Float32Array a = get_f32(env, v, ("weights." + e.name).c_str());
    if (static_cast<int64_t>(a.ElementLength()) != e.size())
      throw_invalid(env, len_msg("weights." + e.name, a.ElementLength(), e.size()));
    if (e.size() > 0 && a.Data() == nullptr) throw_invalid(env, "weights." + e.name + " is detached");
    keep.push_back(a);
    out.push_back(a.Data());
  }
  return out;
}

// Queues exec on the libuv pool with every kept input pinned; returns the Promise.
Napi::Value queue(Napi::Env env, const Keep& keep, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> done) {
  auto* w = new PromiseWorker(env, std::move(exec), std::move(done));
  for (const auto& v : keep) w->keep(v);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// ---------------------------------------------------------------------------------- MLP

tr::nn::MlpShape mlp_shape(Napi::Env env, Napi::Object o) {
  tr::nn::MlpShape s;
  s.d = int_field(env, o, "d", 1, kMaxDim);
  s.outputs = int_field(env, o, "outputs", 1, kMaxDim);
  s.hidden = int_list(env, o, "hidden");
  if (s.hidden.size() > 2) throw_invalid(env, "hidden must have at most 2 layers");
  s.act = tr::nn::parse_act(opt_str(env, o, "activation", "relu"));
  s.loss = tr::nn::parse_mlp_loss(opt_str(env, o, "loss", "sigmoid-mse"));
  return s;
}

Napi::Value MlpTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = get_obj(env, info[0], "options");
    Keep keep;
    auto p = std::make_shared<tr::nn::MlpTrainParams>();
    p->shape = mlp_shape(env, o);
    p->dropout = opt_num(env, o, "dropout", 0.0);
    if (!(p->dropout >= 0 && p->dropout < 1)) throw_invalid(env, "dropout must be in [0, 1)");
    p->train = read_train(env, o);
    auto tr_set = std::make_shared<tr::nn::MlpData>();
    tr_set->n = int_field(env, o, "n", 1, kMaxDim);
    tr_set->X = f32_field(env, o, "X", tr_set->n * p->shape.d, false, keep);
    tr_set->Y = f32_field(env, o, "Y", tr_set->n * p->shape.outputs, false, keep);
    std::shared_ptr<tr::nn::MlpData> val;
    if (!o.Get("val").IsUndefined()) {
      Napi::Object v = get_obj(env, o.Get("val"), "val");
      val = std::make_shared<tr::nn::MlpData>();
      val->n = int_field(env, v, "n", 0, kMaxDim);
      val->X = f32_field(env, v, "X", val->n * p->shape.d, false, keep);
      val->Y = f32_field(env, v, "Y", val->n * p->shape.outputs, false, keep);
    }
    auto res = std::make_shared<tr::nn::MlpTrainResult>();
    return queue(
        env, keep, [p, tr_set, val, res] { *res = tr::nn::mlp_train(*p, *tr_set, val.get()); },
        [res](Napi::Env e) -> Napi::Value {
          Napi::Object out = Napi::Object::New(e);
          out.Set("weights", params_js(e, res->params));
          out.Set("history", history_js(e, res->history));
          return out;
        });
  });
}

struct MlpFwdArgs {
  tr::nn::MlpShape s;
  tr::nn::MlpWeights w;
  const float* X = nullptr;
  int64_t n = 0;
  int threads = 0;
};

MlpFwdArgs mlp_fwd_args(Napi::Env env, Napi::Object o, Keep& keep) {
  MlpFwdArgs a;
  a.s = mlp_shape(env, o);
  auto ptrs = weights_of(env, o, tr::nn::mlp_layout(a.s), keep);
  for (int l = 0; l < a.s.layers(); ++l) {
    a.w.W.push_back(ptrs[2 * l]);
    a.w.b.push_back(ptrs[2 * l + 1]);
  }
  a.n = int_field(env, o, "n", 0, kMaxDim);
  a.X = f32_field(env, o, "X", a.n * a.s.d, false, keep);
  a.threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
  return a;
}

Napi::Value MlpForwardSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Keep keep;
    MlpFwdArgs a = mlp_fwd_args(env, get_obj(env, info[0], "options"), keep);
    Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(a.n * a.s.outputs));
    tr::nn::mlp_forward(a.s, a.w, a.X, a.n, out.Data(), a.threads);
    return out;
  });
}

Napi::Value MlpForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Keep keep;
    auto a = std::make_shared<MlpFwdArgs>(mlp_fwd_args(env, get_obj(env, info[0], "options"), keep));
    auto out = std::make_shared<std::vector<float>>(static_cast<size_t>(a->n * a->s.outputs));
    return queue(
        env, keep, [a, out] { tr::nn::mlp_forward(a->s, a->w, a->X, a->n, out->data(), a->threads); },
        [out](Napi::Env e) -> Napi::Value { return to_f32(e, std::move(*out)); });
  });
}

Napi::Value MlpLossGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = get_obj(env, info[0], "options");
    Keep keep;
    MlpFwdArgs a = mlp_fwd_args(env, o, keep);
    tr::nn::MlpTrainParams p;
    p.shape = a.s;
    p.train = read_train(env, o);
    tr::nn::MlpData d;
    d.n = a.n;
    d.X = a.X;
    d.Y = f32_field(env, o, "Y", a.n * a.s.outputs, false, keep);
    std::vector<float> g;
    double loss = tr::nn::mlp_loss_grad(p, a.w, d, g);
    Napi::Object out = Napi::Object::New(env);
    out.Set("loss", loss);
    out.Set("grads", grads_js(env, tr::nn::mlp_layout(a.s), g));
    return out;
  });
}

// ---------------------------------------------------------------------------------- MoE

struct MoeArgs {
  tr::nn::MoeShape s;
  tr::nn::MoeWeights w;
};

tr::nn::MoeShape moe_shape(Napi::Env env, Napi::Object o, Keep& keep) {
  tr::nn::MoeShape s;
  s.d = int_field(env, o, "d", 1, kMaxDim);
  s.H = int_field(env, o, "H", 1, kMaxDim);
  s.T = int_field(env, o, "T", 1, kMaxDim);
  s.M = int_field(env, o, "M", 1, kMaxDim);
  s.K = int_field(env, o, "K", 1, s.T);
  s.act = tr::nn::parse_act(opt_str(env, o, "activation", "relu"));
  int64_t np = 0;
  s.head_ptr = i32_field(env, o, "headPtr", &np, keep);
  if (np != s.T + 1) throw_invalid(env, len_msg("headPtr", static_cast<size_t>(np), s.T + 1));
  s.head_model = i32_field(env, o, "headModel", &s.n_heads, keep);
  tr::nn::moe_check_shape(s);
  return s;
}

tr::nn::MoeWeights moe_weights(Napi::Env env, Napi::Object o, const tr::nn::MoeShape& s, Keep& keep) {
  auto p = weights_of(env, o, tr::nn::moe_layout(s), keep);
  tr::nn::MoeWeights w;
  w.W1 = p[0];
  w.b1 = p[1];
  w.Wg = p[2];
  w.bg = p[3];
  w.U = p[4];
  w.c = p[5];
  w.V = p[6];
  w.e = p[7];
  return w;
}

void moe_common(Napi::Env env, Napi::Object o, tr::nn::MoeTrainParams& p) {
  p.gate_weight = opt_num(env, o, "gateWeight", 1.0);
  p.tune_gate = opt_bool(env, o, "tuneGate", true);
  p.phases = static_cast<int>(opt_int(env, o, "phases", 2, 1, 2));
  std::string l1 = opt_str(env, o, "phase1Loss", "mse");
  if (l1 != "mse" && l1 != "bce") throw_invalid(env, "phase1Loss must be 'mse' or 'bce'");
  p.phase1_loss = l1 == "bce" ? tr::nn::MoeLoss1::Bce : tr::nn::MoeLoss1::Mse;
  p.train = read_train(env, o);
}

tr::nn::MoeData moe_data(Napi::Env env, Napi::Object o, const tr::nn::MoeShape& s, Keep& keep, int64_t min_n) {
  tr::nn::MoeData d;
  d.n = int_field(env, o, "n", min_n, kMaxDim);
  d.X = f32_field(env, o, "X", d.n * s.d, false, keep);
  d.Y = f32_field(env, o, "Y", d.n * s.M, false, keep);
  d.gate_targets = f32_field(env, o, "gateTargets", d.n * s.T, true, keep);
  return d;
}

Napi::Value MoeTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = get_obj(env, info[0], "options");
    Keep keep;
    auto p = std::make_shared<tr::nn::MoeTrainParams>();
    p->shape = moe_shape(env, o, keep);
    moe_common(env, o, *p);
    p->gate_init_W = f32_field(env, o, "gateInitW", p->shape.T * p->shape.d, true, keep);
    p->gate_init_b = f32_field(env, o, "gateInitB", p->shape.T, true, keep);
    p->head_init_V = f32_field(env, o, "headInitV", p->shape.n_heads * p->shape.H, true, keep);
    p->head_init_e = f32_field(env, o, "headInitE", p->shape.n_heads, true, keep);
    auto tr_set = std::make_shared<tr::nn::MoeData>(moe_data(env, o, p->shape, keep, 1));
    std::shared_ptr<tr::nn::MoeData> val;
    if (!o.Get("val").IsUndefined())
      val = std::make_shared<tr::nn::MoeData>(moe_data(env, get_obj(env, o.Get("val"), "val"), p->shape, keep, 0));
    auto res = std::make_shared<tr::nn::MoeTrainResult>();
    return queue(
        env, keep, [p, tr_set, val, res] { *res = tr::nn::moe_train(*p, *tr_set, val.get()); },
        [res](Napi::Env e) -> Napi::Value {
          Napi::Object out = Napi::Object::New(e);
          out.Set("weights", params_js(e, res->params));
          Napi::Object h = Napi::Object::New(e);
          h.Set("phase1", history_js(e, res->phase1));
          h.Set("phase2", history_js(e, res->phase2));
          out.Set("history", h);
          return out;
        });
  });
}

struct MoeFwdArgs {
  tr::nn::MoeShape s;
  tr::nn::MoeWeights w;
  const float* X = nullptr;
  int64_t n = 0;
  bool q2 = true, gate = false, general = false, cuda = false;
  int threads = 0;
};

MoeFwdArgs moe_fwd_args(Napi::Env env, Napi::Object o, Keep& keep) {
  MoeFwdArgs a;
  a.s = moe_shape(env, o, keep);
  a.w = moe_weights(env, o, a.s, keep);
  a.n = int_field(env, o, "n", 0, kMaxDim);
  a.X = f32_field(env, o, "X", a.n * a.s.d, false, keep);
  a.q2 = opt_bool(env, o, "q2", true);
  a.gate = opt_bool(env, o, "gate", false);
  a.general = opt_bool(env, o, "general", false);
  a.cuda = opt_bool(env, o, "cuda", false);
  a.threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
#ifndef TASKROUTE_CUDA
  if (a.cuda) throw make_error(env, "ERR_TASKROUTE_NO_CUDA", "this build of the addon has no CUDA kernels");
#endif
  return a;
}

struct MoeOutBufs {
  std::vector<float> q2, gate, general;
  tr::nn::MoeOutputs view(const MoeFwdArgs& a) {
    if (a.q2) q2.resize(static_cast<size_t>(a.n * a.s.M));
    if (a.gate) gate.resize(static_cast<size_t>(a.n * a.s.T));
    if (a.general) general.resize(static_cast<size_t>(a.n * a.s.M));
    tr::nn::MoeOutputs o;
    o.q2 = a.q2 ? q2.data() : nullptr;
    o.gate = a.gate ? gate.data() : nullptr;
    o.general = a.general ? general.data() : nullptr;
    return o;
  }
  Napi::Object js(Napi::Env env, const MoeFwdArgs& a) {
    Napi::Object o = Napi::Object::New(env);
    if (a.q2) o.Set("q2", to_f32(env, std::move(q2)));
    if (a.gate) o.Set("gate", to_f32(env, std::move(gate)));
    if (a.general) o.Set("general", to_f32(env, std::move(general)));
    return o;
  }
};

void run_moe_forward(const MoeFwdArgs& a, const tr::nn::MoeOutputs& out) {
  if (a.cuda) {
#ifdef TASKROUTE_CUDA
    tr::cuda::moe_forward(a.s, a.w, a.X, a.n, out);
    return;
#endif
  }
  tr::nn::moe_forward(a.s, a.w, a.X, a.n, out, a.threads);
}

Napi::Value MoeForwardSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Keep keep;
    MoeFwdArgs a = moe_fwd_args(env, get_obj(env, info[0], "options"), keep);
    MoeOutBufs b;
    run_moe_forward(a, b.view(a));
    return b.js(env, a);
  });
}

Napi::Value MoeForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Keep keep;
    auto a = std::make_shared<MoeFwdArgs>(moe_fwd_args(env, get_obj(env, info[0], "options"), keep));
    auto b = std::make_shared<MoeOutBufs>();
    auto view = std::make_shared<tr::nn::MoeOutputs>(b->view(*a));
    return queue(
        env, keep, [a, view] { run_moe_forward(*a, *view); },
        [a, b](Napi::Env e) -> Napi::Value { return b->js(e, *a); });
  });
}

Napi::Value MoeLossGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = get_obj(env, info[0], "options");
    Keep keep;
    tr::nn::MoeTrainParams p;
    p.shape = moe_shape(env, o, keep);
    moe_common(env, o, p);
    tr::nn::MoeWeights w = moe_weights(env, o, p.shape, keep);
    tr::nn::MoeData d = moe_data(env, o, p.shape, keep, 0);
    const int phase = static_cast<int>(int_field(env, o, "phase", 1, 2));
    std::vector<float> g;
    double loss = tr::nn::moe_loss_grad(p, w, d, phase, g);
    Napi::Object out = Napi::Object::New(env);
    out.Set("loss", loss);
    out.Set("grads", grads_js(env, tr::nn::moe_layout(p.shape), g));
    return out;
  });
}

// ------------------------------------------------------------------------------ TRouter

tr::nn::TrouterShape trouter_shape(Napi::Env env, Napi::Object o) {
  tr::nn::TrouterShape s;
  s.d = int_field(env, o, "d", 1, kMaxDim);
  s.D = int_field(env, o, "D", 1, kMaxDim);
  s.M = int_field(env, o, "M", 1, kMaxDim);
  s.no_task = opt_bool(env, o, "noTask", false);
  s.L = s.no_task ? opt_int(env, o, "L", 0, 0, kMaxDim) : int_field(env, o, "L", 1, kMaxDim);
  s.de = s.no_task ? opt_int(env, o, "de", 0, 0, kMaxDim) : int_field(env, o, "de", 1, kMaxDim);
  s.tower_hidden = int_list(env, o, "towerHidden");
  s.dec_hidden = opt_int(env, o, "decoderHidden", 0, 0, kMaxDim);
  s.act = tr::nn::parse_act(opt_str(env, o, "activation", "relu"));
  s.normalize = opt_bool(env, o, "normalize", true);
  s.tau = opt_num(env, o, "tau", 0.07);
  s.has_cost = opt_bool(env, o, "hasCost", true);
  tr::nn::trouter_check_shape(s);
  return s;
}

tr::nn::TrouterData trouter_data(Napi::Env env, Napi::Object o, const tr::nn::TrouterShape& s, Keep& keep, int64_t min_n) {
  tr::nn::TrouterData d;
  d.n = int_field(env, o, "n", min_n, kMaxDim);
  d.X = f32_field(env, o, "X", d.n * s.d, false, keep);
  d.Yq = f32_field(env, o, "quality", d.n * s.M, false, keep);
  d.Yc = s.has_cost ? f32_field(env, o, "cost", d.n * s.M, true, keep) : nullptr;
  d.prior = s.no_task ? nullptr : f32_field(env, o, "prior", d.n * s.L, true, keep);
  return d;
}

void trouter_common(Napi::Env env, Napi::Object o, tr::nn::TrouterTrainParams& p, Keep& keep) {
  p.shape = trouter_shape(env, o);
  p.E = p.shape.no_task ? nullptr : f32_field(env, o, "E", p.shape.L * p.shape.de, false, keep);
  p.beta = opt_num(env, o, "beta", 1.0);
  p.quality_weight = opt_num(env, o, "qualityWeight", 1.0);
  p.cost_weight = opt_num(env, o, "costWeight", 1.0);
  p.train = read_train(env, o);
}

Napi::Value TrouterTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = get_obj(env, info[0], "options");
    Keep keep;
    auto p = std::make_shared<tr::nn::TrouterTrainParams>();
    trouter_common(env, o, *p, keep);
    auto tr_set = std::make_shared<tr::nn::TrouterData>(trouter_data(env, o, p->shape, keep, 1));
    std::shared_ptr<tr::nn::TrouterData> val;
    if (!o.Get("val").IsUndefined())
      val = std::make_shared<tr::nn::TrouterData>(trouter_data(env, get_obj(env, o.Get("val"), "val"), p->shape, keep, 0));
    auto res = std::make_shared<tr::nn::TrouterTrainResult>();
    return queue(
        env, keep, [p, tr_set, val, res] { *res = tr::nn::trouter_train(*p, *tr_set, val.get()); },
        [res](Napi::Env e) -> Napi::Value {
          Napi::Object out = Napi::Object::New(e);
          out.Set("weights", params_js(e, res->params));
          out.Set("history", history_js(e, res->history));
          return out;
        });
  });
}

struct TrouterFwdArgs {
  tr::nn::TrouterShape s;
  std::vector<const float*> w;
  const float* E = nullptr;
  const float* X = nullptr;
  int64_t n = 0;
  int threads = 0;
};

TrouterFwdArgs trouter_fwd_args(Napi::Env env, Napi::Object o, Keep& keep) {
  TrouterFwdArgs a;
  a.s = trouter_shape(env, o);
  a.w = weights_of(env, o, tr::nn::trouter_layout(a.s), keep);
  a.E = a.s.no_task ? nullptr : f32_field(env, o, "E", a.s.L * a.s.de, false, keep);
  a.n = int_field(env, o, "n", 0, kMaxDim);
  a.X = f32_field(env, o, "X", a.n * a.s.d, false, keep);
  a.threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
  return a;
}

struct TrouterOut {
  std::vector<float> q, quality, cost;
  void size(const TrouterFwdArgs& a) {
    if (!a.s.no_task) q.resize(static_cast<size_t>(a.n * a.s.L));
    quality.resize(static_cast<size_t>(a.n * a.s.M));
    if (a.s.has_cost) cost.resize(static_cast<size_t>(a.n * a.s.M));
  }
  void run(const TrouterFwdArgs& a) {
    tr::nn::trouter_forward(a.s, a.w, a.E, a.X, a.n, a.s.no_task ? nullptr : q.data(), quality.data(),
                            a.s.has_cost ? cost.data() : nullptr, a.threads);
  }
  Napi::Object js(Napi::Env env, const TrouterFwdArgs& a) {
    Napi::Object o = Napi::Object::New(env);
    if (!a.s.no_task) o.Set("q", to_f32(env, std::move(q)));
    o.Set("quality", to_f32(env, std::move(quality)));
    if (a.s.has_cost) o.Set("cost", to_f32(env, std::move(cost)));
    return o;
  }
};

Napi::Value TrouterForwardSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Keep keep;
    TrouterFwdArgs a = trouter_fwd_args(env, get_obj(env, info[0], "options"), keep);
    TrouterOut out;
    out.size(a);
    out.run(a);
    return out.js(env, a);
  });
}

Napi::Value TrouterForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Keep keep;
    auto a = std::make_shared<TrouterFwdArgs>(trouter_fwd_args(env, get_obj(env, info[0], "options"), keep));
    auto out = std::make_shared<TrouterOut>();
    out->size(*a);
    return queue(
        env, keep, [a, out] { out->run(*a); }, [a, out](Napi::Env e) -> Napi::Value { return out->js(e, *a); });
  });
}

Napi::Value TrouterLossGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = get_obj(env, info[0], "options");
    Keep keep;
    tr::nn::TrouterTrainParams p;
    trouter_common(env, o, p, keep);
    auto layout = tr::nn::trouter_layout(p.shape);
    auto w = weights_of(env, o, layout, keep);
    tr::nn::TrouterData d = trouter_data(env, o, p.shape, keep, 0);
    std::vector<float> g;
    double loss = tr::nn::trouter_loss_grad(p, w, d, g);
    Napi::Object out = Napi::Object::New(env);
    out.Set("loss", loss);
    out.Set("grads", grads_js(env, layout, g));
    return out;
  });
}

Registrar r_mlp_train("mlpTrain", MlpTrain);
Registrar r_mlp_fwd("mlpForward", MlpForward);
Registrar r_mlp_fwd_sync("mlpForwardSync", MlpForwardSync);
Registrar r_mlp_lg("mlpLossGrad", MlpLossGrad);
Registrar r_moe_train("moeTrain", MoeTrain);
Registrar r_moe_fwd("moeForward", MoeForward);
Registrar r_moe_fwd_sync("moeForwardSync", MoeForwardSync);
Registrar r_moe_lg("moeLossGrad", MoeLossGrad);
Registrar r_tr_train("trouterTrain", TrouterTrain);
Registrar r_tr_fwd("trouterForward", TrouterForward);
Registrar r_tr_fwd_sync("trouterForwardSync", TrouterForwardSync);
Registrar r_tr_lg("trouterLossGrad", TrouterLossGrad);

}  // namespace
}  // namespace tr::napi
