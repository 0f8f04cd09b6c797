// The typed view of the addon's vector-op exports (native/napi/ops.cc). Only src/ops/
// calls these; every argument has been validated by then.

import { native, type CoreBinding } from '../native.js';
import type { Matrix } from '../validate.js';
import type { Csr, Metric, TopkResult } from './types.js';

/** The built-in GEMM's instruction-set variant (chosen at run time from the CPU). */
export type GemmIsa = 'avx512' | 'avx2' | 'portable';

/** Native params of similarity (mirrors SimilarityParams in native/kernels/similarity.h). */
export interface NativeSimilarityParams {
  metric: Metric;
  threads: number;
  cuda: boolean;
}

/** Native params of topk (mirrors TopkParams in native/kernels/topk.h). */
export interface NativeTopkParams extends NativeSimilarityParams {
  k: number;
  excludeSelf: boolean;
}

/** Native params of knnGraph (mirrors KnnGraphParams in native/kernels/knn_graph.h). */
export interface NativeKnnGraphParams extends NativeSimilarityParams {
  k: number;
  symmetrize: 'none' | 'max' | 'sum';
}

export interface OpsBinding {
  similarity(Q: Matrix, B: Matrix, o: NativeSimilarityParams): Promise<Float32Array>;
  similaritySync(Q: Matrix, B: Matrix, o: NativeSimilarityParams): Float32Array;
  topk(Q: Matrix, B: Matrix, o: NativeTopkParams): Promise<TopkResult>;
  topkSync(Q: Matrix, B: Matrix, o: NativeTopkParams): TopkResult;
  knnGraph(X: Matrix, o: NativeKnnGraphParams): Promise<Csr>;
  knnGraphSync(X: Matrix, o: NativeKnnGraphParams): Csr;
  /** The built-in GEMM's ISA; with an argument, switches it ('auto': the best this CPU runs). */
  gemmIsa(isa?: GemmIsa | 'auto'): GemmIsa;
  /** Top-k tile sizes (query rows × base rows per GEMM call); with arguments, sets them (0: defaults). */
  topkTiles(query?: number, base?: number): { query: number; base: number };
}

export function ops(): OpsBinding & CoreBinding {
  return native<OpsBinding>();
}
