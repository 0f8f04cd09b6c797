// The shared training machinery of nn_common.h: activations by name, dense layers on
// tr::sgemm, the flat parameter set, init and Adam.
#include "nn_common.h"

#include "gemm.h"

namespace tr::nn {

Act parse_act(const std::string& s) {
  if (s == "relu") return Act::Relu;
  if (s == "gelu") return Act::Gelu;
  if (s == "tanh") return Act::Tanh;
  throw Error(kInvalidArg, "activation must be 'relu', 'gelu' or 'tanh', received '" + s + "'");
}

const char* act_name(Act a) {
  switch (a) {
    case Act::Relu:
      return "relu";
    case Act::Gelu:
      return "gelu";
    case Act::Tanh:
    default:
      return "tanh";
  }
}

void linear_forward(const float* A, int64_t rows, int64_t in, const float* W, const float* b, int64_t out, float* C) {
  if (rows <= 0 || out <= 0) return;
  if (b) {
    for (int64_t r = 0; r < rows; ++r) std::memcpy(C + r * out, b, sizeof(float) * out);
  }
  if (in > 0)
    sgemm(false, true, rows, out, in, 1.f, A, in, W, in, b ? 1.f : 0.f, C, out);
  else if (!b)
    std::memset(C, 0, sizeof(float) * rows * out);
}

void linear_backward_params(const float* dZ, int64_t rows, int64_t out, const float* A, int64_t in, float* dW, float* db) {
  if (rows <= 0 || out <= 0) return;
  if (in > 0) sgemm(true, false, out, in, rows, 1.f, dZ, out, A, in, 1.f, dW, in);
  if (db) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* z = dZ + r * out;
      for (int64_t j = 0; j < out; ++j) db[j] += z[j];
    }
  }
}

void linear_backward_input(const float* dZ, int64_t rows, int64_t out, const float* W, int64_t in, float* dA) {
  if (rows <= 0 || in <= 0) return;
  if (out > 0)
    sgemm(false, false, rows, in, out, 1.f, dZ, out, W, in, 0.f, dA, in);
  else
    std::memset(dA, 0, sizeof(float) * rows * in);
}

int ParamSet::add(const std::string& name, int64_t rows, int64_t cols, bool decay) {
  ParamEntry e;
  e.name = name;
  e.rows = rows;
  e.cols = cols;
  e.offset = static_cast<int64_t>(data_.size());
  e.decay = decay;
  entries_.push_back(e);
  data_.resize(data_.size() + static_cast<size_t>(rows * cols), 0.f);
  return static_cast<int>(entries_.size()) - 1;
}

int ParamSet::index(const std::string& name) const {
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].name == name) return static_cast<int>(i);
  return -1;
}

float* ParamSet::ptr(const std::string& name) {
  int i = index(name);
  if (i < 0) throw Error(kInternal, "no parameter named " + name);
  return ptr(i);
}

void ParamSet::set_trainable(const std::string& name, bool on) {
  int i = index(name);
  if (i < 0) throw Error(kInternal, "no parameter named " + name);
  entries_[i].trainable = on;
}

void init_normal(float* w, int64_t n, double stddev, Rng& rng) {
  for (int64_t i = 0; i < n; ++i) w[i] = static_cast<float>(rng.normal() * stddev);
}

double init_std(int64_t fan_in, bool feeds_relu_like) {
  const double gain = feeds_relu_like ? std::sqrt(2.0) : 1.0;
  return gain / std::sqrt(static_cast<double>(std::max<int64_t>(1, fan_in)));
}

Adam::Adam(const ParamSet& p, const AdamConfig& c) : c_(c), m_(p.total(), 0.f), v_(p.total(), 0.f) {}

void Adam::step(ParamSet& p, const float* grad, int threads) {
  ++t_;
  const double bc1 = 1.0 - std::pow(c_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(c_.beta2, static_cast<double>(t_));
  const float b1 = static_cast<float>(c_.beta1), b2 = static_cast<float>(c_.beta2);
  const float lr_t = static_cast<float>(c_.lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float eps = static_cast<float>(c_.eps);
  const float shrink = static_cast<float>(1.0 - c_.lr * c_.weight_decay);
  float* w = p.data().data();
  for (int e = 0; e < p.count(); ++e) {
    const ParamEntry& en = p.entry(e);
    if (!en.trainable || en.size() == 0) continue;
    const int64_t off = en.offset, sz = en.size();
    const bool decay = en.decay && c_.weight_decay != 0.0;
    auto body = [&](int64_t b, int64_t end, int) {
      for (int64_t i = off + b; i < off + end; ++i) {
        const float g = grad[i];
        m_[i] = b1 * m_[i] + (1.f - b1) * g;
        v_[i] = b2 * v_[i] + (1.f - b2) * g * g;
        if (decay) w[i] *= shrink;
        w[i] -= lr_t * m_[i] / (std::sqrt(v_[i]) * inv_sqrt_bc2 + eps);
      }
    };
    // Element-wise: the split never changes the result.
    if (sz >= 65536)
      parallel_for(sz, threads, body);
    else
      body(0, sz, 0);
  }
}

void sum_chunks(const float* bufs, int64_t C, int64_t G, float* out, int threads) {
  if (C <= 0) {
    std::memset(out, 0, sizeof(float) * G);
    return;
  }
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) out[i] = bufs[i];
    for (int64_t c = 1; c < C; ++c) {
      const float* src = bufs + c * G;
      for (int64_t i = b; i < e; ++i) out[i] += src[i];
    }
  };
  if (C * G >= (1 << 18))
    parallel_for(G, threads, body);
  else
    body(0, G, 0);
}

}  // namespace tr::nn
