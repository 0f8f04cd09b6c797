// The MLP regressor / classifier: 0–2 hidden layers, sigmoid outputs (masked MSE or
// BCE against scores) or a softmax output (cross-entropy against target distributions).
// Used by the `mlp` baseline router, FineRouter's task classifier p(t|x) and TRouter's
// MetricRouter baseline. Plain C++; the N-API layer is napi/nn.cc.
//
// Parameters: layer l maps sizes[l] → sizes[l+1] with W{l} [sizes[l+1] × sizes[l]] and
// b{l} [sizes[l+1]], sizes = [d, hidden..., outputs]; hidden layers use the activation,
// the output layer is linear before the sigmoid/softmax.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn_common.h"

namespace tr::nn {

enum class MlpLoss { SigmoidMse = 0, SigmoidBce = 1, SoftmaxXent = 2 };
MlpLoss parse_mlp_loss(const std::string& s);

struct MlpShape {
  int64_t d = 0;                 // input width
  int64_t outputs = 0;           // output width
  std::vector<int64_t> hidden;   // hidden widths (0–2 layers)
  Act act = Act::Relu;           // activation of the hidden layers
  MlpLoss loss = MlpLoss::SigmoidMse;
  int layers() const { return static_cast<int>(hidden.size()) + 1; }
  int64_t in_of(int l) const { return l == 0 ? d : hidden[l - 1]; }
  int64_t out_of(int l) const { return l == static_cast<int>(hidden.size()) ? outputs : hidden[l]; }
};

// Weight pointers, layer by layer (W[l] is [out_of(l) × in_of(l)]).
struct MlpWeights {
  std::vector<const float*> W, b;
};

// Rows with targets: X [n × d], Y [n × outputs] (NaN = unobserved; for softmax a row
// with any NaN or an all-zero target is skipped).
struct MlpData {
  const float* X = nullptr;
  const float* Y = nullptr;
  int64_t n = 0;
};

struct MlpTrainParams {
  MlpShape shape;
  double dropout = 0.0;  // on hidden activations while training (inverted dropout)
  TrainConfig train;
};

struct MlpTrainResult {
  ParamSet params;  // "W0", "b0", "W1", ...
  TrainHistory history;
};

MlpTrainResult mlp_train(const MlpTrainParams& p, const MlpData& train, const MlpData* val);

// out [n × outputs]: sigmoid probabilities or softmax rows. Multithreaded over row tiles.
void mlp_forward(const MlpShape& s, const MlpWeights& w, const float* X, int64_t n, float* out, int threads);

// Loss and gradient over all rows at the given weights (debug path for gradient checks).
// grad is laid out as the parameter set "W0", "b0", ... in that order.
double mlp_loss_grad(const MlpTrainParams& p, const MlpWeights& w, const MlpData& data, std::vector<float>& grad);

// Names and shapes of the parameters, in layout order.
std::vector<ParamEntry> mlp_layout(const MlpShape& s);

}  // namespace tr::nn
