// The public API of taskroute.

export { TaskrouteError, type TaskrouteErrorCode } from './errors.js';
export type { Matrix } from './validate.js';
export { info, version, type TaskrouteInfo } from './info.js';
export { setThreads, cudaAvailable, type Backend } from './native.js';
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
