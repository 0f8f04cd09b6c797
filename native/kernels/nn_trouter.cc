// TRouter model on CPU: training through nn_common.h's loop and the tiled forward pass.
// In task mode the leaf side (g tower, decoders: L rows) is computed once per step on the
// calling thread; the row chunks return its gradient as an auxiliary block
// (dDec_quality, dDec_cost, dĝ) that end_step() pushes through the decoders and g.
#include "nn_trouter.h"

#include <cmath>
#include <cstring>

#include "gemm.h"

namespace tr::nn {

namespace {

constexpr double kKlEps = 1e-8;
constexpr float kNormFloor = 1e-12f;

// A dense stack inside a ParamSet: layer l is W{l} [out[l] × in_l], b{l}; activation
// between layers, linear output.
struct Stack {
  int p0 = -1;
  int64_t in = 0;
  std::vector<int64_t> out;
  int layers() const { return static_cast<int>(out.size()); }
  int64_t in_of(int l) const { return l == 0 ? in : out[l - 1]; }
  int64_t width() const { return out.back(); }
  int64_t max_width() const {
    int64_t m = in;
    for (auto o : out) m = std::max(m, o);
    return m;
  }
};

struct StackBuf {
  std::vector<std::vector<float>> z, a;
  void resize(const Stack& s, int64_t rows) {
    z.resize(s.layers());
    a.resize(s.layers());
    for (int l = 0; l < s.layers(); ++l) {
      z[l].resize(rows * s.out[l]);
      if (l + 1 < s.layers()) a[l].resize(rows * s.out[l]);
    }
  }
  const float* output() const { return z.back().data(); }
};

void stack_forward(const Stack& s, const ParamSet& ps, Act act, const float* x, int64_t r, StackBuf& b) {
  const float* in = x;
  for (int l = 0; l < s.layers(); ++l) {
    linear_forward(in, r, s.in_of(l), ps.ptr(s.p0 + 2 * l), ps.ptr(s.p0 + 2 * l + 1), s.out[l], b.z[l].data());
    if (l + 1 == s.layers()) break;
    float* a = b.a[l].data();
    const float* z = b.z[l].data();
    for (int64_t i = 0; i < r * s.out[l]; ++i) a[i] = act_f(act, z[i]);
    in = a;
  }
}

// dz holds dL/d(output) [r × width] on entry and is used as scratch (r × max_width);
// da is scratch (r × max_width). Accumulates parameter gradients into grad (ParamSet
// layout) and writes dL/dx into dx when non-null.
void stack_backward(const Stack& s, const ParamSet& ps, Act act, const float* x, int64_t r, const StackBuf& b, float* dz,
                    float* da, float* grad, float* dx) {
  for (int l = s.layers() - 1; l >= 0; --l) {
    const int64_t ni = s.in_of(l), no = s.out[l];
    const float* ain = l == 0 ? x : b.a[l - 1].data();
    linear_backward_params(dz, r, no, ain, ni, grad + ps.entry(s.p0 + 2 * l).offset, grad + ps.entry(s.p0 + 2 * l + 1).offset);
    if (l == 0) {
      if (dx) linear_backward_input(dz, r, no, ps.ptr(s.p0), ni, dx);
      break;
    }
    linear_backward_input(dz, r, no, ps.ptr(s.p0 + 2 * l), ni, da);
    const float* zp = b.z[l - 1].data();
    for (int64_t i = 0; i < r * ni; ++i) dz[i] = da[i] * act_df(act, zp[i]);
  }
}

// Rows of v [r×D] normalised into vn; nrm receives the norms (floored).
void normalize_rows(const float* v, int64_t r, int64_t D, float* vn, float* nrm) {
  for (int64_t i = 0; i < r; ++i) {
    double s = 0;
    for (int64_t k = 0; k < D; ++k) s += static_cast<double>(v[i * D + k]) * v[i * D + k];
    float n = std::max(static_cast<float>(std::sqrt(s)), kNormFloor);
    nrm[i] = n;
    for (int64_t k = 0; k < D; ++k) vn[i * D + k] = v[i * D + k] / n;
  }
}

// dv = (dvn − vn·(vn·dvn)) / ‖v‖, row by row; dv may alias nothing; accumulates when add.
void normalize_backward(const float* vn, const float* nrm, const float* dvn, int64_t r, int64_t D, float* dv, bool add) {
  for (int64_t i = 0; i < r; ++i) {
    double dp = 0;
    for (int64_t k = 0; k < D; ++k) dp += static_cast<double>(vn[i * D + k]) * dvn[i * D + k];
    const float inv = 1.f / nrm[i];
    for (int64_t k = 0; k < D; ++k) {
      float g = (dvn[i * D + k] - vn[i * D + k] * static_cast<float>(dp)) * inv;
      dv[i * D + k] = add ? dv[i * D + k] + g : g;
    }
  }
}

struct Layout {
  Stack f, g, dq, dc;
};

Layout build_layout(const TrouterShape& s, ParamSet& ps) {
  Layout lay;
  auto add_stack = [&](Stack& st, const std::string& prefix, int64_t in, std::vector<int64_t> widths) {
    st.p0 = ps.count();
    st.in = in;
    st.out = widths;
    for (int l = 0; l < static_cast<int>(widths.size()); ++l) {
      ps.add(prefix + ".W" + std::to_string(l), widths[l], l == 0 ? in : widths[l - 1], true);
      ps.add(prefix + ".b" + std::to_string(l), 1, widths[l], false);
    }
  };
  std::vector<int64_t> tw = s.tower_hidden;
  tw.push_back(s.D);
  add_stack(lay.f, "f", s.d, tw);
  if (!s.no_task) add_stack(lay.g, "g", s.de, tw);
  std::vector<int64_t> dw;
  if (s.dec_hidden > 0) dw.push_back(s.dec_hidden);
  dw.push_back(s.M);
  add_stack(lay.dq, "quality", s.D, dw);
  if (s.has_cost) add_stack(lay.dc, "cost", s.D, dw);
  return lay;
}

struct RowScratch {
  std::vector<float> x, F, Fn, fn, logits, hq, hc, dhq, dhc, dq, dF, dFn, dz, da;
  StackBuf fb, dqb, dcb;  // dqb/dcb: per-row decoders (no_task)
};

class TrouterObjective {
 public:
  using Set = TrouterData;
  struct Norm {
    double inv_q = 0, inv_c = 0;  // 1 / observed entries per metric
    double kl = 0;                // β / rows in the batch (0: no KL term)
  };

  TrouterObjective(const TrouterTrainParams& p, ParamSet& ps, const Layout& lay) : p_(p), s_(p.shape), ps_(ps), lay_(lay) {
    const int64_t L = s_.no_task ? 0 : s_.L;
    aux_dq_ = ps_.total();
    aux_dc_ = aux_dq_ + L * s_.M;
    aux_dz_ = aux_dc_ + (s_.has_cost ? L * s_.M : 0);
    aux_end_ = aux_dz_ + L * s_.D;
    if (!s_.no_task) {
      gb_.resize(lay_.g, s_.L);
      dqb_.resize(lay_.dq, s_.L);
      if (s_.has_cost) dcb_.resize(lay_.dc, s_.L);
      Zn_.resize(s_.L * s_.D);
      zn_.resize(s_.L);
      decq_.resize(s_.L * s_.M);
      decc_.resize(s_.has_cost ? s_.L * s_.M : 0);
    }
  }

  int64_t rows(const Set& d) const { return d.n; }
  int64_t grad_size() const { return aux_end_; }

  void prepare(int threads, int64_t R) {
    sc_.assign(threads, {});
    const int64_t D = s_.D, M = s_.M, L = s_.no_task ? 0 : s_.L;
    int64_t wmax = std::max({lay_.f.max_width(), lay_.dq.max_width(), s_.has_cost ? lay_.dc.max_width() : 0});
    for (auto& x : sc_) {
      x.x.resize(R * s_.d);
      x.F.resize(R * D);
      x.Fn.resize(R * D);
      x.fn.resize(R);
      x.logits.resize(std::max<int64_t>(1, R * L));
      x.hq.resize(R * M);
      x.hc.resize(R * M);
      x.dhq.resize(R * M);
      x.dhc.resize(R * M);
      x.dq.resize(std::max<int64_t>(1, R * L));
      x.dF.resize(R * D);
      x.dFn.resize(R * D);
      x.dz.resize(R * wmax);
      x.da.resize(R * wmax);
      x.fb.resize(lay_.f, R);
      if (s_.no_task) {
        x.dqb.resize(lay_.dq, R);
        if (s_.has_cost) x.dcb.resize(lay_.dc, R);
      }
    }
  }

  // Task mode: the leaf side at the current weights.
  void begin_step(bool) {
    if (s_.no_task) return;
    const int64_t L = s_.L, D = s_.D, M = s_.M;
    stack_forward(lay_.g, ps_, s_.act, p_.E, L, gb_);
    const float* Zg = gb_.output();
    if (s_.normalize)
      normalize_rows(Zg, L, D, Zn_.data(), zn_.data());
    else
      std::memcpy(Zn_.data(), Zg, sizeof(float) * L * D);
    stack_forward(lay_.dq, ps_, s_.act, Zg, L, dqb_);
    for (int64_t i = 0; i < L * M; ++i) decq_[i] = sigmoidf(dqb_.output()[i]);
    if (s_.has_cost) {
      stack_forward(lay_.dc, ps_, s_.act, Zg, L, dcb_);
      for (int64_t i = 0; i < L * M; ++i) decc_[i] = sigmoidf(dcb_.output()[i]);
    }
  }

  bool norm(const Set& d, const int32_t* idx, int64_t n, Norm& nm) const {
    int64_t cq = 0, cc = 0, cp = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = idx[i];
      for (int64_t m = 0; m < s_.M; ++m) {
        cq += std::isnan(d.Yq[r * s_.M + m]) ? 0 : 1;
        if (s_.has_cost && d.Yc) cc += std::isnan(d.Yc[r * s_.M + m]) ? 0 : 1;
      }
      if (kl_on(d)) cp += prior_sum(d.prior + r * s_.L) > 0 ? 1 : 0;
    }
    nm.inv_q = cq ? 1.0 / static_cast<double>(cq) : 0.0;
    nm.inv_c = cc ? 1.0 / static_cast<double>(cc) : 0.0;
    nm.kl = cp ? p_.beta / static_cast<double>(n) : 0.0;
    return cq > 0 || cc > 0 || cp > 0;
  }

  // Forward of r rows (x gathered) into the scratch: F, q (in logits), ĥ.
  void forward_rows(RowScratch& sc, int64_t r) const {
    const int64_t D = s_.D, M = s_.M;
    stack_forward(lay_.f, ps_, s_.act, sc.x.data(), r, sc.fb);
    std::memcpy(sc.F.data(), sc.fb.output(), sizeof(float) * r * D);
    if (s_.no_task) {
      stack_forward(lay_.dq, ps_, s_.act, sc.F.data(), r, sc.dqb);
      for (int64_t i = 0; i < r * M; ++i) sc.hq[i] = sigmoidf(sc.dqb.output()[i]);
      if (s_.has_cost) {
        stack_forward(lay_.dc, ps_, s_.act, sc.F.data(), r, sc.dcb);
        for (int64_t i = 0; i < r * M; ++i) sc.hc[i] = sigmoidf(sc.dcb.output()[i]);
      }
      return;
    }
    const int64_t L = s_.L;
    if (s_.normalize)
      normalize_rows(sc.F.data(), r, D, sc.Fn.data(), sc.fn.data());
    else
      std::memcpy(sc.Fn.data(), sc.F.data(), sizeof(float) * r * D);
    sgemm(false, true, r, L, D, static_cast<float>(1.0 / s_.tau), sc.Fn.data(), D, Zn_.data(), D, 0.f, sc.logits.data(), L);
    for (int64_t i = 0; i < r; ++i) softmax_row(sc.logits.data() + i * L, L);
    sgemm(false, false, r, M, L, 1.f, sc.logits.data(), L, decq_.data(), M, 0.f, sc.hq.data(), M);
    if (s_.has_cost) sgemm(false, false, r, M, L, 1.f, sc.logits.data(), L, decc_.data(), M, 0.f, sc.hc.data(), M);
  }

  double chunk(const Set& d, const int32_t* idx, int64_t r, const Norm& nm, float* grad, int ti, uint64_t) {
    RowScratch& sc = sc_[ti];
    const int64_t D = s_.D, M = s_.M;
    for (int64_t i = 0; i < r; ++i)
      std::memcpy(sc.x.data() + i * s_.d, d.X + static_cast<int64_t>(idx[i]) * s_.d, sizeof(float) * s_.d);
    forward_rows(sc, r);
    double loss = 0;
    auto metric = [&](const float* Y, const float* h, float* dh, double inv, double wgt) {
      double l = 0;
      for (int64_t i = 0; i < r; ++i) {
        const float* y = Y + static_cast<int64_t>(idx[i]) * M;
        for (int64_t m = 0; m < M; ++m) {
          if (std::isnan(y[m])) {
            dh[i * M + m] = 0.f;
            continue;
          }
          const double e = static_cast<double>(h[i * M + m]) - y[m];
          l += e * e;
          dh[i * M + m] = static_cast<float>(2.0 * wgt * inv * e);
        }
      }
      loss += wgt * inv * l;
    };
    metric(d.Yq, sc.hq.data(), sc.dhq.data(), nm.inv_q, p_.quality_weight);
    const bool cost = s_.has_cost && d.Yc;
    if (cost) metric(d.Yc, sc.hc.data(), sc.dhc.data(), nm.inv_c, p_.cost_weight);
    const bool kl = !s_.no_task && nm.kl > 0 && d.prior;
    const int64_t L = s_.no_task ? 0 : s_.L;
    if (kl) {
      for (int64_t i = 0; i < r; ++i) {
        const float* pr = d.prior + static_cast<int64_t>(idx[i]) * L;
        const double ps = prior_sum(pr);
        if (ps <= 0) continue;
        const float* q = sc.logits.data() + i * L;
        double k = 0;
        for (int64_t t = 0; t < L; ++t) {
          const double pt = pr[t] / (ps + kKlEps);
          const double rho = q[t] / (pt + kKlEps);
          k += q[t] * std::log(rho + kKlEps);
        }
        loss += nm.kl * k;
      }
    }
    if (!grad) return loss;
    if (s_.no_task) {
      // per-row decoders: dz = dĥ ⊙ σ'
      float* dF = sc.dF.data();
      auto dec_back = [&](const Stack& st, StackBuf& b, const float* h, const float* dh, bool add) {
        float* dz = sc.dz.data();
        for (int64_t i = 0; i < r * M; ++i) dz[i] = dh[i] * h[i] * (1.f - h[i]);
        stack_backward(st, ps_, s_.act, sc.F.data(), r, b, dz, sc.da.data(), grad, add ? sc.dFn.data() : dF);
        if (add)
          for (int64_t i = 0; i < r * D; ++i) dF[i] += sc.dFn[i];
      };
      dec_back(lay_.dq, sc.dqb, sc.hq.data(), sc.dhq.data(), false);
      if (cost) dec_back(lay_.dc, sc.dcb, sc.hc.data(), sc.dhc.data(), true);
    } else {
      const float* q = sc.logits.data();
      float* dq = sc.dq.data();
      // dDec_μ += qᵀ·dĥ_μ ; dq = Σ_μ dĥ_μ·Dec_μᵀ
      sgemm(true, false, L, M, r, 1.f, q, L, sc.dhq.data(), M, 1.f, grad + aux_dq_, M);
      sgemm(false, true, r, L, M, 1.f, sc.dhq.data(), M, decq_.data(), M, 0.f, dq, L);
      if (cost) {
        sgemm(true, false, L, M, r, 1.f, q, L, sc.dhc.data(), M, 1.f, grad + aux_dc_, M);
        sgemm(false, true, r, L, M, 1.f, sc.dhc.data(), M, decc_.data(), M, 1.f, dq, L);
      }
      for (int64_t i = 0; i < r; ++i) {
        const float* qi = q + i * L;
        float* dqi = dq + i * L;
        if (kl) {
          const float* pr = d.prior + static_cast<int64_t>(idx[i]) * L;
          const double ps = prior_sum(pr);
          if (ps > 0) {
            for (int64_t t = 0; t < L; ++t) {
              const double pt = pr[t] / (ps + kKlEps);
              const double rho = qi[t] / (pt + kKlEps);
              dqi[t] += static_cast<float>(nm.kl * (std::log(rho + kKlEps) + rho / (rho + kKlEps)));
            }
          }
        }
        // softmax backward in place: dlogit = q ⊙ (dq − q·dq)
        double s = 0;
        for (int64_t t = 0; t < L; ++t) s += static_cast<double>(qi[t]) * dqi[t];
        for (int64_t t = 0; t < L; ++t) dqi[t] = qi[t] * (dqi[t] - static_cast<float>(s));
      }
      const float it = static_cast<float>(1.0 / s_.tau);
      sgemm(false, false, r, D, L, it, dq, L, Zn_.data(), D, 0.f, sc.dFn.data(), D);
      sgemm(true, false, L, D, r, it, dq, L, sc.Fn.data(), D, 1.f, grad + aux_dz_, D);
      if (s_.normalize)
        normalize_backward(sc.Fn.data(), sc.fn.data(), sc.dFn.data(), r, D, sc.dF.data(), false);
      else
        std::memcpy(sc.dF.data(), sc.dFn.data(), sizeof(float) * r * D);
    }
    std::memcpy(sc.dz.data(), sc.dF.data(), sizeof(float) * r * D);
    stack_backward(lay_.f, ps_, s_.act, sc.x.data(), r, sc.fb, sc.dz.data(), sc.da.data(), grad, nullptr);
    return loss;
  }

  // Task mode: pushes the leaf-side gradient (aux block) through the decoders and g.
  void end_step(float* grad) {
    if (s_.no_task) return;
    const int64_t L = s_.L, D = s_.D, M = s_.M;
    const int64_t W = std::max({lay_.dq.max_width(), s_.has_cost ? lay_.dc.max_width() : 0, lay_.g.max_width(), D});
    std::vector<float> dz(L * W), da(L * W), dZg(L * D), tmp(L * D);
    const float* Zg = gb_.output();
    auto dec_back = [&](const Stack& st, const StackBuf& b, const std::vector<float>& dec, const float* ddec, bool add) {
      for (int64_t i = 0; i < L * M; ++i) dz[i] = ddec[i] * dec[i] * (1.f - dec[i]);
      stack_backward(st, ps_, s_.act, Zg, L, b, dz.data(), da.data(), grad, add ? tmp.data() : dZg.data());
      if (add)
        for (int64_t i = 0; i < L * D; ++i) dZg[i] += tmp[i];
    };
    dec_back(lay_.dq, dqb_, decq_, grad + aux_dq_, false);
    if (s_.has_cost) dec_back(lay_.dc, dcb_, decc_, grad + aux_dc_, true);
    if (s_.normalize)
      normalize_backward(Zn_.data(), zn_.data(), grad + aux_dz_, L, D, dZg.data(), true);
    else
      for (int64_t i = 0; i < L * D; ++i) dZg[i] += grad[aux_dz_ + i];
    std::memcpy(dz.data(), dZg.data(), sizeof(float) * L * D);
    stack_backward(lay_.g, ps_, s_.act, p_.E, L, gb_, dz.data(), da.data(), grad, nullptr);
  }

  RowScratch& scratch(int ti) { return sc_[ti]; }

 private:
  bool kl_on(const Set& d) const { return !s_.no_task && d.prior && p_.beta > 0; }
  double prior_sum(const float* pr) const {
    double s = 0;
    for (int64_t t = 0; t < s_.L; ++t) s += pr[t];
    return s;
  }

  const TrouterTrainParams& p_;
  TrouterShape s_;
  ParamSet& ps_;
  Layout lay_;
  int64_t aux_dq_ = 0, aux_dc_ = 0, aux_dz_ = 0, aux_end_ = 0;
  StackBuf gb_, dqb_, dcb_;
  std::vector<float> Zn_, zn_, decq_, decc_;
  std::vector<RowScratch> sc_;
};

ParamSet params_from(const TrouterShape& s, Layout& lay, const std::vector<const float*>* w) {
  ParamSet ps;
  lay = build_layout(s, ps);
  if (w) {
    if (static_cast<int>(w->size()) != ps.count()) throw Error(kInvalidArg, "TRouter weights: wrong number of tensors");
    for (int i = 0; i < ps.count(); ++i)
      if (ps.entry(i).size()) std::memcpy(ps.ptr(i), (*w)[i], sizeof(float) * ps.entry(i).size());
  }
  return ps;
}

}  // namespace

void trouter_check_shape(const TrouterShape& s) {
  auto bad = [](const std::string& m) { throw Error(kInvalidArg, m); };
  if (s.d < 1 || s.D < 1 || s.M < 1) bad("TRouter dimensions d, D, M must be >= 1");
  if (!s.no_task && (s.L < 1 || s.de < 1)) bad("TRouter task mode needs L >= 1 leaves and de >= 1");
  if (s.tower_hidden.size() > 2) bad("at most 2 hidden tower layers");
  for (auto h : s.tower_hidden)
    if (h < 1) bad("hidden widths must be >= 1");
  if (s.dec_hidden < 0) bad("decoder hidden width must be >= 0");
  if (!(s.tau > 0) || !std::isfinite(s.tau)) bad("tau must be > 0");
}

std::vector<ParamEntry> trouter_layout(const TrouterShape& s) {
  ParamSet ps;
  build_layout(s, ps);
  std::vector<ParamEntry> out;
  for (int i = 0; i < ps.count(); ++i) out.push_back(ps.entry(i));
  return out;
}

TrouterTrainResult trouter_train(const TrouterTrainParams& p, const TrouterData& tr_set, const TrouterData* val) {
  const TrouterShape& s = p.shape;
  trouter_check_shape(s);
  TrouterTrainResult res;
  Layout lay;
  res.params = params_from(s, lay, nullptr);
  ParamSet& ps = res.params;
  Rng rng(hash2(p.train.seed, 0x54524F55ull));  // "TROU"
  auto init_stack = [&](const Stack& st) {
    for (int l = 0; l < st.layers(); ++l) {
      const bool relu_like = l + 1 < st.layers() && s.act != Act::Tanh;
      init_normal(ps.ptr(st.p0 + 2 * l), ps.entry(st.p0 + 2 * l).size(), init_std(st.in_of(l), relu_like), rng);
    }
  };
  init_stack(lay.f);
  if (!s.no_task) init_stack(lay.g);
  init_stack(lay.dq);
  if (s.has_cost) init_stack(lay.dc);
  // Decoder output biases start at the targets' column means.
  auto bias_means = [&](const Stack& st, const float* Y) {
    if (!Y) return;
    float* b = ps.ptr(st.p0 + 2 * (st.layers() - 1) + 1);
    for (int64_t m = 0; m < s.M; ++m) {
      double sum = 0, cnt = 0;
      for (int64_t i = 0; i < tr_set.n; ++i) {
        float y = Y[i * s.M + m];
        if (!std::isnan(y)) {
          sum += y;
          cnt += 1;
        }
      }
      b[m] = cnt > 0 ? logit_clamped(sum / cnt) : 0.f;
    }
  };
  bias_means(lay.dq, tr_set.Yq);
  if (s.has_cost) bias_means(lay.dc, tr_set.Yc);
  TrouterObjective obj(p, ps, lay);
  res.history = train(obj, ps, tr_set, val, p.train, 0);
  return res;
}

double trouter_loss_grad(const TrouterTrainParams& p, const std::vector<const float*>& weights, const TrouterData& data,
                         std::vector<float>& grad) {
  trouter_check_shape(p.shape);
  Layout lay;
  ParamSet ps = params_from(p.shape, lay, &weights);
  TrouterObjective obj(p, ps, lay);
  double l = loss_and_grad(obj, data, grad, resolve_threads(p.train.threads), std::max<int64_t>(1, p.train.chunk_rows));
  grad.resize(ps.total());
  return l;
}

void trouter_forward(const TrouterShape& s, const std::vector<const float*>& weights, const float* E, const float* X,
                     int64_t n, float* q, float* quality, float* cost, int threads) {
  trouter_check_shape(s);
  if (n <= 0) return;
  Layout lay;
  ParamSet ps = params_from(s, lay, &weights);
  TrouterTrainParams p;
  p.shape = s;
  p.E = E;
  TrouterObjective obj(p, ps, lay);
  const int64_t tiles = (n + kEvalRows - 1) / kEvalRows;
  const int t = static_cast<int>(std::min<int64_t>(resolve_threads(threads), tiles));
  obj.prepare(t, kEvalRows);
  obj.begin_step(false);
  const int64_t M = s.M, L = s.L;
  parallel_dynamic(tiles, 1, t, [&](int64_t t0, int64_t t1, int ti) {
    RowScratch& sc = obj.scratch(ti);
    for (int64_t k = t0; k < t1; ++k) {
      const int64_t b = k * kEvalRows, r = std::min(n, b + kEvalRows) - b;
      std::memcpy(sc.x.data(), X + b * s.d, sizeof(float) * r * s.d);
      obj.forward_rows(sc, r);
      if (quality) std::memcpy(quality + b * M, sc.hq.data(), sizeof(float) * r * M);
      if (cost && s.has_cost) std::memcpy(cost + b * M, sc.hc.data(), sizeof(float) * r * M);
      if (q && !s.no_task) std::memcpy(q + b * L, sc.logits.data(), sizeof(float) * r * L);
    }
  });
}

}  // namespace tr::nn
