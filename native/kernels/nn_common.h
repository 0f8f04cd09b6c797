// The training machinery shared by the small networks (MLP, FineRouter's MoE, the
// TRouter model): a documented PRNG, activations, a flat parameter set, Adam with
// decoupled weight decay, and the minibatch loop with early stopping.
//
// Determinism: a minibatch is cut into fixed-size sub-chunks (TrainConfig::chunk_rows);
// each chunk writes its own gradient buffer (tr::sgemm products inside, single-threaded),
// the chunks run on tr::parallel_dynamic, and the buffers are summed in chunk order.
// Chunk boundaries and summation order never depend on the thread count, so the trained
// weights are bit-identical for any `threads`.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "error.h"
#include "parallel.h"

namespace tr::nn {

// ---------------------------------------------------------------------------------
// PRNG. splitmix64 (Steele, Lea, Flood 2014) expands a 64-bit seed; xoshiro256**
// (Blackman & Vigna 2018) is the stream generator. `hash2` derives independent keys
// (dropout masks per row, per phase streams) without sharing generator state.

inline uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline uint64_t hash2(uint64_t a, uint64_t b) {
  uint64_t s = a ^ (b * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull);
  splitmix64(s);
  return splitmix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t s = seed;
    for (auto& w : s_) w = splitmix64(s);
  }
  uint64_t next() {
    const uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n) (Lemire's multiply-shift with rejection: unbiased).
  uint64_t below(uint64_t n) {
    for (;;) {
      __uint128_t m = static_cast<__uint128_t>(next()) * n;
      uint64_t lo = static_cast<uint64_t>(m);
      if (lo >= n || lo >= (0 - n) % n) return static_cast<uint64_t>(m >> 64);
    }
  }
  // Standard normal (Box–Muller, one value per call).
  double normal() {
    double u = uniform(), v = uniform();
    if (u < 1e-300) u = 1e-300;
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Fisher–Yates shuffle driven by Rng.
inline void shuffle(std::vector<int32_t>& a, Rng& r) {
  for (int64_t i = static_cast<int64_t>(a.size()) - 1; i > 0; --i) {
    int64_t j = static_cast<int64_t>(r.below(static_cast<uint64_t>(i + 1)));
    std::swap(a[i], a[j]);
  }
}

// ---------------------------------------------------------------------------------
// Activations. GELU is the tanh approximation (GPT-2, llm.c), which every twin (CPU,
// CUDA, the TS reference in the tests) can compute with the same formula.

enum class Act { Relu = 0, Gelu = 1, Tanh = 2 };

Act parse_act(const std::string& s);  // throws tr::Error(kInvalidArg)
const char* act_name(Act a);

inline float act_f(Act a, float z) {
  switch (a) {
    case Act::Relu:
      return z > 0.f ? z : 0.f;
    case Act::Tanh:
      return std::tanh(z);
    case Act::Gelu:
    default: {
      const float c = 0.7978845608028654f;  // sqrt(2/pi)
      return 0.5f * z * (1.f + std::tanh(c * (z + 0.044715f * z * z * z)));
    }
  }
}

// d act / dz at pre-activation z.
inline float act_df(Act a, float z) {
  switch (a) {
    case Act::Relu:
      return z > 0.f ? 1.f : 0.f;
    case Act::Tanh: {
      float t = std::tanh(z);
      return 1.f - t * t;
    }
    case Act::Gelu:
    default: {
      const float c = 0.7978845608028654f;
      float t = std::tanh(c * (z + 0.044715f * z * z * z));
      return 0.5f * (1.f + t) + 0.5f * z * (1.f - t * t) * c * (1.f + 3.f * 0.044715f * z * z);
    }
  }
}

inline float sigmoidf(float z) {
  if (z >= 0.f) return 1.f / (1.f + std::exp(-z));
  float e = std::exp(z);
  return e / (1.f + e);
}

// log(1 + exp(z)) without overflow.
inline double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

// Numerically stable softmax of a row in place (float, max subtracted).
inline void softmax_row(float* z, int64_t n) {
  float mx = z[0];
  for (int64_t i = 1; i < n; ++i) mx = std::max(mx, z[i]);
  float s = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    z[i] = std::exp(z[i] - mx);
    s += z[i];
  }
  float inv = 1.f / s;
  for (int64_t i = 0; i < n; ++i) z[i] *= inv;
}

// Logit of a mean target clamped to [0.01, 0.99]: the output bias that starts a sigmoid
// head at the column mean.
inline float logit_clamped(double p) {
  p = std::min(0.99, std::max(0.01, p));
  return static_cast<float>(std::log(p / (1.0 - p)));
}

// C[rows×out] = A[rows×in] · W[out×in]ᵀ + b (b may be null).
void linear_forward(const float* A, int64_t rows, int64_t in, const float* W, const float* b, int64_t out, float* C);
// dW[out×in] += dZ[rows×out]ᵀ · A[rows×in];  db[out] += Σ_rows dZ (db may be null).
void linear_backward_params(const float* dZ, int64_t rows, int64_t out, const float* A, int64_t in, float* dW, float* db);
// dA[rows×in] = dZ[rows×out] · W[out×in]  (beta = 0: overwrites dA).
void linear_backward_input(const float* dZ, int64_t rows, int64_t out, const float* W, int64_t in, float* dA);

// ---------------------------------------------------------------------------------
// A flat parameter set: every tensor lives in one contiguous float buffer, so chunk
// gradients, their ordered sum, Adam and the best-epoch snapshot are plain loops.

struct ParamEntry {
  std::string name;
  int64_t rows = 0, cols = 0, offset = 0;
  bool decay = true;       // decoupled weight decay applies (weights yes, biases no)
  bool trainable = true;   // frozen tensors keep their values (MoE phase 2)
  int64_t size() const { return rows * cols; }
};

class ParamSet {
 public:
  // Adds a zero-initialised tensor; returns its index. Pointers from ptr() are valid
  // only after the last add().
  int add(const std::string& name, int64_t rows, int64_t cols, bool decay);
  int index(const std::string& name) const;  // -1 when absent
  const ParamEntry& entry(int i) const { return entries_[i]; }
  ParamEntry& entry(int i) { return entries_[i]; }
  int count() const { return static_cast<int>(entries_.size()); }
  float* ptr(int i) { return data_.data() + entries_[i].offset; }
  const float* ptr(int i) const { return data_.data() + entries_[i].offset; }
  float* ptr(const std::string& name);
  int64_t total() const { return static_cast<int64_t>(data_.size()); }
  std::vector<float>& data() { return data_; }
  const std::vector<float>& data() const { return data_; }
  void set_trainable(const std::string& name, bool on);

 private:
  std::vector<ParamEntry> entries_;
  std::vector<float> data_;
};

// Fills a [rows×cols] weight with N(0, std²) from rng.
void init_normal(float* w, int64_t n, double stddev, Rng& rng);
// The init std of a weight feeding activation a (He for relu/gelu, Xavier-like for tanh
// and for linear outputs): gain / sqrt(fan_in).
double init_std(int64_t fan_in, bool feeds_relu_like);

// ---------------------------------------------------------------------------------
// Adam (Kingma & Ba) with decoupled weight decay (Loshchilov & Hutter, PyTorch AdamW
// order: p ← p·(1 − lr·wd), then p ← p − lr·m̂/(√v̂ + ε)). Frozen tensors are skipped.

struct AdamConfig {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

class Adam {
 public:
  Adam(const ParamSet& p, const AdamConfig& c);
  void step(ParamSet& p, const float* grad, int threads);
  int64_t steps() const { return t_; }

 private:
  AdamConfig c_;
  std::vector<float> m_, v_;
  int64_t t_ = 0;
};

// ---------------------------------------------------------------------------------
// The minibatch loop.

struct TrainConfig {
  double lr = 1e-3;            // Adam learning rate
  double weight_decay = 0.0;   // decoupled weight decay on weight matrices
  int64_t batch_size = 128;    // rows per minibatch
  int64_t epochs = 100;        // epochs at most
  int64_t patience = 8;        // epochs without improvement of the criterion before stopping
  uint64_t seed = 0;           // shuffling, init and dropout
  int threads = 0;             // 0: TASKROUTE_THREADS or every core
  int64_t chunk_rows = 32;     // rows per gradient sub-chunk (fixes the summation order)
};

struct TrainHistory {
  std::vector<double> train;  // mean minibatch loss per epoch (weights moving during the epoch)
  std::vector<double> val;    // validation loss per epoch after the epoch (NaN without val)
  int64_t best_epoch = -1;    // 0-based epoch whose weights were kept (-1: the initial weights)
  double best_loss = std::numeric_limits<double>::quiet_NaN();
  double initial = std::numeric_limits<double>::quiet_NaN();  // criterion before training (keep_initial)
};

inline constexpr int64_t kEvalRows = 64;  // rows per chunk when only evaluating

// Sums C chunk buffers of G floats each, in chunk order, into out (parallel over G).
void sum_chunks(const float* bufs, int64_t C, int64_t G, float* out, int threads);

// A model trainable by train() provides:
//   using Set = ...;   using Norm = ...;
//   int64_t rows(const Set&) const;
//   int64_t grad_size() const;          floats per chunk gradient buffer (params.total() + aux)
//   void prepare(int threads, int64_t max_rows);   per-thread scratch
//   void begin_step(bool training);     once per minibatch / evaluation, before the chunks
//   bool norm(const Set&, const int32_t* idx, int64_t n, Norm&) const;  false: nothing to learn
//   double chunk(const Set&, const int32_t* idx, int64_t n, const Norm&, float* grad_or_null,
//                int thread, uint64_t key);   the chunk's share of the (normalised) loss
//   void end_step(float* grad);         turns the aux part of the summed gradient into params
// `key` identifies the chunk's first row in the epoch (for dropout masks).

template <class Model>
double evaluate(Model& model, const typename Model::Set& set, int threads) {
  const int64_t n = model.rows(set);
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  std::vector<int32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  model.begin_step(false);
  typename Model::Norm norm;
  if (!model.norm(set, idx.data(), n, norm)) return std::numeric_limits<double>::quiet_NaN();
  const int64_t C = (n + kEvalRows - 1) / kEvalRows;
  std::vector<double> parts(C, 0.0);
  parallel_dynamic(C, 1, threads, [&](int64_t c0, int64_t c1, int ti) {
    for (int64_t c = c0; c < c1; ++c) {
      int64_t b = c * kEvalRows, e = std::min(n, b + kEvalRows);
      parts[c] = model.chunk(set, idx.data() + b, e - b, norm, nullptr, ti, 0);
    }
  });
  double s = 0;
  for (double p : parts) s += p;
  return s;
}

// Loss and gradient of the whole set in one step (no update): the debug path the
// gradient checks use. grad has grad_size() floats; end_step() has been applied.
template <class Model>
double loss_and_grad(Model& model, const typename Model::Set& set, std::vector<float>& grad, int threads,
                     int64_t chunk_rows) {
  const int64_t n = model.rows(set);
  const int64_t G = model.grad_size();
  grad.assign(G, 0.f);
  std::vector<int32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  model.prepare(threads, std::max(chunk_rows, kEvalRows));
  model.begin_step(true);
  typename Model::Norm norm;
  if (n == 0 || !model.norm(set, idx.data(), n, norm)) return 0.0;
  const int64_t C = (n + chunk_rows - 1) / chunk_rows;
  std::vector<float> bufs(C * G, 0.f);
  std::vector<double> parts(C, 0.0);
  parallel_dynamic(C, 1, threads, [&](int64_t c0, int64_t c1, int ti) {
    for (int64_t c = c0; c < c1; ++c) {
      int64_t b = c * chunk_rows, e = std::min(n, b + chunk_rows);
      parts[c] = model.chunk(set, idx.data() + b, e - b, norm, bufs.data() + c * G, ti, 0);
    }
  });
  sum_chunks(bufs.data(), C, G, grad.data(), threads);
  model.end_step(grad.data());
  double s = 0;
  for (double p : parts) s += p;
  return s;
}

// Minibatch Adam with early stopping: the criterion is the validation loss (or, without
// a validation set, the epoch's mean training loss); the weights of the best epoch are
// kept. With keep_initial the starting weights are a candidate too (fine-tuning phases:
// never worse than where they started). `stream` separates the shuffling streams of
// several phases under one seed.
template <class Model>
TrainHistory train(Model& model, ParamSet& params, const typename Model::Set& tr_set, const typename Model::Set* val_set,
                   const TrainConfig& cfg, uint64_t stream, bool keep_initial = false) {
  const int threads = resolve_threads(cfg.threads);
  const int64_t n = model.rows(tr_set);
  const int64_t chunk = std::max<int64_t>(1, cfg.chunk_rows);
  const int64_t batch = std::max<int64_t>(1, std::min(cfg.batch_size, std::max<int64_t>(n, 1)));
  model.prepare(threads, std::max(chunk, kEvalRows));
  AdamConfig ac;
  ac.lr = cfg.lr;
  ac.weight_decay = cfg.weight_decay;
  Adam adam(params, ac);
  const int64_t G = model.grad_size();
  const int64_t maxC = (batch + chunk - 1) / chunk;
  std::vector<float> bufs(maxC * G), grad(G);
  std::vector<double> parts(maxC);
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(hash2(cfg.seed, 0x5348554646ull + stream));  // "SHUFF"
  std::vector<float> best = params.data();
  TrainHistory h;
  double best_crit = std::numeric_limits<double>::infinity();
  int64_t bad = 0;
  const bool has_val = val_set != nullptr && model.rows(*val_set) > 0;
  if (keep_initial) {
    h.initial = evaluate(model, has_val ? *val_set : tr_set, threads);
    if (std::isfinite(h.initial)) {
      best_crit = h.initial;
      h.best_loss = h.initial;
    }
  }
  for (int64_t ep = 0; ep < cfg.epochs; ++ep) {
    shuffle(order, rng);
    double ep_loss = 0;
    int64_t steps = 0;
    for (int64_t b0 = 0; b0 < n; b0 += batch) {
      const int64_t nb = std::min(batch, n - b0);
      const int32_t* idx = order.data() + b0;
      model.begin_step(true);
      typename Model::Norm norm;
      if (!model.norm(tr_set, idx, nb, norm)) continue;
      const int64_t C = (nb + chunk - 1) / chunk;
      const uint64_t key0 = hash2(hash2(cfg.seed ^ 0xD50F0u, stream), static_cast<uint64_t>(ep));
      parallel_dynamic(C, 1, threads, [&](int64_t c0, int64_t c1, int ti) {
        for (int64_t c = c0; c < c1; ++c) {
          float* g = bufs.data() + c * G;
          std::memset(g, 0, sizeof(float) * G);
          const int64_t s = c * chunk, e = std::min(nb, s + chunk);
          parts[c] = model.chunk(tr_set, idx + s, e - s, norm, g, ti, hash2(key0, static_cast<uint64_t>(b0 + s)));
        }
      });
      sum_chunks(bufs.data(), C, G, grad.data(), threads);
      model.end_step(grad.data());
      adam.step(params, grad.data(), threads);
      double s = 0;
      for (int64_t c = 0; c < C; ++c) s += parts[c];
      ep_loss += s;
      ++steps;
    }
    const double tl = steps ? ep_loss / static_cast<double>(steps) : std::numeric_limits<double>::quiet_NaN();
    const double vl = has_val ? evaluate(model, *val_set, threads) : std::numeric_limits<double>::quiet_NaN();
    h.train.push_back(tl);
    h.val.push_back(vl);
    // A validation set with nothing observed (all targets NaN) cannot judge: use the training loss.
    const double crit = has_val && !std::isnan(vl) ? vl : tl;
    if (!std::isfinite(crit)) {
      if (steps == 0) break;  // nothing to learn from
      throw Error(kInternal, "training diverged: the loss of epoch " + std::to_string(ep) +
                                 " is not finite (lower the learning rate)");
    }
    if (crit < best_crit) {
      best_crit = crit;
      best = params.data();
      h.best_epoch = ep;
      h.best_loss = crit;
      bad = 0;
    } else if (++bad >= cfg.patience) {
      break;
    }
  }
  params.data() = best;
  return h;
}

}  // namespace tr::nn
