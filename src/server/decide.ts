// One request's decisions from its rows of a (possibly coalesced) batch estimate: the
// same policy calls and the same Decision fields as Router.route(), so an answer from the
// server is identical to routing the request's prompts alone.

import type { Decision, RouteResult } from '../api.js';
import { chooseByFloor, chooseByLambda, chooseForBudget } from '../policy/index.js';
import type { Estimate, TaskExplanation } from '../routers/types.js';
import type { Policy } from './request.js';

export function decide(models: string[], costRef: number, est: Estimate, policy: Policy, explain: boolean, tasks?: TaskExplanation[][]): RouteResult {
  const n = est.n;
  const M = est.models;
  let choices: Int32Array;
  let lambda = 0;
  const extra: Pick<RouteResult, 'feasible' | 'belowFloor'> = {};
  if (policy.mode === 'budget') {
    const b = chooseForBudget(est, policy.budget, costRef);
    choices = b.choices;
    lambda = b.lambda;
    extra.feasible = b.feasible;
  } else if (policy.mode === 'minQuality') {
    const f = chooseByFloor(est, policy.minQuality);
    choices = f;
    extra.belowFloor = f.nBelowFloor;
  } else {
    lambda = policy.lambda;
    choices = chooseByLambda(est, lambda, costRef);
  }
  let total = 0;
  const decisions: Decision[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const m = choices[i];
    const d: Decision = { model: models[m], modelIndex: m, quality: est.quality[i * M + m], cost: est.cost[i * M + m] };
    total += d.cost;
    if (explain) {
      d.estimates = models.map((model, j) => ({ model, quality: est.quality[i * M + j], cost: est.cost[i * M + j] }));
      if (tasks) d.tasks = tasks[i];
    }
    decisions[i] = d;
  }
  return { decisions, estimatedCost: total, lambda, ...extra };
}
