// The in-memory routing data set: structure-of-arrays, so a million records cost a
// few flat typed arrays rather than a million objects.

export type Split = 'train' | 'val' | 'test';
export const SPLIT_CODES: Readonly<Record<Split, number>> = { train: 0, val: 1, test: 2 };
export const SPLIT_NAMES: readonly Split[] = ['train', 'val', 'test'];

export type DataFormat = 'jsonl' | 'routerbench' | 'llmrouter';

export interface RoutingData {
  /** File or directory it was read from (or a label for generated data). */
  source: string;
  format: DataFormat | 'synthetic';
  /** Model names, M of them; column order of scores and costs. */
  models: string[];
  /** Number of records. */
  n: number;
  ids: string[];
  prompts: string[];
  /** Task label per record; '' when unknown. */
  tasks: string[];
  /** Taxonomy leaf id per record (TRouter's prior), '' when none; absent when no record has one. */
  leaves?: string[];
  /** [n × M] quality in [0, 1]. */
  scores: Float32Array;
  /** [n × M] cost in USD; all 0 when the data set has none (hasCosts false). */
  costs: Float32Array;
  hasCosts: boolean;
  /** How costs were obtained, for display: e.g. 'measured' or 'estimated from the price table …'. */
  costNote: string;
  /** Per record: 0 train, 1 val, 2 test (SPLIT_CODES). */
  splits: Uint8Array;
  /** [n × embeddingDim] precomputed embeddings when every record carries one. */
  embeddings?: Float32Array;
  embeddingDim?: number;
  /** What the loader dropped or assumed, one line each (shown by `data inspect`). */
  notes: string[];
}

/** What loadRoutingData accepts as `format`: a DataFormat, or 'auto' to detect it from the path. */
export type DataFormatOption = 'auto' | DataFormat;
export const DATA_FORMATS: readonly DataFormatOption[] = ['auto', 'jsonl', 'routerbench', 'llmrouter'];

/** Options of loadRoutingData. */
export interface LoadOptions {
  /**
   * Default 'auto': a directory with dcrouter_*.json → llmrouter; a directory of .csv →
   * routerbench; .jsonl/.ndjson (or .json holding JSON lines) → jsonl; .csv → routerbench;
   * a .json holding a JSON array (dcrouter_train.json) → llmrouter.
   */
  format?: DataFormatOption;
  /** Default false: the first invalid record is an error. True: invalid records are skipped and counted in notes. */
  skipInvalid?: boolean;
  /** Progress lines while reading (default: silent). */
  progress?: import('../progress.js').Progress;
  /**
   * A side file of embeddings, `.npy` float32 [rows × dim] or raw little-endian float32
   * (then `embeddingDim` is required). Row r belongs to the r-th record read, in file
   * order and BEFORE any record is skipped or dropped; the file must have one row per record read.
   */
  embeddingsFile?: string;
  /** Dimension of a raw float32 `embeddingsFile` (checked against an .npy's shape when given). */
  embeddingDim?: number;
}
