// Embedder factory: builds an embedder from a spec (object or CLI string) or from the
// state saved in a router file.
//
// CLI specs: KIND[:key=value,key=value…], keys in kebab-case (or the option's own name):
//   builtin                      builtin:dim=384,seed=1,min-df=3,max-features=65536
//   openai:url=http://127.0.0.1:8000/v1,model=bge-small,key-env=OPENAI_API_KEY,batch=64
//   precomputed                  precomputed:file=emb.npy,dim=384
// Values cannot contain commas. An API key is never part of a spec: name its variable.

import { TaskrouteError } from '../errors.js';
import { BUILTIN_DEFAULTS, BuiltinEmbedder, type BuiltinEmbedderOptions } from './builtin.js';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from './openai.js';
import { PrecomputedEmbedder, type PrecomputedEmbedderOptions } from './precomputed.js';
import type { Embedder, EmbedderState } from './types.js';

export type EmbedderSpec =
  | ({ kind: 'builtin' } & BuiltinEmbedderOptions)
  | ({ kind: 'openai' } & OpenAIEmbedderOptions)
  | ({ kind: 'precomputed' } & PrecomputedEmbedderOptions);

export type EmbedderKind = EmbedderSpec['kind'];
export const EMBEDDER_KINDS: readonly EmbedderKind[] = ['builtin', 'openai', 'precomputed'];

function configError(msg: string): TaskrouteError {
  return new TaskrouteError('ERR_TASKROUTE_CONFIG', msg);
}

/** Builds an embedder (unfitted for builtin) from a spec object. */
export function createEmbedder(spec: EmbedderSpec): Embedder {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`Expected "spec" to be an object with a "kind", received ${spec === null ? 'null' : typeof spec}`);
  const { kind, ...options } = spec as EmbedderSpec;
  switch (kind) {
    case 'builtin':
      return new BuiltinEmbedder(options as BuiltinEmbedderOptions);
    case 'openai':
      return new OpenAIEmbedder(options as OpenAIEmbedderOptions);
    case 'precomputed':
      return new PrecomputedEmbedder(options as PrecomputedEmbedderOptions);
    default:
      throw configError(`unknown embedder kind ${JSON.stringify(kind)} (known: ${EMBEDDER_KINDS.join(', ')})`);
  }
}

/** Rebuilds the embedder a router was trained with from its saved state. */
export function embedderFromState(state: EmbedderState, options: { threads?: number; cacheDir?: string } = {}): Embedder {
  if (typeof state !== 'object' || state === null)
    throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `embedder state must be an object, received ${state === null ? 'null' : typeof state}`);
  switch (state.kind) {
    case 'builtin':
      return BuiltinEmbedder.fromState(state, { threads: options.threads });
    case 'openai':
      return OpenAIEmbedder.fromState(state, options.cacheDir ? { cacheDir: options.cacheDir } : {});
    case 'precomputed':
      return PrecomputedEmbedder.fromState(state);
    default:
      throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `unknown embedder kind ${JSON.stringify(state.kind)} in the router file (known: ${EMBEDDER_KINDS.join(', ')})`);
  }
}

type ValueKind = 'int' | 'string' | 'bool' | 'encoding';

// spec key (kebab-case) → [option name, value kind]
const BUILTIN_KEYS: Record<string, [string, ValueKind]> = Object.fromEntries(
  [...Object.keys(BUILTIN_DEFAULTS), 'threads'].map((k) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), [k, 'int'] as [string, ValueKind]]),
);
const OPENAI_KEYS: Record<string, [string, ValueKind]> = {
  url: ['baseUrl', 'string'],
  'base-url': ['baseUrl', 'string'],
  model: ['model', 'string'],
  'key-env': ['apiKeyEnv', 'string'],
  'api-key-env': ['apiKeyEnv', 'string'],
  batch: ['batchSize', 'int'],
  'batch-size': ['batchSize', 'int'],
  concurrency: ['concurrency', 'int'],
  timeout: ['timeoutMs', 'int'],
  'timeout-ms': ['timeoutMs', 'int'],
  retries: ['maxRetries', 'int'],
  'max-retries': ['maxRetries', 'int'],
  dim: ['dim', 'int'],
  encoding: ['encodingFormat', 'encoding'],
  'encoding-format': ['encodingFormat', 'encoding'],
  cache: ['cache', 'bool'],
  'cache-dir': ['cacheDir', 'string'],
};
const PRECOMPUTED_KEYS: Record<string, [string, ValueKind]> = { file: ['file', 'string'], dim: ['dim', 'int'] };
const KEYS: Record<EmbedderKind, Record<string, [string, ValueKind]>> = { builtin: BUILTIN_KEYS, openai: OPENAI_KEYS, precomputed: PRECOMPUTED_KEYS };

function camelToKebab(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Parses a CLI embedder spec ("builtin:dim=384,seed=1", "openai:url=…,model=…", "precomputed:file=…"). */
export function parseEmbedderSpec(text: string): EmbedderSpec {
  if (typeof text !== 'string') throw new TypeError(`Expected "spec" to be a string, received ${typeof text}`);
  const s = text.trim();
  const colon = s.indexOf(':');
  const kind = (colon < 0 ? s : s.slice(0, colon)).trim();
  const rest = colon < 0 ? '' : s.slice(colon + 1);
  const bad = (why: string) => configError(`embedder spec ${JSON.stringify(text)}: ${why}`);
  if (!(EMBEDDER_KINDS as readonly string[]).includes(kind))
    throw configError(`unknown embedder kind ${JSON.stringify(kind)} in ${JSON.stringify(text)} (known: ${EMBEDDER_KINDS.join(', ')})`);
  const keys = KEYS[kind as EmbedderKind];
  const out: Record<string, unknown> = { kind };
  const seen = new Set<string>();
  if (rest.trim() !== '')
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      const rawKey = (eq < 0 ? part : part.slice(0, eq)).trim();
      if (rawKey === '') throw bad('empty key (a stray comma?)');
      if (/^(api-?)?key$|^api_?key$|^token$|^password$/i.test(rawKey))
        throw bad(`"${rawKey}": an API key is never given in the spec; put it in an environment variable and name that variable with key-env=NAME`);
      const key = keys[rawKey] ? rawKey : camelToKebab(rawKey);
      const entry = keys[key];
      if (!entry) throw bad(`unknown key "${rawKey}" for ${kind} (known: ${Object.keys(keys).join(', ')})`);
      if (eq < 0) throw bad(`key "${rawKey}" has no value (write ${rawKey}=VALUE)`);
      const value = part.slice(eq + 1).trim();
      const [name, vk] = entry;
      if (seen.has(name)) throw bad(`"${rawKey}" is given twice`);
      seen.add(name);
      switch (vk) {
        case 'int':
          if (!/^\d+$/.test(value)) throw bad(`${rawKey} must be a non-negative integer, received ${JSON.stringify(value)}`);
          out[name] = Number(value);
          break;
        case 'bool':
          if (!['true', 'false', '1', '0', 'yes', 'no'].includes(value)) throw bad(`${rawKey} must be true or false, received ${JSON.stringify(value)}`);
          out[name] = ['true', '1', 'yes'].includes(value);
          break;
        case 'encoding':
          if (value !== 'float' && value !== 'base64') throw bad(`${rawKey} must be float or base64, received ${JSON.stringify(value)}`);
          out[name] = value;
          break;
        default:
          if (value === '') throw bad(`${rawKey} is empty`);
          out[name] = value;
      }
    }
  if (kind === 'openai') {
    if (out.baseUrl === undefined) throw bad('openai needs url=BASE_URL (e.g. url=http://127.0.0.1:8000/v1)');
    if (out.model === undefined) throw bad('openai needs model=NAME');
  }
  return out as unknown as EmbedderSpec;
}

export { BuiltinEmbedder, type BuiltinEmbedderOptions } from './builtin.js';
export { OpenAIEmbedder, type OpenAIEmbedderOptions } from './openai.js';
export { PrecomputedEmbedder, type PrecomputedEmbedderOptions } from './precomputed.js';
export type { Embedder, EmbedderState, EmbedContext, TensorData } from './types.js';
