// Bindings of the builtin embedder (kernels/hash_embed.h) and the randomized SVD
// (kernels/svd.h). Texts cross as one UTF-8 buffer plus Int32Array offsets [n + 1].
//
//   hashEmbedFeatures(bytes, offsets, params)            → { indptr, buckets, counts }   (sync)
//   hashEmbedFit(bytes, offsets, params)                 → Promise<{ buckets, idf, projection, fallback, singular, rank, minDf, samples, candidates }>
//   hashEmbedModel({ buckets, idf, projection, fallback }, params) → model handle (a copy)
//   hashEmbed(model, bytes, offsets, { threads })        → Promise<Float32Array [n × dim]>
//   hashEmbedSync(model, bytes, offsets, { threads })    → Float32Array
//   hashEmbedTfidf(model, bytes, offsets, { threads })   → { indptr, features, values }   (sync)
//   randomizedSvd({ indptr, indices, values, rows, cols }, params)     → Promise<{ s, v, k }>
//   randomizedSvdSync(...)                               → { s, v, k }
#include <cmath>
#include <limits>
#include <memory>

#include "../kernels/hash_embed.h"
#include "../kernels/svd.h"
#include "common.h"

namespace tr::napi {
namespace {

using tr::embed::Model;

const napi_type_tag kModelTag = {0x7461736b726f7574ull, 0x6548617368456d62ull};

Napi::Uint8Array get_u8(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw_invalid(env, std::string(name) + " must be a Uint8Array");
  return v.As<Napi::Uint8Array>();
}

// Texts view plus the JS arrays to keep alive.
struct TextsArg {
  tr::embed::Texts t;
  Napi::Value bytes, offsets;
};

TextsArg get_texts(Napi::Env env, Napi::Value b, Napi::Value o) {
  TextsArg a;
  Napi::Uint8Array bytes = get_u8(env, b, "bytes");
  Napi::Int32Array off = get_i32(env, o, "offsets");
  if (off.ElementLength() < 1) throw_invalid(env, "offsets must have n + 1 >= 1 entries");
  if (off.Data() == nullptr) throw_invalid(env, "offsets is detached");
  a.t.bytes = bytes.ElementLength() ? bytes.Data() : nullptr;
  a.t.offsets = off.Data();
  a.t.n = static_cast<int64_t>(off.ElementLength()) - 1;
  tr::embed::check_texts(a.t, static_cast<int64_t>(bytes.ElementLength()));
  a.bytes = bytes;
  a.offsets = off;
  return a;
}

tr::embed::HashParams get_hash_params(Napi::Env env, Napi::Object o) {
  tr::embed::HashParams p;
  p.bits = static_cast<int>(opt_int(env, o, "bits", p.bits, 8, 26));
  const double seed = opt_num(env, o, "seed", 0);
  if (!(seed >= 0) || seed > 9007199254740991.0 || std::floor(seed) != seed)
    throw_invalid(env, "seed must be an integer in [0, 2^53 - 1]");
  p.seed = static_cast<uint64_t>(seed);
  p.word_ngram_max = static_cast<int>(opt_int(env, o, "wordNgramMax", p.word_ngram_max, 0, 8));
  p.char_ngram_min = static_cast<int>(opt_int(env, o, "charNgramMin", p.char_ngram_min, 1, 16));
  p.char_ngram_max = static_cast<int>(opt_int(env, o, "charNgramMax", p.char_ngram_max, 0, 16));
  tr::embed::check(p);
  return p;
}

Napi::Object opts_arg(Napi::Env env, const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return Napi::Object::New(env);
  return get_obj(env, info[i], "options");
}

Napi::Value csr_result(Napi::Env env, const std::vector<int64_t>& indptr, const char* idx_name, std::vector<int32_t>&& idx,
                       const char* val_name, Napi::Value values) {
  if (!indptr.empty() && indptr.back() > std::numeric_limits<int32_t>::max())
    throw make_error(env, kInvalidArg, "too many features for one call; pass fewer texts");
  std::vector<int32_t> ip(indptr.begin(), indptr.end());
  Napi::Object r = Napi::Object::New(env);
  r.Set("indptr", to_i32(env, std::move(ip)));
  r.Set(idx_name, to_i32(env, std::move(idx)));
  r.Set(val_name, values);
  return r;
}

Napi::Value HashEmbedFeatures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    TextsArg ta = get_texts(env, info[0], info[1]);
    Napi::Object o = opts_arg(env, info, 2);
    tr::embed::HashParams hp = get_hash_params(env, o);
    const int threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
    std::vector<int64_t> indptr;
    std::vector<int32_t> buckets, counts;
    tr::embed::hashed_counts(ta.t, hp, threads, indptr, buckets, counts);
    Napi::Int32Array c = to_i32(env, std::move(counts));
    return csr_result(env, indptr, "buckets", std::move(buckets), "counts", c);
  });
}

Napi::Value HashEmbedFit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    TextsArg ta = get_texts(env, info[0], info[1]);
    Napi::Object o = opts_arg(env, info, 2);
    tr::embed::FitParams p;
    p.hash = get_hash_params(env, o);
    p.min_df = opt_int(env, o, "minDf", p.min_df, 1, int64_t{1} << 40);
    p.max_features = opt_int(env, o, "maxFeatures", p.max_features, 1, int64_t{1} << 22);
    p.dim = opt_int(env, o, "dim", p.dim, 1, 4096);
    p.oversample = opt_int(env, o, "oversample", p.oversample, 0, 1000);
    p.power_iters = opt_int(env, o, "powerIters", p.power_iters, 0, 50);
    p.svd_samples = opt_int(env, o, "svdSamples", p.svd_samples, 1, int64_t{1} << 40);
    p.threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
    auto model = std::make_shared<Model>();
    auto fi = std::make_shared<tr::embed::FitInfo>();
    tr::embed::Texts t = ta.t;
    return run_async(
        env, [t, p, model, fi]() { *model = tr::embed::fit(t, p, fi.get()); },
        [model, fi](Napi::Env e) -> Napi::Value {
          Napi::Object r = Napi::Object::New(e);
          r.Set("buckets", to_i32(e, model->buckets.data(), model->buckets.size()));
          r.Set("idf", to_f32(e, model->idf.data(), model->idf.size()));
          r.Set("projection", to_f32(e, model->projection.data(), model->projection.size()));
          r.Set("fallback", to_f32(e, model->fallback.data(), model->fallback.size()));
          r.Set("singular", to_f32(e, fi->singular.data(), fi->singular.size()));
          r.Set("rank", Napi::Number::New(e, static_cast<double>(fi->rank)));
          r.Set("minDf", Napi::Number::New(e, static_cast<double>(fi->min_df)));
          r.Set("samples", Napi::Number::New(e, static_cast<double>(fi->samples)));
          r.Set("candidates", Napi::Number::New(e, static_cast<double>(fi->candidates)));
          return r;
        },
        {ta.bytes, ta.offsets});
  });
}

Napi::Value HashEmbedModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object t = get_obj(env, info[0], "tensors");
    Napi::Object o = opts_arg(env, info, 1);
    auto m = std::make_unique<Model>();
    m->hash = get_hash_params(env, o);
    Napi::Int32Array b = get_i32(env, t.Get("buckets"), "buckets");
    Napi::Float32Array idf = get_f32(env, t.Get("idf"), "idf");
    Napi::Float32Array proj = get_f32(env, t.Get("projection"), "projection");
    Napi::Float32Array fb = get_f32(env, t.Get("fallback"), "fallback");
    auto copy = [&](auto arr, auto& dst, const char* name) {
      const size_t n = arr.ElementLength();
      if (n && arr.Data() == nullptr) throw_invalid(env, std::string(name) + " is detached");
      dst.assign(arr.Data(), arr.Data() + n);
    };
    copy(b, m->buckets, "buckets");
    copy(idf, m->idf, "idf");
    copy(proj, m->projection, "projection");
    copy(fb, m->fallback, "fallback");
    m->features = static_cast<int64_t>(m->buckets.size());
    m->dim = static_cast<int64_t>(m->fallback.size());
    m->index();
    const int64_t bytes = static_cast<int64_t>(m->bytes());
    Napi::External<Model> ext = Napi::External<Model>::New(env, m.release(), [bytes](Napi::Env e, Model* p) {
      Napi::MemoryManagement::AdjustExternalMemory(e, -bytes);
      delete p;
    });
    Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
    ext.TypeTag(&kModelTag);
    return ext;
  });
}

const Model& get_model(Napi::Env env, Napi::Value v) {
  if (!v.IsExternal()) throw_invalid(env, "model must be a handle from hashEmbedModel()");
  Napi::External<Model> ext = v.As<Napi::External<Model>>();
  if (!ext.CheckTypeTag(&kModelTag)) throw_invalid(env, "model must be a handle from hashEmbedModel()");
  return *ext.Data();
}

Napi::Value embed_impl(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Model& m = get_model(env, info[0]);
    TextsArg ta = get_texts(env, info[1], info[2]);
    Napi::Object o = opts_arg(env, info, 3);
    const int threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
    const size_t n = static_cast<size_t>(ta.t.n) * static_cast<size_t>(m.dim);
    Napi::Float32Array out = Napi::Float32Array::New(env, n);
    float* dst = out.Data();
    if (!async) {
      tr::embed::embed(m, ta.t, threads, dst);
      return out;
    }
    const Model* mp = &m;
    tr::embed::Texts t = ta.t;
    Napi::Value outv = out;
    auto ref = std::make_shared<Napi::Reference<Napi::Value>>(Napi::Persistent(outv));
    return run_async(
        env, [mp, t, threads, dst]() { tr::embed::embed(*mp, t, threads, dst); },
        [ref](Napi::Env) -> Napi::Value { return ref->Value(); }, {info[0], ta.bytes, ta.offsets});
  });
}

Napi::Value HashEmbed(const Napi::CallbackInfo& info) { return embed_impl(info, true); }
Napi::Value HashEmbedSync(const Napi::CallbackInfo& info) { return embed_impl(info, false); }

Napi::Value HashEmbedTfidf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Model& m = get_model(env, info[0]);
    TextsArg ta = get_texts(env, info[1], info[2]);
    Napi::Object o = opts_arg(env, info, 3);
    const int threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
    std::vector<int64_t> indptr;
    std::vector<int32_t> feats;
    std::vector<float> vals;
    tr::embed::tfidf(m, ta.t, threads, indptr, feats, vals);
    Napi::Float32Array v = to_f32(env, std::move(vals));
    return csr_result(env, indptr, "features", std::move(feats), "values", v);
  });
}

// A CSR matrix argument, copied (indptr widened to int64) and bounds-checked.
struct CsrArg {
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> indptr;
  std::vector<int32_t> indices;
  std::vector<float> values;
  tr::svd::Csr view() const {
    tr::svd::Csr c;
    c.rows = rows;
    c.cols = cols;
    c.indptr = indptr.data();
    c.indices = indices.data();
    c.values = values.data();
    return c;
  }
};

std::shared_ptr<CsrArg> get_csr(Napi::Env env, Napi::Value v) {
  Napi::Object o = get_obj(env, v, "matrix");
  auto c = std::make_shared<CsrArg>();
  c->rows = get_int(env, o.Get("rows"), "matrix.rows", 0, std::numeric_limits<int32_t>::max());
  c->cols = get_int(env, o.Get("cols"), "matrix.cols", 0, std::numeric_limits<int32_t>::max());
  Napi::Int32Array ip = get_i32(env, o.Get("indptr"), "matrix.indptr");
  Napi::Int32Array ix = get_i32(env, o.Get("indices"), "matrix.indices");
  Napi::Float32Array vs = get_f32(env, o.Get("values"), "matrix.values");
  if (static_cast<int64_t>(ip.ElementLength()) != c->rows + 1) throw_invalid(env, "matrix.indptr must have rows + 1 entries");
  if (ix.ElementLength() != vs.ElementLength()) throw_invalid(env, "matrix.indices and matrix.values must have the same length");
  if (ip.Data() == nullptr || (ix.ElementLength() && (ix.Data() == nullptr || vs.Data() == nullptr)))
    throw_invalid(env, "matrix arrays are detached");
  const int32_t* p = ip.Data();
  if (p[0] != 0) throw_invalid(env, "matrix.indptr[0] must be 0");
  for (int64_t i = 0; i < c->rows; ++i)
    if (p[i + 1] < p[i]) throw_invalid(env, "matrix.indptr must be non-decreasing");
  if (static_cast<size_t>(p[c->rows]) != ix.ElementLength()) throw_invalid(env, "matrix.indptr[rows] must equal the number of entries");
  c->indptr.assign(p, p + c->rows + 1);
  c->indices.assign(ix.Data(), ix.Data() + ix.ElementLength());
  c->values.assign(vs.Data(), vs.Data() + vs.ElementLength());
  for (int32_t x : c->indices)
    if (x < 0 || x >= c->cols) throw_invalid(env, "matrix.indices must be in [0, cols)");
  return c;
}

Napi::Value svd_result(Napi::Env env, tr::svd::RsvdResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("s", to_f32(env, r.s.data(), r.s.size()));
  o.Set("v", to_f32(env, r.v.data(), r.v.size()));
  o.Set("k", Napi::Number::New(env, static_cast<double>(r.k)));
  return o;
}

Napi::Value svd_impl(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    std::shared_ptr<CsrArg> a = get_csr(env, info[0]);
    Napi::Object o = opts_arg(env, info, 1);
    tr::svd::RsvdParams p;
    p.rank = opt_int(env, o, "rank", p.rank, 1, std::numeric_limits<int32_t>::max());
    p.oversample = opt_int(env, o, "oversample", p.oversample, 0, 1000);
    p.power_iters = opt_int(env, o, "powerIters", p.power_iters, 0, 50);
    const double seed = opt_num(env, o, "seed", 0);
    if (!(seed >= 0) || seed > 9007199254740991.0 || std::floor(seed) != seed)
      throw_invalid(env, "seed must be an integer in [0, 2^53 - 1]");
    p.seed = static_cast<uint64_t>(seed);
    p.threads = static_cast<int>(opt_int(env, o, "threads", 0, 0, 1024));
    if (!async) {
      tr::svd::RsvdResult r = tr::svd::randomized_svd(a->view(), p);
      return svd_result(env, r);
    }
    auto res = std::make_shared<tr::svd::RsvdResult>();
    return run_async(
        env, [a, p, res]() { *res = tr::svd::randomized_svd(a->view(), p); },
        [res](Napi::Env e) -> Napi::Value { return svd_result(e, *res); }, {});
  });
}

Napi::Value RandomizedSvd(const Napi::CallbackInfo& info) { return svd_impl(info, true); }
Napi::Value RandomizedSvdSync(const Napi::CallbackInfo& info) { return svd_impl(info, false); }

Registrar r_features("hashEmbedFeatures", HashEmbedFeatures);
Registrar r_fit("hashEmbedFit", HashEmbedFit);
Registrar r_model("hashEmbedModel", HashEmbedModel);
Registrar r_embed("hashEmbed", HashEmbed);
Registrar r_embed_sync("hashEmbedSync", HashEmbedSync);
Registrar r_tfidf("hashEmbedTfidf", HashEmbedTfidf);
Registrar r_svd("randomizedSvd", RandomizedSvd);
Registrar r_svd_sync("randomizedSvdSync", RandomizedSvdSync);

}  // namespace
}  // namespace tr::napi
