// The public API of taskroute.

export { TaskrouteError, type TaskrouteErrorCode } from './errors.js';
export type { Matrix } from './validate.js';
export { info, version, type TaskrouteInfo } from './info.js';
export { setThreads, cudaAvailable, type Backend } from './native.js';
export {
  chooseByLambda,
  chooseForBudget,
  chooseByFloor,
  lambdaGrid,
  referenceCost,
  type BudgetChoice,
  type BudgetOptions,
  type FloorChoices,
} from './policy/index.js';
export { evaluate, nonDecreasingHull, type EvalSet, type EvalReference, type RouterMetrics, type HullPoint } from './eval/metrics.js';
export { runCompare, type CompareOptions } from './eval/compare.js';
export { renderReport, renderChart, type ChartOptions } from './eval/report.js';
export { syntheticRoutingData, type SyntheticOptions } from './eval/synthetic.js';
export type { CompareResult, RouterResult, CurvePoint, Utilities, Shares, TaskBreakdown, ModelPoint } from './eval/types.js';
export { loadRoutingData, detectFormat, writeRoutingJsonl, withValidation, rowsOf, subset, hashSplit, summarize, parsePythonStringList, estimateCost, LLMROUTER_COST_NOTE, type DataSummary, type ModelSummary, type TaskSummary, type QualityCost } from './data/index.js';
export type { RoutingData, Split, DataFormat, DataFormatOption, LoadOptions } from './data/types.js';
export { leiden, leidenSync, graphQuality, csrFromEdges, type LeidenOptions, type LeidenResult } from './graph/index.js';
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
export {
  TAXONOMY_LEVELS, validateTaxonomy, parseTaxonomy, readTaxonomy, readTaxonomySync, writeTaxonomy, taxonomyToText,
  leaves, leafPath, leafTitle, findNode, nodeDescription, slugify, readTaskLeafMapping, validateTaskLeafMapping,
  mapTasksToLeaves, leavesForTasks, readDomainMapping, validateDomainMapping, builtinDomainMapping, taxonomyFromTasks,
  LlmClient, normaliseLlmUrl, estimateTokens, parseJsonAnswer, repairJson, extractJson, checkSchema, JsonAnswerError,
  Ledger, callId, ledgerPathFor, ngramEmbedder, filterNearDuplicates,
  buildTaxonomy, SEED_DOMAINS, synthesizeQueries, estimateQueries, readQueries, writeQueries, queryId,
  labelQueries, estimateLabel, readModelsFile, validateModels, parseJudgeSpec, callCost, writeLabelledJsonl,
  type Taxonomy, type TaxonomyNode, type TaxonomyLevel, type TaxonomyLeaf, type TaxonomyLimits, type TaskLeafMapping,
  type DomainMapping, type TaxonomyFromTasks, type ChatMessage, type ChatOptions, type ChatResult, type JsonChatResult,
  type LlmClientOptions, type Usage, type JsonSchema, type LedgerEntry, type BuildTaxonomyOptions, type BuildTaxonomyResult,
  type SynthQuery, type SynthQueriesOptions, type SynthQueriesResult, type CandidateModel, type JudgeSpec,
  type LabelOptions, type LabelResult, type LabelRecord,
} from './synth/index.js';
export { similarity, similaritySync, topk, topkSync, knnGraph, knnGraphSync } from './ops/index.js';
export type { Metric, Csr, TopkResult, OpOptions } from './ops/types.js';
export type { SimilarityOptions, TopkOptions, KnnGraphOptions, Symmetrize, MatrixInput } from './ops/index.js';
export {
  createEmbedder,
  embedderFromState,
  parseEmbedderSpec,
  EMBEDDER_KINDS,
  BuiltinEmbedder,
  OpenAIEmbedder,
  PrecomputedEmbedder,
  type EmbedderSpec,
  type EmbedderKind,
  type BuiltinEmbedderOptions,
  type OpenAIEmbedderOptions,
  type PrecomputedEmbedderOptions,
  type Embedder,
  type EmbedderState,
  type EmbedContext,
  type TensorData,
} from './embed/index.js';
export { BUILTIN_DEFAULTS, hashedFeatures, type BuiltinFitInfo, type HashedRows } from './embed/builtin.js';
export { randomizedSvd, randomizedSvdSync, type SparseMatrix, type RandomizedSvdOptions, type RandomizedSvdResult } from './embed/svd.js';
export { EmbeddingCache, defaultEmbeddingCacheDir, defaultCacheRoot } from './embed/cache.js';
export { Router, type RouteOptions, type RouteResult, type Decision, type ModelEstimate, type TrainOptions } from './api.js';
export { getRouterFactory, routerNames, registerRouter } from './routers/index.js';
export type { Router as RouterModel, RouterFactory, RouterState, TrainSet, Estimate, LabelledSet, TaskExplanation } from './routers/types.js';
export { FineRouter, type FineRouterOptions } from './routers/finerouter/index.js';
export { evaluateTrained } from './eval/trained.js';
export { readArtifact, writeArtifact, ARTIFACT_FORMAT_VERSION, type RouterArtifact } from './artifact/index.js';
export { TrouterRouter, trouterFactories, CALIBRATION_GRID, MIN_BATCHES_PER_EPOCH, type TrouterRouterOptions } from './routers/trouter/index.js';
export { resolveLeaves, rowLeaves, genericTaxonomy, recogniserAccuracy, type LeafSet, type LeafOptions, type RowLeaves } from './routers/trouter/leaves.js';
export { MetricRouter, metricFactory, type MetricRouterOptions } from './routers/metric.js';
export { createRoutingServer, type RoutingServer, type RoutingServerOptions, type RequestLogEntry } from './server/index.js';
