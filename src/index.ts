// The public API of taskroute.

export { TaskrouteError, type TaskrouteErrorCode } from './errors.js';
export type { Matrix } from './validate.js';
export { info, version, type TaskrouteInfo } from './info.js';
export { setThreads, cudaAvailable, type Backend } from './native.js';
export { loadRoutingData, detectFormat, writeRoutingJsonl, withValidation, rowsOf, subset, hashSplit, summarize, parsePythonStringList, estimateCost, LLMROUTER_COST_NOTE, type DataSummary, type ModelSummary, type TaskSummary, type QualityCost } from './data/index.js';
export type { RoutingData, Split, DataFormat, DataFormatOption, LoadOptions } from './data/types.js';
