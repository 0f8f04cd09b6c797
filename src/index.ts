// The public API of taskroute.

export { TaskrouteError, type TaskrouteErrorCode } from './errors.js';
export type { Matrix } from './validate.js';
export { info, version, type TaskrouteInfo } from './info.js';
export { setThreads, cudaAvailable, type Backend } from './native.js';
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
