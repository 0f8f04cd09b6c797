// The small networks of taskroute, trained and run natively: the MLP regressor /
// classifier, FineRouter's MoE quality estimator and the TRouter model.

export type { Activation, LossGrad, NnTrainOptions, TrainHistory, Weights } from './common.js';
export {
  trainMlp,
  mlpForward,
  mlpForwardSync,
  mlpLossGrad,
  mlpWeightShapes,
  type MlpConfig,
  type MlpForwardOptions,
  type MlpLoss,
  type MlpModel,
  type MlpRows,
  type MlpTrainOptions,
} from './mlp.js';
export {
  trainMoe,
  moeForward,
  moeForwardSync,
  moeLossGrad,
  moeWeightShapes,
  checkHeads,
  MOE_CUDA_MIN_ROWS,
  type MoeConfig,
  type MoeForwardOptions,
  type MoeForwardResult,
  type MoeHeads,
  type MoeLossGradOptions,
  type MoeModel,
  type MoeOutput,
  type MoeRows,
  type MoeTrainOptions,
} from './moe.js';
export {
  trainTrouter,
  trouterForward,
  trouterForwardSync,
  trouterLossGrad,
  trouterWeightShapes,
  type TrouterConfig,
  type TrouterForwardResult,
  type TrouterLossGradOptions,
  type TrouterModel,
  type TrouterRows,
  type TrouterTrainOptions,
} from './trouter.js';
