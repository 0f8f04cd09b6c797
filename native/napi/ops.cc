// N-API bindings of the vector ops: similarity, topk, knnGraph (each with a Sync twin),
// plus gemmIsa() and topkTiles() for tests and the kernel benchmark.
//
// Arguments are validated in TypeScript (src/ops/); the guards here protect memory only:
// matrix lengths, matching dimensions, k and result sizes that must fit int32.
// Async calls copy their inputs before queueing (a buffer detached or transferred while
// the worker runs could otherwise be freed under it) and write into result arrays
// allocated up front; cosine then normalises the copies in place.
#include <cstring>
#include <limits>
#include <memory>

#include "../kernels/gemm_isa.h"
#include "../kernels/knn_graph.h"
#include "../kernels/similarity.h"
#include "../kernels/topk.h"
#include "common.h"
#ifdef TASKROUTE_CUDA
#include "../cuda/topk.h"
#endif

namespace tr::napi {
namespace {

constexpr int64_t kMaxElems = std::numeric_limits<int32_t>::max();

Metric parse_metric(Napi::Env env, Napi::Object o) {
  std::string m = opt_str(env, o, "metric", "cosine");
  if (m == "cosine") return Metric::Cosine;
  if (m == "ip") return Metric::IP;
  if (m == "l2") return Metric::L2;
  throw_invalid(env, "metric must be 'ip', 'cosine' or 'l2'");
}

Symmetrize parse_symmetrize(Napi::Env env, Napi::Object o) {
  std::string s = opt_str(env, o, "symmetrize", "none");
  if (s == "none") return Symmetrize::None;
  if (s == "max") return Symmetrize::Max;
  if (s == "sum") return Symmetrize::Sum;
  throw_invalid(env, "symmetrize must be 'none', 'max' or 'sum'");
}

Napi::Object get_opts(Napi::Env env, const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return Napi::Object::New(env);
  return get_obj(env, info[i], "options");
}

int get_threads(Napi::Env env, Napi::Object o) { return static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024)); }

bool get_cuda(Napi::Env env, Napi::Object o) {
  bool c = opt_bool(env, o, "cuda", false);
#ifndef TASKROUTE_CUDA
  if (c) throw make_error(env, kCuda, "this build of the addon has no CUDA support (run \"npm run build:cuda\")");
#endif
  return c;
}

// Owned copies of the inputs of an async call (one copy when Q and B are the same array).
struct Copies {
  std::vector<float> q, b;
  bool same = false;
  const float* Q() const { return q.data(); }
  const float* B() const { return same ? q.data() : b.data(); }
};

std::shared_ptr<Copies> copy_inputs(const MatView& Q, const MatView* B) {
  auto c = std::make_shared<Copies>();
  c->q.assign(Q.data, Q.data + Q.rows * Q.cols);
  if (B) {
    c->same = B->data == Q.data && B->rows == Q.rows;
    if (!c->same) c->b.assign(B->data, B->data + B->rows * B->cols);
  }
  return c;
}

void check_same_dims(Napi::Env env, const MatView& Q, const MatView& B) {
  if (Q.cols != B.cols)
    throw_invalid(env, "Q.cols (" + std::to_string(Q.cols) + ") and B.cols (" + std::to_string(B.cols) + ") differ");
}

// ---- similarity -------------------------------------------------------------------

struct SimilarityCall {
  MatView Q, B;
  SimilarityParams p;
  bool cuda = false;
};

SimilarityCall similarity_args(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SimilarityCall c;
  c.Q = get_mat(env, info[0], "Q");
  c.B = get_mat(env, info[1], "B");
  check_same_dims(env, c.Q, c.B);
  if (c.Q.rows * c.B.rows > kMaxElems)
    throw_invalid(env, "the result Q.rows × B.rows = " + std::to_string(c.Q.rows * c.B.rows) + " exceeds 2147483647 values");
  Napi::Object o = get_opts(env, info, 2);
  c.p.metric = parse_metric(env, o);
  c.p.threads = get_threads(env, o);
  c.cuda = get_cuda(env, o);
  return c;
}

void run_similarity(const SimilarityCall& c, const float* Q, const float* B, float* out, bool writable) {
#ifdef TASKROUTE_CUDA
  if (c.cuda) {
    tr::cuda::similarity(c.p, Q, c.Q.rows, B, c.B.rows, c.Q.cols, out);
    return;
  }
#endif
  tr::similarity(c.p, Q, c.Q.rows, B, c.B.rows, c.Q.cols, out, writable);
}

Napi::Value SimilaritySync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    SimilarityCall c = similarity_args(info);
    auto out = Napi::Float32Array::New(env, static_cast<size_t>(c.Q.rows * c.B.rows));
    run_similarity(c, c.Q.data, c.B.data, out.Data(), false);
    return out;
  });
}

Napi::Value Similarity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    SimilarityCall c = similarity_args(info);
    auto in = copy_inputs(c.Q, &c.B);
    auto out = Napi::Float32Array::New(env, static_cast<size_t>(c.Q.rows * c.B.rows));
    auto ref = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(out));
    float* dst = out.Data();
    c.Q.holder = Napi::Value();
    c.B.holder = Napi::Value();
    return run_async(
        env, [c, in, dst]() { run_similarity(c, in->Q(), in->B(), dst, true); },
        [ref](Napi::Env) -> Napi::Value { return ref->Value(); }, {});
  });
}

// ---- topk ---------------------------------------------------------------------------

struct TopkCall {
  MatView Q, B;
  TopkParams p;
  int64_t kk = 0;
  bool cuda = false;
};

TopkCall topk_args(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TopkCall c;
  c.Q = get_mat(env, info[0], "Q");
  c.B = get_mat(env, info[1], "B");
  check_same_dims(env, c.Q, c.B);
  Napi::Object o = get_opts(env, info, 2);
  c.p.metric = parse_metric(env, o);
  c.p.k = get_int(env, o.Get("k"), "k", 1, kMaxElems);
  c.p.excludeSelf = opt_bool(env, o, "excludeSelf", false);
  c.p.threads = get_threads(env, o);
  c.cuda = get_cuda(env, o);
  if (c.p.excludeSelf && c.Q.rows != c.B.rows) throw_invalid(env, "excludeSelf needs Q.rows == B.rows");
  c.kk = topk_effective_k(c.B.rows, c.p.k, c.p.excludeSelf);
  if (c.Q.rows * c.kk > kMaxElems)
    throw_invalid(env, "the result Q.rows × k = " + std::to_string(c.Q.rows * c.kk) + " exceeds 2147483647 values");
  return c;
}

void run_topk(const TopkCall& c, const float* Q, const float* B, int32_t* idx, float* score, bool writable) {
#ifdef TASKROUTE_CUDA
  if (c.cuda && c.kk <= tr::cuda::kTopkMaxK) {
    tr::cuda::topk(c.p, Q, c.Q.rows, B, c.B.rows, c.Q.cols, idx, score);
    return;
  }
#endif
  tr::topk(c.p, Q, c.Q.rows, B, c.B.rows, c.Q.cols, idx, score, writable);
}

Napi::Object topk_result(Napi::Env env, Napi::Int32Array idx, Napi::Float32Array score, int64_t kk, int64_t nq) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("indices", idx);
  r.Set("scores", score);
  r.Set("k", Napi::Number::New(env, static_cast<double>(kk)));
  r.Set("nq", Napi::Number::New(env, static_cast<double>(nq)));
  return r;
}

Napi::Value TopkSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    TopkCall c = topk_args(info);
    const size_t n = static_cast<size_t>(c.Q.rows * c.kk);
    auto idx = Napi::Int32Array::New(env, n);
    auto score = Napi::Float32Array::New(env, n);
    run_topk(c, c.Q.data, c.B.data, idx.Data(), score.Data(), false);
    return topk_result(env, idx, score, c.kk, c.Q.rows);
  });
}

Napi::Value Topk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    TopkCall c = topk_args(info);
    auto in = copy_inputs(c.Q, &c.B);
    const size_t n = static_cast<size_t>(c.Q.rows * c.kk);
    auto idx = Napi::Int32Array::New(env, n);
    auto score = Napi::Float32Array::New(env, n);
    auto ridx = std::make_shared<Napi::Reference<Napi::Int32Array>>(Napi::Persistent(idx));
    auto rscore = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(score));
    int32_t* pi = idx.Data();
    float* ps = score.Data();
    c.Q.holder = Napi::Value();
    c.B.holder = Napi::Value();
    const int64_t kk = c.kk, nq = c.Q.rows;
    return run_async(
        env, [c, in, pi, ps]() { run_topk(c, in->Q(), in->B(), pi, ps, true); },
        [ridx, rscore, kk, nq](Napi::Env e) -> Napi::Value {
          return topk_result(e, ridx->Value(), rscore->Value(), kk, nq);
        },
        {});
  });
}

// ---- knnGraph -------------------------------------------------------------------------

struct KnnCall {
  MatView X;
  KnnGraphParams p;
  bool cuda = false;
};

KnnCall knn_args(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  KnnCall c;
  c.X = get_mat(env, info[0], "X");
  Napi::Object o = get_opts(env, info, 1);
  c.p.metric = parse_metric(env, o);
  c.p.k = get_int(env, o.Get("k"), "k", 1, kMaxElems);
  c.p.symmetrize = parse_symmetrize(env, o);
  c.p.threads = get_threads(env, o);
  c.cuda = get_cuda(env, o);
  const int64_t kk = topk_effective_k(c.X.rows, c.p.k, true);
  const int64_t edges = (c.p.symmetrize == Symmetrize::None ? 1 : 2) * c.X.rows * kk;
  if (edges > kMaxElems)
    throw_invalid(env, "the graph would hold " + std::to_string(edges) + " edges, more than 2147483647");
  return c;
}

CsrGraph run_knn(const KnnCall& c, const float* X, bool writable) {
#ifdef TASKROUTE_CUDA
  const int64_t kk = topk_effective_k(c.X.rows, c.p.k, true);
  if (c.cuda && kk <= tr::cuda::kTopkMaxK) {
    TopkParams tp;
    tp.metric = c.p.metric;
    tp.k = c.p.k;
    tp.excludeSelf = true;
    tp.threads = c.p.threads;
    std::vector<int32_t> idx(static_cast<size_t>(c.X.rows * kk));
    std::vector<float> w(idx.size());
    tr::cuda::topk(tp, X, c.X.rows, X, c.X.rows, c.X.cols, idx.data(), w.data());
    return csr_from_neighbours(c.X.rows, kk, idx.data(), w.data(), c.p.symmetrize, c.p.threads);
  }
#endif
  return tr::knn_graph(c.p, X, c.X.rows, c.X.cols, writable);
}

Napi::Object csr_result(Napi::Env env, CsrGraph& g) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("n", Napi::Number::New(env, static_cast<double>(g.n)));
  r.Set("rowPtr", to_i32(env, std::move(g.rowPtr)));
  r.Set("colIdx", to_i32(env, std::move(g.colIdx)));
  r.Set("weights", to_f32(env, std::move(g.weights)));
  return r;
}

Napi::Value KnnGraphSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    KnnCall c = knn_args(info);
    CsrGraph g = run_knn(c, c.X.data, false);
    return csr_result(env, g);
  });
}

Napi::Value KnnGraph(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    KnnCall c = knn_args(info);
    auto in = copy_inputs(c.X, nullptr);
    c.X.holder = Napi::Value();
    auto g = std::make_shared<CsrGraph>();
    return run_async(
        env, [c, in, g]() { *g = run_knn(c, in->q.data(), true); },
        [g](Napi::Env e) -> Napi::Value { return csr_result(e, *g); }, {});
  });
}

// ---- knobs for tests and the benchmark ------------------------------------------------

// gemmIsa(): the built-in GEMM's ISA; gemmIsa(name) switches it ('auto' | 'avx512' | 'avx2' | 'portable').
Napi::Value GemmIsaFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() > 0 && !info[0].IsUndefined()) tr::set_builtin_gemm_isa(get_str(env, info[0], "isa"));
    return Napi::String::New(env, tr::gemm_isa_name(tr::builtin_gemm_isa()));
  });
}

// topkTiles(): { query, base } rows per tile; topkTiles(query, base) sets them (0: defaults).
Napi::Value TopkTilesFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() > 0 && !info[0].IsUndefined()) {
      TopkTiles t;
      t.query = get_int(env, info[0], "query", 0, 8192);
      t.base = get_int(env, info[1], "base", 0, 1 << 16);
      tr::set_topk_tiles(t);
    }
    TopkTiles t = tr::topk_tiles();
    Napi::Object r = Napi::Object::New(env);
    r.Set("query", Napi::Number::New(env, static_cast<double>(t.query)));
    r.Set("base", Napi::Number::New(env, static_cast<double>(t.base)));
    return r;
  });
}

Registrar r_sim("similarity", Similarity);
Registrar r_sim_sync("similaritySync", SimilaritySync);
Registrar r_topk("topk", Topk);
Registrar r_topk_sync("topkSync", TopkSync);
Registrar r_knn("knnGraph", KnnGraph);
Registrar r_knn_sync("knnGraphSync", KnnGraphSync);
Registrar r_isa("gemmIsa", GemmIsaFn);
Registrar r_tiles("topkTiles", TopkTilesFn);

}  // namespace
}  // namespace tr::napi
