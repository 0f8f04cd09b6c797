// The one router interface. A router maps embeddings to per-model quality and cost
// estimates; turning estimates into choices is the policy's job (src/policy).

import type { TensorData } from '../embed/types.js';
import type { Progress } from '../progress.js';

/** Labelled rows for fitting; all arrays row-major. */
export interface LabelledSet {
  /** [n × dim] L2-normalised embeddings. */
  X: Float32Array;
  n: number;
  dim: number;
  /** [n × M] quality in [0, 1]. */
  scores: Float32Array;
  /** [n × M] cost in USD. */
  costs: Float32Array;
  /** Task label per row ('' when unknown). */
  tasks: string[];
  /** Taxonomy leaf per row, when known (TRouter). */
  leaves?: string[];
  /** The prompts (routers that need text, e.g. TRouter's task descriptions, may use them). */
  prompts?: string[];
}

export interface TrainSet extends LabelledSet {
  models: string[];
  /** Held-out rows from inside the training data for model selection (never the test split). */
  val?: LabelledSet;
  seed: number;
  /** Threads for native training (0: default). */
  threads?: number;
  progress?: Progress;
  /** The fitted embedder of this training run, for routers that embed text of their own (TRouter's task descriptions). */
  embed?: (texts: string[]) => Promise<Float32Array>;
}

export interface Estimate {
  /** [n × M] estimated quality. */
  quality: Float32Array;
  /** [n × M] estimated cost in USD. */
  cost: Float32Array;
  n: number;
  models: number;
}

/** Labels of the rows being estimated; only label-reading routers (oracle) use them. */
export interface EstimateContext {
  scores?: Float32Array;
  costs?: Float32Array;
  tasks?: string[];
}

export interface RouterState {
  method: string;
  models: string[];
  /** JSON-serialisable hyperparameters and small state. */
  config: Record<string, unknown>;
  tensors: Record<string, TensorData>;
  /** Optional shapes of the tensors (e.g. [rows, cols]), written into the artifact for Python readers. */
  shapes?: Record<string, number[]>;
}

/** One latent task a router assigns a prompt to (FineRouter's tasks, TRouter's taxonomy leaves). */
export interface TaskExplanation {
  /** Task id (e.g. "t12" or a taxonomy leaf id). */
  id: string;
  /** Human-readable label (e.g. the dominant dataset task of a discovered cluster, or a leaf path). */
  label: string;
  probability: number;
}

export interface Router {
  readonly name: string;
  /** Set after fit(); column order of every estimate. */
  readonly models: string[];
  fit(train: TrainSet): Promise<void>;
  estimate(X: Float32Array, n: number, ctx?: EstimateContext): Promise<Estimate>;
  state(): RouterState;
  /** For routers with task variables: the `top` most likely tasks of each row. */
  explain?(X: Float32Array, n: number, top: number): Promise<TaskExplanation[][]>;
  /** Method-specific figures after fit (e.g. the task classifier's top-1/top-5 accuracy). */
  diagnostics?(): Record<string, number | string>;
}

export interface RouterFactory {
  name: string;
  description: string;
  /** True for upper bounds that read the labels of the rows they estimate. */
  readsLabels?: boolean;
  create(options?: Record<string, unknown>): Router;
  fromState(state: RouterState): Router;
}
