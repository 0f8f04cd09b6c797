// TRouter's cold-start data synthesis: taxonomy, LLM client, QA synthesis, labelling, ledger.

export * from './taxonomy.js';
export * from './json.js';
export * from './llm.js';
export * from './ledger.js';
export * from './dedup.js';
export * from './build.js';
export * from './queries.js';
export * from './label.js';
export type { NodeSpec } from './prompts.js';
