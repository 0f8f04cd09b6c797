// Registers every built-in router with the registry (imported once by the package root).

import { registerRouter, hasRouter } from './registry.js';
import { baselineFactories } from './baselines.js';
import { kmeansFactory } from './kmeans.js';
import { mfFactory } from './mf.js';
import { mlpFactory } from './mlp.js';
import { knnFactory } from './knn.js';
import { fineRouterFactories } from './finerouter/index.js';
import { trouterFactories } from './trouter/index.js';
import { metricFactory } from './metric.js';

for (const f of [...baselineFactories, knnFactory, kmeansFactory, mfFactory, mlpFactory, ...fineRouterFactories, ...trouterFactories, metricFactory]) if (!hasRouter(f.name)) registerRouter(f);

export { getRouterFactory, routerNames, registerRouter } from './registry.js';
export type { Router, RouterFactory, RouterState, TrainSet, Estimate, LabelledSet } from './types.js';
