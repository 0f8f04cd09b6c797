// FineRouter MoE on CPU: the fused forward pass over row tiles, and two-phase training
// (phase 1: trunk + general heads (+ gate CE); phase 2: task heads + gate on the mixed q2).
#include "nn_moe.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tr::nn {

void moe_check_shape(const MoeShape& s) {
  auto bad = [](const std::string& m) { throw Error(kInvalidArg, m); };
  if (s.d < 1 || s.H < 1 || s.T < 1 || s.M < 1) bad("MoE dimensions d, H, T, M must be >= 1");
  if (s.K < 1 || s.K > s.T) bad("K must be in [1, T]");
  if (!s.head_ptr || (s.n_heads > 0 && !s.head_model)) bad("headPtr/headModel are missing");
  if (s.head_ptr[0] != 0) bad("headPtr[0] must be 0");
  for (int64_t t = 0; t < s.T; ++t) {
    if (s.head_ptr[t + 1] < s.head_ptr[t]) bad("headPtr must be non-decreasing (task " + std::to_string(t) + ")");
    for (int32_t j = s.head_ptr[t]; j < s.head_ptr[t + 1]; ++j) {
      if (j >= s.n_heads) bad("headPtr exceeds the number of heads");
      if (s.head_model[j] < 0 || s.head_model[j] >= s.M)
        bad("headModel[" + std::to_string(j) + "] is not a model index in [0, M)");
      if (j > s.head_ptr[t] && s.head_model[j] <= s.head_model[j - 1])
        bad("headModel must be strictly increasing within task " + std::to_string(t));
    }
  }
  if (s.head_ptr[s.T] != s.n_heads) bad("headPtr[T] must equal the number of heads");
}

std::vector<ParamEntry> moe_layout(const MoeShape& s) {
  ParamSet p;
  p.add("W1", s.H, s.d, true);
  p.add("b1", 1, s.H, false);
  p.add("Wg", s.T, s.d, true);
  p.add("bg", 1, s.T, false);
  p.add("U", s.M, s.H, true);
  p.add("c", 1, s.M, false);
  p.add("V", s.n_heads, s.H, true);
  p.add("e", 1, s.n_heads, false);
  std::vector<ParamEntry> out;
  for (int i = 0; i < p.count(); ++i) out.push_back(p.entry(i));
  return out;
}

void moe_select_topk(const float* p, int64_t T, int64_t K, int32_t* sel) {
  if (K <= 4) {
    for (int64_t k = 0; k < K; ++k) {
      int32_t best = -1;
      for (int64_t t = 0; t < T; ++t) {
        bool taken = false;
        for (int64_t q = 0; q < k; ++q) taken |= sel[q] == t;
        if (taken) continue;
        if (best < 0 || p[t] > p[best]) best = static_cast<int32_t>(t);
      }
      sel[k] = best;
    }
    return;
  }
  std::vector<int32_t> idx(T);
  for (int64_t t = 0; t < T; ++t) idx[t] = static_cast<int32_t>(t);
  std::partial_sort(idx.begin(), idx.begin() + K, idx.end(),
                    [p](int32_t a, int32_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  std::copy(idx.begin(), idx.begin() + K, sel);
}

namespace {

inline float dotf(const float* a, const float* b, int64_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) t += a[i] * b[i];
  return t;
}

inline void axpyf(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

int64_t max_heads_per_task(const MoeShape& s) {
  int64_t m = 0;
  for (int64_t t = 0; t < s.T; ++t) m = std::max<int64_t>(m, s.head_ptr[t + 1] - s.head_ptr[t]);
  return m;
}

// Mixes one row: q2 = Σ_{t∈S} w_t·v_t, v_t = g with the candidates of t replaced by s.
// s_out (optional) receives the task-head outputs, K × maxh.
inline void mix_row(const MoeShape& s, const MoeWeights& w, const float* h, const float* p, const float* g, const int32_t* sel,
                    float* v, float* q2, float* s_out, int64_t maxh) {
  float P = 0.f;
  for (int64_t k = 0; k < s.K; ++k) P += p[sel[k]];
  std::fill(q2, q2 + s.M, 0.f);
  for (int64_t k = 0; k < s.K; ++k) {
    const int32_t t = sel[k];
    const float wt = p[t] / P;
    std::memcpy(v, g, sizeof(float) * s.M);
    for (int32_t j = s.head_ptr[t]; j < s.head_ptr[t + 1]; ++j) {
      const float sj = sigmoidf(dotf(w.V + static_cast<int64_t>(j) * s.H, h, s.H) + w.e[j]);
      v[s.head_model[j]] = sj;
      if (s_out) s_out[k * maxh + (j - s.head_ptr[t])] = sj;
    }
    for (int64_t m = 0; m < s.M; ++m) q2[m] += wt * v[m];
  }
}

struct FwdScratch {
  std::vector<float> h, zl, g, v, q2;
  std::vector<int32_t> sel;
};

}  // namespace

void moe_forward(const MoeShape& s, const MoeWeights& w, const float* X, int64_t n, const MoeOutputs& out, int threads) {
  if (n <= 0) return;
  const int64_t tiles = (n + kMoeTile - 1) / kMoeTile;
  const int t = static_cast<int>(std::min<int64_t>(resolve_threads(threads), tiles));
  std::vector<FwdScratch> sc(t);
  for (auto& x : sc) {
    x.h.resize(kMoeTile * s.H);
    x.zl.resize(kMoeTile * s.T);
    x.g.resize(kMoeTile * s.M);
    x.v.resize(s.M);
    x.q2.resize(s.M);
    x.sel.resize(s.K);
  }
  parallel_dynamic(tiles, 1, t, [&](int64_t t0, int64_t t1, int ti) {
    FwdScratch& f = sc[ti];
    for (int64_t tile = t0; tile < t1; ++tile) {
      const int64_t b = tile * kMoeTile, r = std::min(n, b + kMoeTile) - b;
      const float* x = X + b * s.d;
      // trunk
      linear_forward(x, r, s.d, w.W1, w.b1, s.H, f.h.data());
      for (int64_t i = 0; i < r * s.H; ++i) f.h[i] = act_f(s.act, f.h[i]);
      // gate
      linear_forward(x, r, s.d, w.Wg, w.bg, s.T, f.zl.data());
      for (int64_t i = 0; i < r; ++i) softmax_row(f.zl.data() + i * s.T, s.T);
      // general heads
      linear_forward(f.h.data(), r, s.H, w.U, w.c, s.M, f.g.data());
      for (int64_t i = 0; i < r * s.M; ++i) f.g[i] = sigmoidf(f.g[i]);
      for (int64_t i = 0; i < r; ++i) {
        const float* p = f.zl.data() + i * s.T;
        const float* g = f.g.data() + i * s.M;
        if (out.q2) {
          moe_select_topk(p, s.T, s.K, f.sel.data());
          mix_row(s, w, f.h.data() + i * s.H, p, g, f.sel.data(), f.v.data(), out.q2 + (b + i) * s.M, nullptr, 0);
        }
      }
      if (out.gate) std::memcpy(out.gate + b * s.T, f.zl.data(), sizeof(float) * r * s.T);
      if (out.general) std::memcpy(out.general + b * s.M, f.g.data(), sizeof(float) * r * s.M);
    }
  });
}

namespace {

struct TrainScratch {
  std::vector<float> x, zh, h, zg, g, dzg, dh, zl, dzl, sbuf, v, q2, dq2, a;
  std::vector<int32_t> sel;
};

class MoeObjective {
 public:
  using Set = MoeData;
  struct Norm {
    double inv_y = 0;  // 1 / observed scores in the batch
    double inv_g = 0;  // 1 / rows with a gate target (when the CE term is on)
  };

  MoeObjective(const MoeTrainParams& p, ParamSet& ps, int phase) : p_(p), s_(p.shape), ps_(ps), phase_(phase) {
    maxh_ = max_heads_per_task(s_);
    iW1 = ps.index("W1");
    ib1 = ps.index("b1");
    iWg = ps.index("Wg");
    ibg = ps.index("bg");
    iU = ps.index("U");
    ic = ps.index("c");
    iV = ps.index("V");
    ie = ps.index("e");
    gate_trainable_ = ps.entry(iWg).trainable;
  }

  int64_t rows(const Set& d) const { return d.n; }
  int64_t grad_size() const { return ps_.total(); }

  // The gate's cross-entropy term is on when the gate trains in this phase and there are targets.
  bool ce_on(const Set& d) const { return gate_trainable_ && d.gate_targets != nullptr && p_.gate_weight > 0; }

  void prepare(int threads, int64_t R) {
    sc_.assign(threads, {});
    for (auto& x : sc_) {
      x.x.resize(R * s_.d);
      x.zh.resize(R * s_.H);
      x.h.resize(R * s_.H);
      x.zg.resize(R * s_.M);
      x.g.resize(R * s_.M);
      x.dzg.resize(R * s_.M);
      x.dh.resize(R * s_.H);
      x.zl.resize(R * s_.T);
      x.dzl.resize(R * s_.T);
      x.sbuf.resize(std::max<int64_t>(1, R * s_.K * maxh_));
      x.v.resize(s_.M);
      x.q2.resize(s_.M);
      x.dq2.resize(s_.M);
      x.a.resize(s_.K);
      x.sel.resize(R * s_.K);
    }
  }

  void begin_step(bool) {
    w_.W1 = ps_.ptr(iW1);
    w_.b1 = ps_.ptr(ib1);
    w_.Wg = ps_.ptr(iWg);
    w_.bg = ps_.ptr(ibg);
    w_.U = ps_.ptr(iU);
    w_.c = ps_.ptr(ic);
    w_.V = ps_.ptr(iV);
    w_.e = ps_.ptr(ie);
  }

  bool norm(const Set& d, const int32_t* idx, int64_t n, Norm& nm) const {
    int64_t cy = 0, cg = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* y = d.Y + static_cast<int64_t>(idx[i]) * s_.M;
      for (int64_t m = 0; m < s_.M; ++m) cy += std::isnan(y[m]) ? 0 : 1;
      if (ce_on(d)) cg += has_target(d.gate_targets + static_cast<int64_t>(idx[i]) * s_.T) ? 1 : 0;
    }
    nm.inv_y = cy ? 1.0 / static_cast<double>(cy) : 0.0;
    nm.inv_g = cg ? 1.0 / static_cast<double>(cg) : 0.0;
    return cy > 0 || cg > 0;
  }

  double chunk(const Set& d, const int32_t* idx, int64_t r, const Norm& nm, float* grad, int ti, uint64_t) {
    TrainScratch& sc = sc_[ti];
    const int64_t D = s_.d, H = s_.H, T = s_.T, M = s_.M;
    for (int64_t i = 0; i < r; ++i) std::memcpy(sc.x.data() + i * D, d.X + static_cast<int64_t>(idx[i]) * D, sizeof(float) * D);
    // trunk and general heads (both phases)
    linear_forward(sc.x.data(), r, D, w_.W1, w_.b1, H, sc.zh.data());
    for (int64_t i = 0; i < r * H; ++i) sc.h[i] = act_f(s_.act, sc.zh[i]);
    linear_forward(sc.h.data(), r, H, w_.U, w_.c, M, sc.zg.data());
    for (int64_t i = 0; i < r * M; ++i) sc.g[i] = sigmoidf(sc.zg[i]);
    const bool ce = ce_on(d);
    const bool need_gate = ce || phase_ == 2;
    if (need_gate) linear_forward(sc.x.data(), r, D, w_.Wg, w_.bg, T, sc.zl.data());
    const bool gate_grad = grad && gate_trainable_;
    if (gate_grad) std::fill(sc.dzl.begin(), sc.dzl.begin() + r * T, 0.f);
    double loss = 0;
    // gate cross-entropy (uses the logits before the softmax below)
    if (ce) {
      const double gw = p_.gate_weight * nm.inv_g;
      for (int64_t i = 0; i < r; ++i) {
        const float* y = d.gate_targets + static_cast<int64_t>(idx[i]) * T;
        if (!has_target(y)) continue;
        const float* z = sc.zl.data() + i * T;
        float mx = z[0];
        for (int64_t t = 1; t < T; ++t) mx = std::max(mx, z[t]);
        double se = 0;
        for (int64_t t = 0; t < T; ++t) se += std::exp(static_cast<double>(z[t] - mx));
        const double lse = std::log(se) + mx;
        double ys = 0, ce_i = 0;
        for (int64_t t = 0; t < T; ++t) {
          ys += y[t];
          if (y[t] != 0.f) ce_i -= static_cast<double>(y[t]) * (static_cast<double>(z[t]) - lse);
        }
        loss += gw * ce_i;
        if (gate_grad) {
          float* dz = sc.dzl.data() + i * T;
          for (int64_t t = 0; t < T; ++t) dz[t] += static_cast<float>(gw * (std::exp(z[t] - lse) * ys - y[t]));
        }
      }
    }
    if (need_gate)
      for (int64_t i = 0; i < r; ++i) softmax_row(sc.zl.data() + i * T, T);
    const float inv_y = static_cast<float>(nm.inv_y);
    if (phase_ == 1) {
      double l1 = 0;
      for (int64_t i = 0; i < r; ++i) {
        const float* y = d.Y + static_cast<int64_t>(idx[i]) * M;
        for (int64_t m = 0; m < M; ++m) {
          float& dz = sc.dzg[i * M + m];
          if (std::isnan(y[m])) {
            dz = 0.f;
            continue;
          }
          const float pm = sc.g[i * M + m];
          if (p_.phase1_loss == MoeLoss1::Mse) {
            const double e = static_cast<double>(pm) - y[m];
            l1 += e * e;
            dz = 2.f * (pm - y[m]) * pm * (1.f - pm) * inv_y;
          } else {
            l1 += softplus(sc.zg[i * M + m]) - static_cast<double>(y[m]) * sc.zg[i * M + m];
            dz = (pm - y[m]) * inv_y;
          }
        }
      }
      loss += l1 * nm.inv_y;
      if (grad) {
        linear_backward_params(sc.dzg.data(), r, M, sc.h.data(), H, grad + ps_.entry(iU).offset, grad + ps_.entry(ic).offset);
        linear_backward_input(sc.dzg.data(), r, M, w_.U, H, sc.dh.data());
        for (int64_t i = 0; i < r * H; ++i) sc.dh[i] *= act_df(s_.act, sc.zh[i]);
        linear_backward_params(sc.dh.data(), r, H, sc.x.data(), D, grad + ps_.entry(iW1).offset, grad + ps_.entry(ib1).offset);
      }
    } else {
      float* gV = grad ? grad + ps_.entry(iV).offset : nullptr;
      float* ge = grad ? grad + ps_.entry(ie).offset : nullptr;
      double l2 = 0;
      for (int64_t i = 0; i < r; ++i) {
        const float* p = sc.zl.data() + i * T;
        const float* g = sc.g.data() + i * M;
        const float* h = sc.h.data() + i * H;
        int32_t* sel = sc.sel.data() + i * s_.K;
        float* sb = sc.sbuf.data() + i * s_.K * maxh_;
        moe_select_topk(p, T, s_.K, sel);
        mix_row(s_, w_, h, p, g, sel, sc.v.data(), sc.q2.data(), sb, maxh_);
        const float* y = d.Y + static_cast<int64_t>(idx[i]) * M;
        for (int64_t m = 0; m < M; ++m) {
          if (std::isnan(y[m])) {
            sc.dq2[m] = 0.f;
            continue;
          }
          const double e = static_cast<double>(sc.q2[m]) - y[m];
          l2 += e * e;
          sc.dq2[m] = 2.f * (sc.q2[m] - y[m]) * inv_y;
        }
        if (!grad) continue;
        float P = 0.f;
        for (int64_t k = 0; k < s_.K; ++k) P += p[sel[k]];
        float A = 0.f;
        for (int64_t k = 0; k < s_.K; ++k) {
          const int32_t t = sel[k];
          const float wt = p[t] / P;
          // a_t = Σ_m dq2_m v_(t,m): start from the general heads, then swap in the candidates.
          float at = dotf(sc.dq2.data(), g, M);
          for (int32_t j = s_.head_ptr[t]; j < s_.head_ptr[t + 1]; ++j) {
            const int32_t m = s_.head_model[j];
            const float sj = sb[k * maxh_ + (j - s_.head_ptr[t])];
            at += sc.dq2[m] * (sj - g[m]);
            const float coef = wt * sc.dq2[m] * sj * (1.f - sj);
            if (coef != 0.f) {
              axpyf(coef, h, gV + static_cast<int64_t>(j) * H, H);
              ge[j] += coef;
            }
          }
          sc.a[k] = at;
          A += wt * at;
        }
        if (gate_grad) {
          // w_t = p_t / P with S fixed: ∂L/∂z_t = w_t (a_t − Σ_u w_u a_u) for t ∈ S, 0 elsewhere
          // (the softmax's own normalisation cancels in the renormalised weights).
          float* dz = sc.dzl.data() + i * T;
          for (int64_t k = 0; k < s_.K; ++k) {
            const int32_t t = sel[k];
            dz[t] += (p[t] / P) * (sc.a[k] - A);
          }
        }
      }
      loss += l2 * nm.inv_y;
    }
    if (gate_grad)
      linear_backward_params(sc.dzl.data(), r, T, sc.x.data(), D, grad + ps_.entry(iWg).offset, grad + ps_.entry(ibg).offset);
    return loss;
  }

  void end_step(float*) {}

 private:
  bool has_target(const float* y) const {
    for (int64_t t = 0; t < s_.T; ++t)
      if (y[t] > 0.f) return true;
    return false;
  }

  const MoeTrainParams& p_;
  MoeShape s_;
  ParamSet& ps_;
  int phase_;
  int64_t maxh_ = 0;
  int iW1, ib1, iWg, ibg, iU, ic, iV, ie;
  bool gate_trainable_ = false;
  MoeWeights w_;
  std::vector<TrainScratch> sc_;
};

ParamSet make_params(const MoeShape& s) {
  ParamSet p;
  for (const auto& e : moe_layout(s)) p.add(e.name, e.rows, e.cols, e.decay);
  return p;
}

void set_phase(ParamSet& ps, const MoeTrainParams& p, const MoeData* gate_data, int phase) {
  const bool gate1 = gate_data && gate_data->gate_targets && p.gate_weight > 0;
  for (const char* n : {"W1", "b1", "U", "c"}) ps.set_trainable(n, phase == 1);
  for (const char* n : {"V", "e"}) ps.set_trainable(n, phase == 2);
  const bool g = phase == 1 ? gate1 : p.tune_gate;
  ps.set_trainable("Wg", g);
  ps.set_trainable("bg", g);
}

// Task heads start as copies of their model's general head.
void copy_heads(ParamSet& ps, const MoeShape& s) {
  float* V = ps.ptr("V");
  float* e = ps.ptr("e");
  const float* U = ps.ptr("U");
  const float* c = ps.ptr("c");
  for (int64_t j = 0; j < s.n_heads; ++j) {
    std::memcpy(V + j * s.H, U + static_cast<int64_t>(s.head_model[j]) * s.H, sizeof(float) * s.H);
    e[j] = c[s.head_model[j]];
  }
}

}  // namespace

MoeTrainResult moe_train(const MoeTrainParams& p, const MoeData& tr_set, const MoeData* val) {
  const MoeShape& s = p.shape;
  moe_check_shape(s);
  MoeTrainResult res;
  res.params = make_params(s);
  ParamSet& ps = res.params;
  Rng rng(hash2(p.train.seed, 0x4D4F45ull));  // "MOE"
  init_normal(ps.ptr("W1"), s.H * s.d, init_std(s.d, s.act != Act::Tanh), rng);
  init_normal(ps.ptr("U"), s.M * s.H, init_std(s.H, false), rng);
  if (p.gate_init_W)
    std::memcpy(ps.ptr("Wg"), p.gate_init_W, sizeof(float) * s.T * s.d);
  else
    init_normal(ps.ptr("Wg"), s.T * s.d, init_std(s.d, false), rng);
  if (p.gate_init_b) std::memcpy(ps.ptr("bg"), p.gate_init_b, sizeof(float) * s.T);
  {
    float* c = ps.ptr("c");
    for (int64_t m = 0; m < s.M; ++m) {
      double sum = 0, cnt = 0;
      for (int64_t i = 0; i < tr_set.n; ++i) {
        float y = tr_set.Y[i * s.M + m];
        if (!std::isnan(y)) {
          sum += y;
          cnt += 1;
        }
      }
      c[m] = cnt > 0 ? logit_clamped(sum / cnt) : 0.f;
    }
  }
  copy_heads(ps, s);
  set_phase(ps, p, &tr_set, 1);
  {
    MoeObjective obj(p, ps, 1);
    res.phase1 = train(obj, ps, tr_set, val, p.train, 1);
  }
  copy_heads(ps, s);
  if (p.head_init_V) std::memcpy(ps.ptr("V"), p.head_init_V, sizeof(float) * s.n_heads * s.H);
  if (p.head_init_e) std::memcpy(ps.ptr("e"), p.head_init_e, sizeof(float) * s.n_heads);
  if (p.phases >= 2) {
    set_phase(ps, p, &tr_set, 2);
    MoeObjective obj(p, ps, 2);
    res.phase2 = train(obj, ps, tr_set, val, p.train, 2, true);
  }
  for (int i = 0; i < ps.count(); ++i) ps.entry(i).trainable = true;
  return res;
}

double moe_loss_grad(const MoeTrainParams& p, const MoeWeights& w, const MoeData& data, int phase, std::vector<float>& grad) {
  const MoeShape& s = p.shape;
  moe_check_shape(s);
  ParamSet ps = make_params(s);
  const float* src[] = {w.W1, w.b1, w.Wg, w.bg, w.U, w.c, w.V, w.e};
  for (int i = 0; i < ps.count(); ++i)
    if (ps.entry(i).size()) std::memcpy(ps.ptr(i), src[i], sizeof(float) * ps.entry(i).size());
  set_phase(ps, p, &data, phase);
  MoeObjective obj(p, ps, phase);
  return loss_and_grad(obj, data, grad, resolve_threads(p.train.threads), std::max<int64_t>(1, p.train.chunk_rows));
}

}  // namespace tr::nn
