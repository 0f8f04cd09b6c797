// The public API of taskroute.

export { TaskrouteError, type TaskrouteErrorCode } from './errors.js';
export type { Matrix } from './validate.js';
export { info, version, type TaskrouteInfo } from './info.js';
export { setThreads, cudaAvailable, type Backend } from './native.js';
export {
  trainMlp,
  mlpForward,
  mlpForwardSync,
  trainMoe,
  moeForward,
  moeForwardSync,
  trainTrouter,
  trouterForward,
  trouterForwardSync,
  MOE_CUDA_MIN_ROWS,
  mlpWeightShapes,
  moeWeightShapes,
  trouterWeightShapes,
  type Activation as NnActivation,
  type NnTrainOptions,
  type TrainHistory as NnTrainHistory,
  type Weights as NnWeights,
  type MlpConfig,
  type MlpForwardOptions,
  type MlpLoss,
  type MlpModel,
  type MlpRows,
  type MlpTrainOptions,
  type MoeConfig,
  type MoeForwardOptions,
  type MoeForwardResult,
  type MoeHeads,
  type MoeModel,
  type MoeOutput,
  type MoeRows,
  type MoeTrainOptions,
  type TrouterConfig,
  type TrouterForwardResult,
  type TrouterModel,
  type TrouterRows,
  type TrouterTrainOptions,
} from './nn/index.js';
