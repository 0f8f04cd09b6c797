// Embedder factory: builds an embedder from a spec or from saved state.
// (Filled in by the embedders work: builtin, openai, precomputed.)

import type { Embedder, EmbedderState } from './types.js';

export type EmbedderSpec =
  | { kind: 'builtin'; dim?: number; seed?: number }
  | { kind: 'openai'; baseUrl: string; model: string; apiKeyEnv?: string; batchSize?: number; concurrency?: number; cacheDir?: string; timeoutMs?: number }
  | { kind: 'precomputed'; file?: string; dim?: number };

export function createEmbedder(spec: EmbedderSpec): Embedder {
  throw new Error(`embedder "${spec.kind}" is not available in this build yet`);
}

export function embedderFromState(state: EmbedderState): Embedder {
  throw new Error(`embedder "${state.kind}" is not available in this build yet`);
}
