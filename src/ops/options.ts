// Validation shared by the vector ops: the options object, metric, threads, backend,
// and matrix arguments given as a Matrix or as number[][].

import { useCuda } from '../native.js';
import { assertInteger, assertMatrix, assertObject, assertOneOf, toMatrix, type Matrix, type MatrixCheck } from '../validate.js';
import type { Metric } from './types.js';

export const METRICS: readonly Metric[] = ['ip', 'cosine', 'l2'];

/** Largest result the ops return: typed-array lengths and CSR offsets are int32. */
export const MAX_RESULT = 2 ** 31 - 1;

/** A row-major matrix, or rows given as arrays (flattened once into a Float32Array). */
export type MatrixInput = Matrix | number[][];

export function matrixArg(name: string, v: unknown, check: MatrixCheck): Matrix {
  const m = Array.isArray(v) ? toMatrix(name, v as number[][]) : v;
  return assertMatrix(name, m, check);
}

export function optionsArg(o: unknown): Record<string, unknown> {
  return o === undefined ? {} : assertObject('options', o);
}

export interface CommonParams {
  metric: Metric;
  threads: number;
  cuda: boolean;
}

/** metric (default 'cosine'), threads (default 0), backend → cuda. */
export function commonParams(o: Record<string, unknown>): CommonParams {
  const metric = assertOneOf('metric', o.metric ?? 'cosine', METRICS);
  const threads = assertInteger('threads', o.threads ?? 0, 0, 1024);
  const cuda = useCuda(o.backend as Parameters<typeof useCuda>[0]);
  return { metric, threads, cuda };
}
