// Graph algorithms and helpers: Leiden communities, CSR construction and checks.

export { leiden, leidenSync, graphQuality, type LeidenOptions, type LeidenResult, type LeidenObjective, type GraphQualityOptions } from './leiden.js';
export { csrFromEdges, assertCsr, assertSymmetric, type EdgeArrays, type EdgeTuple, type CsrFromEdgesOptions, type CsrCheck } from './csr.js';
