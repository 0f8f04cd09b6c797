// summarize(): what a routing data set holds, in the numbers every report starts from:
// split sizes, per-model mean score and cost, tasks, the per-prompt oracle and the best
// single model (DESIGN.md "Metrics": best single = highest mean train score; oracle ties
// go to the cheaper model).

import { SPLIT_CODES, SPLIT_NAMES, type DataFormat, type RoutingData, type Split } from './types.js';

/** Mean quality and mean cost (USD per prompt) over a set of prompts. */
export interface QualityCost {
  quality: number;
  cost: number;
}

export interface ModelSummary {
  name: string;
  /** Mean over all records. */
  meanScore: number;
  meanCost: number;
  /** Per split; null when the split is empty. */
  bySplit: Record<Split, { meanScore: number; meanCost: number } | null>;
}

export interface TaskSummary {
  /** '' for records without a task. */
  name: string;
  count: number;
  bySplit: Record<Split, number>;
}

export interface DataSummary {
  source: string;
  format: DataFormat | 'synthetic';
  records: number;
  splits: Record<Split, number>;
  models: ModelSummary[];
  /** Tasks by decreasing count, then name. */
  tasks: TaskSummary[];
  /** The per-prompt best model (ties to the cheaper, then the lower index), per split; null when empty. */
  oracle: Record<Split, QualityCost | null>;
  /** Highest mean train score (ties: cheaper, then lower index); null without train records. */
  bestSingle: { model: string; index: number; train: QualityCost; test: QualityCost | null } | null;
  hasCosts: boolean;
  costNote: string;
  embeddingDim: number | null;
  /** Records carrying a taxonomy leaf. */
  leaves: number;
  notes: string[];
}

function perSplit<T>(f: (s: Split) => T): Record<Split, T> {
  return { train: f('train'), val: f('val'), test: f('test') };
}

export function summarize(data: RoutingData): DataSummary {
  const M = data.models.length;
  const n = data.n;
  const count = new Float64Array(3);
  const sumS = new Float64Array(3 * M);
  const sumC = new Float64Array(3 * M);
  const oracleS = new Float64Array(3);
  const oracleC = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const s = data.splits[i];
    if (s > 2) continue; // not a split (e.g. rows a cold-start protocol leaves unused)
    count[s]++;
    let best = 0;
    for (let m = 0; m < M; m++) {
      const q = data.scores[i * M + m];
      const c = data.costs[i * M + m];
      sumS[s * M + m] += q;
      sumC[s * M + m] += c;
      const bq = data.scores[i * M + best];
      if (q > bq || (q === bq && c < data.costs[i * M + best])) best = m;
    }
    oracleS[s] += data.scores[i * M + best];
    oracleC[s] += data.costs[i * M + best];
  }
  const code = (s: Split) => SPLIT_CODES[s];
  const models: ModelSummary[] = data.models.map((name, m) => {
    let ts = 0;
    let tc = 0;
    for (let s = 0; s < 3; s++) {
      ts += sumS[s * M + m];
      tc += sumC[s * M + m];
    }
    return {
      name,
      meanScore: n ? ts / n : 0,
      meanCost: n ? tc / n : 0,
      bySplit: perSplit((sp) => {
        const k = code(sp);
        return count[k] ? { meanScore: sumS[k * M + m] / count[k], meanCost: sumC[k * M + m] / count[k] } : null;
      }),
    };
  });

  const taskMap = new Map<string, TaskSummary>();
  for (let i = 0; i < n; i++) {
    if (data.splits[i] > 2) continue;
    const t = data.tasks[i] ?? '';
    let e = taskMap.get(t);
    if (!e) taskMap.set(t, (e = { name: t, count: 0, bySplit: { train: 0, val: 0, test: 0 } }));
    e.count++;
    e.bySplit[SPLIT_NAMES[data.splits[i]]]++;
  }
  const tasks = [...taskMap.values()].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  let bestSingle: DataSummary['bestSingle'] = null;
  const tr = code('train');
  if (count[tr] > 0) {
    let b = 0;
    for (let m = 1; m < M; m++) {
      const d = sumS[tr * M + m] - sumS[tr * M + b];
      if (d > 0 || (d === 0 && sumC[tr * M + m] < sumC[tr * M + b])) b = m;
    }
    const te = code('test');
    bestSingle = {
      model: data.models[b],
      index: b,
      train: { quality: sumS[tr * M + b] / count[tr], cost: sumC[tr * M + b] / count[tr] },
      test: count[te] ? { quality: sumS[te * M + b] / count[te], cost: sumC[te * M + b] / count[te] } : null,
    };
  }
  return {
    source: data.source,
    format: data.format,
    records: n,
    splits: perSplit((s) => count[code(s)]),
    models,
    tasks,
    oracle: perSplit((s) => (count[code(s)] ? { quality: oracleS[code(s)] / count[code(s)], cost: oracleC[code(s)] / count[code(s)] } : null)),
    bestSingle,
    hasCosts: data.hasCosts,
    costNote: data.costNote,
    embeddingDim: data.embeddings && data.embeddingDim ? data.embeddingDim : null,
    leaves: data.leaves ? data.leaves.filter((l) => l !== '').length : 0,
    notes: [...data.notes],
  };
}
