// MLP training (minibatch Adam through nn_common.h's loop) and the tiled forward pass.
#include "nn_mlp.h"

#include <cmath>
#include <cstring>

namespace tr::nn {

MlpLoss parse_mlp_loss(const std::string& s) {
  if (s == "sigmoid-mse") return MlpLoss::SigmoidMse;
  if (s == "sigmoid-bce") return MlpLoss::SigmoidBce;
  if (s == "softmax-xent") return MlpLoss::SoftmaxXent;
  throw Error(kInvalidArg, "loss must be 'sigmoid-mse', 'sigmoid-bce' or 'softmax-xent', received '" + s + "'");
}

std::vector<ParamEntry> mlp_layout(const MlpShape& s) {
  ParamSet p;
  for (int l = 0; l < s.layers(); ++l) {
    p.add("W" + std::to_string(l), s.out_of(l), s.in_of(l), true);
    p.add("b" + std::to_string(l), 1, s.out_of(l), false);
  }
  std::vector<ParamEntry> out;
  for (int i = 0; i < p.count(); ++i) out.push_back(p.entry(i));
  return out;
}

namespace {

ParamSet make_params(const MlpShape& s) {
  ParamSet p;
  for (const auto& e : mlp_layout(s)) p.add(e.name, e.rows, e.cols, e.decay);
  return p;
}

MlpWeights view(const ParamSet& p, const MlpShape& s) {
  MlpWeights w;
  for (int l = 0; l < s.layers(); ++l) {
    w.W.push_back(p.ptr(2 * l));
    w.b.push_back(p.ptr(2 * l + 1));
  }
  return w;
}

// Per-thread scratch of one chunk.
struct MlpScratch {
  std::vector<float> x;                  // gathered inputs [r × d]
  std::vector<std::vector<float>> z, a;  // pre/post activation per layer [r × out_of(l)]
  std::vector<std::vector<float>> mask;  // dropout scale per hidden layer
  std::vector<float> dz, da;             // [r × max width]
};

// Forward of `r` contiguous rows A0 into sc (z[L-1] holds the output logits).
void forward_rows(const MlpShape& s, const MlpWeights& w, const float* A0, int64_t r, MlpScratch& sc, double dropout,
                  uint64_t key) {
  const int L = s.layers();
  const float* in = A0;
  for (int l = 0; l < L; ++l) {
    const int64_t ni = s.in_of(l), no = s.out_of(l);
    float* z = sc.z[l].data();
    linear_forward(in, r, ni, w.W[l], w.b[l], no, z);
    if (l == L - 1) break;
    float* a = sc.a[l].data();
    for (int64_t i = 0; i < r * no; ++i) a[i] = act_f(s.act, z[i]);
    if (dropout > 0.0) {
      float* m = sc.mask[l].data();
      const float keep = static_cast<float>(1.0 / (1.0 - dropout));
      for (int64_t i = 0; i < r; ++i) {
        Rng rr(hash2(key + static_cast<uint64_t>(i), static_cast<uint64_t>(l)));
        for (int64_t j = 0; j < no; ++j) {
          float mv = rr.uniform() < dropout ? 0.f : keep;
          m[i * no + j] = mv;
          a[i * no + j] *= mv;
        }
      }
    }
    in = a;
  }
}

class MlpObjective {
 public:
  using Set = MlpData;
  struct Norm {
    double inv = 0;  // 1 / observed entries (sigmoid) or 1 / valid rows (softmax)
  };

  MlpObjective(const MlpShape& s, ParamSet& p, double dropout) : s_(s), p_(p), dropout_(dropout) {}

  int64_t rows(const Set& d) const { return d.n; }
  int64_t grad_size() const { return p_.total(); }

  void prepare(int threads, int64_t max_rows) {
    sc_.assign(threads, {});
    int64_t wmax = s_.d;
    for (int l = 0; l < s_.layers(); ++l) wmax = std::max(wmax, s_.out_of(l));
    for (auto& sc : sc_) {
      sc.x.resize(max_rows * s_.d);
      sc.z.resize(s_.layers());
      sc.a.resize(s_.layers());
      sc.mask.resize(s_.layers());
      for (int l = 0; l < s_.layers(); ++l) {
        sc.z[l].resize(max_rows * s_.out_of(l));
        sc.a[l].resize(max_rows * s_.out_of(l));
        if (dropout_ > 0) sc.mask[l].resize(max_rows * s_.out_of(l));
      }
      sc.dz.resize(max_rows * wmax);
      sc.da.resize(max_rows * wmax);
    }
  }

  void begin_step(bool training) {
    training_ = training;
    w_ = view(p_, s_);
  }

  bool norm(const Set& d, const int32_t* idx, int64_t n, Norm& nm) const {
    const int64_t O = s_.outputs;
    int64_t cnt = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* y = d.Y + static_cast<int64_t>(idx[i]) * O;
      if (s_.loss == MlpLoss::SoftmaxXent) {
        cnt += row_valid(y) ? 1 : 0;
      } else {
        for (int64_t j = 0; j < O; ++j) cnt += std::isnan(y[j]) ? 0 : 1;
      }
    }
    nm.inv = cnt ? 1.0 / static_cast<double>(cnt) : 0.0;
    return cnt > 0;
  }

  double chunk(const Set& d, const int32_t* idx, int64_t r, const Norm& nm, float* grad, int ti, uint64_t key) {
    MlpScratch& sc = sc_[ti];
    const int64_t D = s_.d, O = s_.outputs;
    const int L = s_.layers();
    for (int64_t i = 0; i < r; ++i) std::memcpy(sc.x.data() + i * D, d.X + static_cast<int64_t>(idx[i]) * D, sizeof(float) * D);
    const double drop = (training_ && grad) ? dropout_ : 0.0;
    forward_rows(s_, w_, sc.x.data(), r, sc, drop, key);
    // Loss and its gradient at the output logits.
    float* zl = sc.z[L - 1].data();
    float* dz = sc.dz.data();
    const float inv = static_cast<float>(nm.inv);
    double loss = 0;
    for (int64_t i = 0; i < r; ++i) {
      const float* y = d.Y + static_cast<int64_t>(idx[i]) * O;
      float* z = zl + i * O;
      float* g = dz + i * O;
      if (s_.loss == MlpLoss::SoftmaxXent) {
        if (!row_valid(y)) {
          std::fill(g, g + O, 0.f);
          continue;
        }
        float mx = z[0];
        for (int64_t j = 1; j < O; ++j) mx = std::max(mx, z[j]);
        double se = 0;
        for (int64_t j = 0; j < O; ++j) se += std::exp(static_cast<double>(z[j] - mx));
        const double lse = std::log(se) + mx;
        double ys = 0;
        for (int64_t j = 0; j < O; ++j) {
          ys += y[j];
          if (y[j] != 0.f) loss -= static_cast<double>(y[j]) * (static_cast<double>(z[j]) - lse);
        }
        for (int64_t j = 0; j < O; ++j) {
          const double pj = std::exp(static_cast<double>(z[j]) - lse);
          g[j] = static_cast<float>((pj * ys - y[j]) * nm.inv);
        }
      } else {
        for (int64_t j = 0; j < O; ++j) {
          if (std::isnan(y[j])) {
            g[j] = 0.f;
            continue;
          }
          const float pj = sigmoidf(z[j]);
          if (s_.loss == MlpLoss::SigmoidMse) {
            const double e = static_cast<double>(pj) - y[j];
            loss += e * e;
            g[j] = 2.f * (pj - y[j]) * pj * (1.f - pj) * inv;
          } else {
            loss += softplus(z[j]) - static_cast<double>(y[j]) * z[j];
            g[j] = (pj - y[j]) * inv;
          }
        }
      }
    }
    loss *= nm.inv;
    if (!grad) return loss;
    // Backward.
    for (int l = L - 1; l >= 0; --l) {
      const int64_t ni = s_.in_of(l), no = s_.out_of(l);
      const float* ain = l == 0 ? sc.x.data() : sc.a[l - 1].data();
      float* gW = grad + p_.entry(2 * l).offset;
      float* gb = grad + p_.entry(2 * l + 1).offset;
      linear_backward_params(dz, r, no, ain, ni, gW, gb);
      if (l == 0) break;
      float* da = sc.da.data();
      linear_backward_input(dz, r, no, w_.W[l], ni, da);
      const float* zp = sc.z[l - 1].data();
      const float* mp = drop > 0 ? sc.mask[l - 1].data() : nullptr;
      for (int64_t i = 0; i < r * ni; ++i) {
        float v = da[i] * act_df(s_.act, zp[i]);
        if (mp) v *= mp[i];
        dz[i] = v;
      }
    }
    return loss;
  }

  void end_step(float*) {}

 private:
  bool row_valid(const float* y) const {
    double s = 0;
    for (int64_t j = 0; j < s_.outputs; ++j) {
      if (std::isnan(y[j])) return false;
      s += y[j];
    }
    return s > 0;
  }

  MlpShape s_;
  ParamSet& p_;
  double dropout_;
  bool training_ = false;
  MlpWeights w_;
  std::vector<MlpScratch> sc_;
};

// He/Xavier normal init; the output bias starts at the targets' column means (logit for
// sigmoid outputs, log for softmax), so training starts from the base rates.
void init_params(ParamSet& p, const MlpShape& s, const MlpData& data, uint64_t seed) {
  Rng rng(hash2(seed, 0x494E4954ull));  // "INIT"
  const int L = s.layers();
  for (int l = 0; l < L; ++l) {
    const bool relu_like = l < L - 1 && s.act != Act::Tanh;
    init_normal(p.ptr(2 * l), p.entry(2 * l).size(), init_std(s.in_of(l), relu_like), rng);
  }
  const int64_t O = s.outputs;
  std::vector<double> sum(O, 0.0), cnt(O, 0.0);
  for (int64_t i = 0; i < data.n; ++i) {
    const float* y = data.Y + i * O;
    if (s.loss == MlpLoss::SoftmaxXent) {
      double rs = 0;
      bool ok = true;
      for (int64_t j = 0; j < O; ++j) {
        if (std::isnan(y[j])) ok = false;
        rs += y[j];
      }
      if (!ok || rs <= 0) continue;
      for (int64_t j = 0; j < O; ++j) sum[j] += y[j] / rs;
      for (int64_t j = 0; j < O; ++j) cnt[j] += 1;
    } else {
      for (int64_t j = 0; j < O; ++j)
        if (!std::isnan(y[j])) {
          sum[j] += y[j];
          cnt[j] += 1;
        }
    }
  }
  float* b = p.ptr(2 * (L - 1) + 1);
  for (int64_t j = 0; j < O; ++j) {
    if (s.loss == MlpLoss::SoftmaxXent)
      b[j] = cnt[j] > 0 ? static_cast<float>(std::log(std::max(1e-4, sum[j] / cnt[j]))) : 0.f;
    else
      b[j] = cnt[j] > 0 ? logit_clamped(sum[j] / cnt[j]) : 0.f;
  }
}

}  // namespace

MlpTrainResult mlp_train(const MlpTrainParams& p, const MlpData& train_set, const MlpData* val) {
  MlpTrainResult res;
  res.params = make_params(p.shape);
  init_params(res.params, p.shape, train_set, p.train.seed);
  MlpObjective obj(p.shape, res.params, p.dropout);
  res.history = train(obj, res.params, train_set, val, p.train, 0);
  return res;
}

double mlp_loss_grad(const MlpTrainParams& p, const MlpWeights& w, const MlpData& data, std::vector<float>& grad) {
  ParamSet ps = make_params(p.shape);
  for (int l = 0; l < p.shape.layers(); ++l) {
    std::memcpy(ps.ptr(2 * l), w.W[l], sizeof(float) * ps.entry(2 * l).size());
    std::memcpy(ps.ptr(2 * l + 1), w.b[l], sizeof(float) * ps.entry(2 * l + 1).size());
  }
  MlpObjective obj(p.shape, ps, 0.0);
  return loss_and_grad(obj, data, grad, resolve_threads(p.train.threads), std::max<int64_t>(1, p.train.chunk_rows));
}

void mlp_forward(const MlpShape& s, const MlpWeights& w, const float* X, int64_t n, float* out, int threads) {
  if (n <= 0) return;
  const int64_t tile = kEvalRows;
  const int64_t tiles = (n + tile - 1) / tile;
  const int t = resolve_threads(threads);
  std::vector<MlpScratch> sc(std::min<int64_t>(t, tiles));
  for (auto& x : sc) {
    x.z.resize(s.layers());
    x.a.resize(s.layers());
    for (int l = 0; l < s.layers(); ++l) {
      x.z[l].resize(tile * s.out_of(l));
      x.a[l].resize(tile * s.out_of(l));
    }
  }
  const int64_t O = s.outputs;
  parallel_dynamic(tiles, 1, t, [&](int64_t t0, int64_t t1, int ti) {
    for (int64_t k = t0; k < t1; ++k) {
      const int64_t b = k * tile, r = std::min(n, b + tile) - b;
      forward_rows(s, w, X + b * s.d, r, sc[ti], 0.0, 0);
      const float* z = sc[ti].z[s.layers() - 1].data();
      float* o = out + b * O;
      std::memcpy(o, z, sizeof(float) * r * O);
      if (s.loss == MlpLoss::SoftmaxXent) {
        for (int64_t i = 0; i < r; ++i) softmax_row(o + i * O, O);
      } else {
        for (int64_t i = 0; i < r * O; ++i) o[i] = sigmoidf(o[i]);
      }
    }
  });
}

}  // namespace tr::nn
