// The result of `taskroute compare` / `eval`: what `--json` prints and what the HTML
// report renders. Field names are part of the CLI's contract (see the evaluation issue).

/** One realised operating point of a router on the test split. */
export interface CurvePoint {
  /** λ of the policy argmax_m q̂ − λ·ĉ/c_ref. */
  lambda: number;
  /** Mean realised cost per prompt (USD). */
  cost: number;
  /** Mean realised quality. */
  quality: number;
}

export interface Utilities {
  /** U(μ_c = 0.8, μ_r = 0.2) */
  costFirst: number;
  /** U(0.5, 0.5) */
  balanced: number;
  /** U(0.2, 0.8) */
  performanceFirst: number;
  sum: number;
}

/** Fraction of test prompts routed to each model at one operating point. */
export type Shares = Record<string, number>;

export interface TaskBreakdown {
  task: string;
  n: number;
  bestSingleQuality: number;
  oracleQuality: number;
  /** Router quality and cost on this task at the router's max-quality operating point. */
  quality: number;
  cost: number;
}

export interface RouterResult {
  name: string;
  maxQuality: number;
  nAUC: number;
  /** null when the hull never reaches the best single model's quality. */
  costToMatchBest: number | null;
  gapRecovered: number;
  utilities: Utilities;
  points: CurvePoint[];
  trainSeconds: number;
  estimateSeconds: number;
  /** Routing shares at the max-quality point and at the balanced-utility choice. */
  shares?: { atMaxQuality: Shares; atBalanced: Shares };
  /** Per-task quality and cost at the max-quality point. */
  perTask?: TaskBreakdown[];
  /** Upper bound that reads test labels (the oracle). */
  readsLabels?: boolean;
  /** Method-specific diagnostics (e.g. task classifier top-1/top-5 accuracy). */
  diagnostics?: Record<string, number | string>;
}

export interface ModelPoint {
  model: string;
  quality: number;
  cost: number;
}

export interface CompareResult {
  /** The data file or directory. */
  data: string;
  nTrain: number;
  nTest: number;
  models: string[];
  bestSingle: ModelPoint;
  oracle: { quality: number; cost: number };
  routers: RouterResult[];
  /** Every single model's test quality and mean cost (points on the chart). */
  singles?: ModelPoint[];
  /** Embedder used, seed, cost note, cold-start protocol, synthetic-data label … */
  notes?: string[];
  seed?: number;
  embedder?: string;
  /** True when the data is the built-in synthetic benchmark. */
  synthetic?: boolean;
  costNote?: string;
  /** Validation rows the routers selected their settings on (carved from the training data). */
  nVal?: number;
  /** c_ref of the λ policy: the dearest model's mean train cost (1 without costs). */
  cRef?: number;
}
