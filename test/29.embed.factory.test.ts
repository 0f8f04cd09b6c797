// The embedder factory: CLI specs, createEmbedder, embedderFromState, clear errors.
import { describe, expect, it } from 'vitest';
import { BuiltinEmbedder, createEmbedder, embedderFromState, OpenAIEmbedder, parseEmbedderSpec, PrecomputedEmbedder } from '../src/embed/index.js';
import { TaskrouteError } from '../src/errors.js';
import { sameBits, topicCorpus } from './helpers-embed.js';

describe('parseEmbedderSpec', () => {
  it('reads every kind with its keys', () => {
    expect(parseEmbedderSpec('builtin')).toEqual({ kind: 'builtin' });
    expect(parseEmbedderSpec('builtin:dim=384,seed=1')).toEqual({ kind: 'builtin', dim: 384, seed: 1 });
    expect(parseEmbedderSpec(' builtin:min-df=3, max-features=65536,svdSamples=100,char-ngram-max=0 ')).toEqual({
      kind: 'builtin',
      minDf: 3,
      maxFeatures: 65536,
      svdSamples: 100,
      charNgramMax: 0,
    });
    expect(parseEmbedderSpec('openai:url=http://127.0.0.1:8000/v1,model=bge-small,key-env=OPENAI_API_KEY,batch=64')).toEqual({
      kind: 'openai',
      baseUrl: 'http://127.0.0.1:8000/v1',
      model: 'bge-small',
      apiKeyEnv: 'OPENAI_API_KEY',
      batchSize: 64,
    });
    expect(parseEmbedderSpec('openai:url=https://api.example.com/v1,model=m,concurrency=8,timeout=5000,retries=2,dim=1536,encoding=base64,cache=false,cache-dir=/tmp/c')).toEqual({
      kind: 'openai',
      baseUrl: 'https://api.example.com/v1',
      model: 'm',
      concurrency: 8,
      timeoutMs: 5000,
      maxRetries: 2,
      dim: 1536,
      encodingFormat: 'base64',
      cache: false,
      cacheDir: '/tmp/c',
    });
    expect(parseEmbedderSpec('precomputed')).toEqual({ kind: 'precomputed' });
    expect(parseEmbedderSpec('precomputed:file=emb.npy,dim=384')).toEqual({ kind: 'precomputed', file: 'emb.npy', dim: 384 });
  });

  it('explains what is wrong', () => {
    const msg = (s: string) => {
      try {
        parseEmbedderSpec(s);
      } catch (err) {
        expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_CONFIG');
        return (err as Error).message;
      }
      throw new Error(`no error for ${s}`);
    };
    expect(msg('bert:dim=3')).toBe('unknown embedder kind "bert" in "bert:dim=3" (known: builtin, openai, precomputed)');
    expect(msg('builtin:dims=3')).toMatch(/^embedder spec "builtin:dims=3": unknown key "dims" for builtin \(known: dim, seed, bits, min-df/);
    expect(msg('builtin:dim=abc')).toBe('embedder spec "builtin:dim=abc": dim must be a non-negative integer, received "abc"');
    expect(msg('builtin:dim')).toBe('embedder spec "builtin:dim": key "dim" has no value (write dim=VALUE)');
    expect(msg('builtin:dim=3,dim=4')).toBe('embedder spec "builtin:dim=3,dim=4": "dim" is given twice');
    expect(msg('builtin:dim=3,')).toBe('embedder spec "builtin:dim=3,": empty key (a stray comma?)');
    expect(msg('openai:model=m')).toMatch(/openai needs url=BASE_URL/);
    expect(msg('openai:url=http://x/v1')).toMatch(/openai needs model=NAME/);
    expect(msg('openai:url=http://x/v1,model=m,api-key=sk-123')).toMatch(/an API key is never given in the spec; put it in an environment variable and name that variable with key-env=NAME/);
    expect(msg('openai:url=http://x/v1,model=m,encoding=utf8')).toMatch(/encoding must be float or base64/);
    expect(msg('precomputed:file=')).toMatch(/file is empty/);
  });
});

describe('createEmbedder / embedderFromState', () => {
  it('builds each kind from a spec, and a builtin state gives identical embeddings', async () => {
    expect(createEmbedder(parseEmbedderSpec('openai:url=http://127.0.0.1:9/v1,model=m'))).toBeInstanceOf(OpenAIEmbedder);
    expect(createEmbedder({ kind: 'precomputed' })).toBeInstanceOf(PrecomputedEmbedder);
    const e = createEmbedder(parseEmbedderSpec('builtin:dim=16,seed=2'));
    expect(e).toBeInstanceOf(BuiltinEmbedder);
    expect(e.dim).toBe(16);
    const { texts } = topicCorpus(30, 2);
    await e.fit(texts);
    const restored = embedderFromState(e.state(), { threads: 1 });
    expect(sameBits(await restored.embed(texts), await e.embed(texts))).toBe(true);
  });

  it('rejects unknown kinds and bad states', () => {
    expect(() => createEmbedder({ kind: 'bert' } as never)).toThrow('unknown embedder kind "bert" (known: builtin, openai, precomputed)');
    expect(() => createEmbedder(null as never)).toThrow('Expected "spec" to be an object with a "kind", received null');
    expect(() => createEmbedder({ kind: 'builtin', dim: -1 })).toThrow('Expected "dim" to be an integer in [1, 1024], received -1');
    const err = (() => {
      try {
        embedderFromState({ kind: 'word2vec', config: {}, tensors: {} });
      } catch (x) {
        return x as TaskrouteError;
      }
    })();
    expect(err?.code).toBe('ERR_TASKROUTE_ARTIFACT');
    expect(err?.message).toBe('unknown embedder kind "word2vec" in the router file (known: builtin, openai, precomputed)');
    expect(() => embedderFromState({ kind: 'openai', config: { model: 'm' }, tensors: {} })).toThrow('openai embedder state: Expected "baseUrl" to be a string, received undefined');
  });
});
