// FineRouter's mixture-of-experts quality estimator (stage 2): a shared trunk, a gate
// over the T latent tasks read from the input, general heads for every model and task
// heads for each task's candidate models (CSR over tasks), mixed over the top-K tasks.
//
//   h    = act(W1·x + b1)                       W1 [H×d], b1 [H]
//   p    = softmax(Wg·x + bg)                   Wg [T×d], bg [T]
//   g_m  = σ(U_m·h + c_m)                       U  [M×H], c  [M]
//   s_j  = σ(V_j·h + e_j)                       V  [nHeads×H], e [nHeads]; head j = (t, headModel[j])
//   S    = the K tasks of largest p (ties: lower index);  w_t = p_t / Σ_{u∈S} p_u
//   q2_m = Σ_{t∈S} w_t · (s_(t,m) if m is a candidate of t else g_m)
//
// moe_forward is ONE fused pass per row tile (trunk GEMM, gate GEMM, top-K, general-head
// GEMM, gathered task heads, mix) — no [n×H] intermediate for the batch — multithreaded
// over tiles; native/cuda/moe.cu is its CUDA twin. Training has two phases (moe_train).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn_common.h"

namespace tr::nn {

struct MoeShape {
  int64_t d = 0;  // input width
  int64_t H = 0;  // trunk width
  int64_t T = 0;  // tasks (gate width)
  int64_t M = 0;  // models
  int64_t K = 1;  // tasks mixed per row, 1 ≤ K ≤ T
  Act act = Act::Relu;
  const int32_t* head_ptr = nullptr;    // [T+1], head_ptr[0] = 0, head_ptr[T] = n_heads
  const int32_t* head_model = nullptr;  // [n_heads], strictly increasing within a task, in [0, M)
  int64_t n_heads = 0;
};

// Throws tr::Error(kInvalidArg) unless the shape and the CSR heads are consistent.
void moe_check_shape(const MoeShape& s);

struct MoeWeights {
  const float* W1 = nullptr;
  const float* b1 = nullptr;
  const float* Wg = nullptr;
  const float* bg = nullptr;
  const float* U = nullptr;
  const float* c = nullptr;
  const float* V = nullptr;
  const float* e = nullptr;
};

// Outputs of the forward pass; null pointers are not computed into.
struct MoeOutputs {
  float* q2 = nullptr;       // [n × M]
  float* gate = nullptr;     // [n × T] softmax p
  float* general = nullptr;  // [n × M] g
};

inline constexpr int64_t kMoeTile = 128;  // rows per fused tile on CPU (amortises packing the weight panels)

void moe_forward(const MoeShape& s, const MoeWeights& w, const float* X, int64_t n, const MoeOutputs& out, int threads);

// The K selected tasks of a probability row (descending p, ties to the lower index).
void moe_select_topk(const float* p, int64_t T, int64_t K, int32_t* sel);

enum class MoeLoss1 { Mse = 0, Bce = 1 };

// Training rows: X [n×d], Y [n×M] scores (NaN = unobserved), gate_targets [n×T] or null
// (an all-zero row = no target for that row).
struct MoeData {
  const float* X = nullptr;
  const float* Y = nullptr;
  const float* gate_targets = nullptr;
  int64_t n = 0;
};

struct MoeTrainParams {
  MoeShape shape;
  MoeLoss1 phase1_loss = MoeLoss1::Mse;  // loss of the general heads in phase 1
  double gate_weight = 1.0;              // weight of the gate's cross-entropy to gate_targets
  bool tune_gate = true;                 // fine-tune the gate in phase 2
  int phases = 2;                        // 1: trunk + general heads only (V, e copied from U, c)
  const float* gate_init_W = nullptr;    // [T×d] or null: initial Wg
  const float* gate_init_b = nullptr;    // [T] or null: initial bg
  // [nHeads×H] / [nHeads] or null: the task heads at the start of phase 2 (default: copies
  // of their model's general head), e.g. V = 0, e = logit(task profile) so phase 2 starts
  // from FineRouter's stage-1 estimate and learns prompt-level corrections.
  const float* head_init_V = nullptr;
  const float* head_init_e = nullptr;
  TrainConfig train;
};

struct MoeTrainResult {
  ParamSet params;  // W1 b1 Wg bg U c V e
  TrainHistory phase1, phase2;
};

MoeTrainResult moe_train(const MoeTrainParams& p, const MoeData& train, const MoeData* val);

// The loss of one phase over all rows at the given weights and its gradient for every
// parameter (layout of moe_layout; frozen parameters of the phase get 0). Debug path.
double moe_loss_grad(const MoeTrainParams& p, const MoeWeights& w, const MoeData& data, int phase,
                     std::vector<float>& grad);

std::vector<ParamEntry> moe_layout(const MoeShape& s);

}  // namespace tr::nn
