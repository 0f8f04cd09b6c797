// The embedder interface: texts in, L2-normalised row-major Float32Array[n × dim] out.
// An embedder's state travels inside the router artifact.

export type TensorData = Float32Array | Int32Array;

export interface EmbedderState {
  kind: string;
  /** JSON-serialisable settings (never secrets: API keys stay in the environment). */
  config: Record<string, unknown>;
  tensors: Record<string, TensorData>;
  /** Optional shapes of the tensors (e.g. [rows, cols]), written into the artifact for Python readers. */
  shapes?: Record<string, number[]>;
}

/** What the caller knows about the texts besides their text. */
export interface EmbedContext {
  /** Precomputed vectors for exactly these texts ([texts.length × dim]), e.g. the records' `embedding` fields. */
  embeddings?: Float32Array;
  /** Progress for long batches. */
  progress?: import('../progress.js').Progress;
}

export interface Embedder {
  readonly kind: string;
  readonly dim: number;
  /** Fits on the training prompts (TF·IDF, projection); a no-op for remote embedders. */
  fit(texts: string[]): Promise<void>;
  /** [texts.length × dim], row-major, each row L2-normalised. */
  embed(texts: string[], ctx?: EmbedContext): Promise<Float32Array>;
  state(): EmbedderState;
}
