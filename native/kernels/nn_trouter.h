// The TRouter model (arXiv 2604.09377; the authors' code: less-and-less-bugs/
// ColdStartLLMRouter, src/components/variational_prompt_tuner*.py): a latent task
// variable over the taxonomy leaves between the prompt and the per-model estimates.
//
//   f(x)   = MLP_f(x) → [D]           g(e_t) = MLP_g(e_t) → [D]   (e_t: embedded leaf description, E [L×de])
//   q(t|x) = softmax(f̂(x)·ĝ(e_t)/τ)  (f̂, ĝ: the tower outputs, L2-normalised when `normalize`)
//   dec_μ(z) = σ(MLP_μ(z)) → [M]     one decoder per metric μ ∈ {quality, cost}, all models at once
//   ĥ_μ(x) = Σ_t q(t|x)·dec_μ(g(e_t))
//   loss   = Σ_μ w_μ·masked-MSE(ĥ_μ, Y_μ) + β·mean_rows KL(q(·|x) ‖ p̃(·|x))
//   KL(q‖p̃) = Σ_t q_t·log(q_t/(p̃_t + ε) + ε), ε = 1e-8, p̃ = prior / (Σ prior + ε)
// The KL and its smoothing follow the authors' multi-label tuner (their direction
// KL(q‖p), finite for one-hot and subtree priors); τ = 0.07 is the temperature of their
// single-label tuner. A row whose prior is all zero has no KL term (it still counts in the
// batch mean, as the authors' batch mean does). `no_task` is the ablation without the
// latent variable: ĥ_μ = dec_μ(f(x)).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn_common.h"

namespace tr::nn {

struct TrouterShape {
  int64_t d = 0;                      // prompt embedding width
  int64_t de = 0;                     // leaf description embedding width (task mode)
  int64_t L = 0;                      // leaves (task mode)
  int64_t D = 0;                      // task representation width
  int64_t M = 0;                      // models
  std::vector<int64_t> tower_hidden;  // hidden widths of both towers (0–2 layers)
  int64_t dec_hidden = 0;             // hidden width of the decoders (0: linear decoder)
  Act act = Act::Relu;
  bool no_task = false;
  bool normalize = true;
  double tau = 0.07;
  bool has_cost = true;  // a cost decoder exists
};

void trouter_check_shape(const TrouterShape& s);

// Parameter names and shapes in layout order: f.W0 f.b0 …, g.W0 … (task mode),
// quality.W0 quality.b0 [quality.W1 quality.b1], cost.… (has_cost).
std::vector<ParamEntry> trouter_layout(const TrouterShape& s);

// X [n×d]; Yq [n×M] quality, Yc [n×M] cost in [0,1] or null (NaN = unobserved);
// prior [n×L] ≥ 0 or null (an all-zero row = no prior).
struct TrouterData {
  const float* X = nullptr;
  const float* Yq = nullptr;
  const float* Yc = nullptr;
  const float* prior = nullptr;
  int64_t n = 0;
};

struct TrouterTrainParams {
  TrouterShape shape;
  const float* E = nullptr;  // [L×de] leaf description embeddings (task mode)
  double beta = 1.0;         // weight of the KL term
  double quality_weight = 1.0;
  double cost_weight = 1.0;
  TrainConfig train;
};

struct TrouterTrainResult {
  ParamSet params;
  TrainHistory history;
};

TrouterTrainResult trouter_train(const TrouterTrainParams& p, const TrouterData& train, const TrouterData* val);

// weights: one pointer per trouter_layout entry. q [n×L] (task mode; may be null),
// quality [n×M], cost [n×M] (has_cost; may be null).
void trouter_forward(const TrouterShape& s, const std::vector<const float*>& weights, const float* E, const float* X,
                     int64_t n, float* q, float* quality, float* cost, int threads);

// Loss and gradient (trouter_layout order) over all rows at the given weights.
double trouter_loss_grad(const TrouterTrainParams& p, const std::vector<const float*>& weights, const TrouterData& data,
                         std::vector<float>& grad);

}  // namespace tr::nn
