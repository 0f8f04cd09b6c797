// Bad input to the ops: every public entry point rejects it with a TypeError/RangeError
// naming the argument (exact messages), and the raw native functions — called with junk
// that skips the TS validation — throw ERR_TASKROUTE_INVALID_ARG instead of touching
// memory they should not. The process survives all of it.
import { describe, expect, it } from 'vitest';
import { knnGraph, knnGraphSync, similarity, similaritySync, TaskrouteError, topk, topkSync } from '../src/index.js';
import { callNative, callNativeAsync } from '../src/errors.js';
import { ops } from '../src/ops/binding.js';
import { uniformMatrix } from './helpers-ops.js';

const X = () => uniformMatrix(6, 4, 1);

function detached() {
  const m = uniformMatrix(3, 4, 2);
  structuredClone(m.data, { transfer: [m.data.buffer as ArrayBuffer] });
  return m;
}

describe('ops reject bad input in TypeScript with exact messages', () => {
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    ['Q not an object', () => topkSync(5 as never, X(), 2), TypeError, 'Expected "Q" to be an object, received 5'],
    ['Q null', () => topkSync(null as never, X(), 2), TypeError, 'Expected "Q" to be an object, received null'],
    ['data a Float64Array', () => topkSync({ data: new Float64Array(4), rows: 1, cols: 4 } as never, X(), 2), TypeError, 'Expected "Q.data" to be a Float32Array, received a Float64Array of length 4'],
    ['data a plain array', () => similaritySync({ data: [1, 2], rows: 1, cols: 2 } as never, X()), TypeError, 'Expected "Q.data" to be a Float32Array, received an array of length 2'],
    ['short data', () => topkSync({ data: new Float32Array(7), rows: 2, cols: 4 }, X(), 2), RangeError, 'Expected "Q.data.length" to be rows × cols = 2 × 4 = 8, received 7'],
    ['non-integer rows', () => topkSync({ data: new Float32Array(8), rows: 2.5, cols: 4 } as never, X(), 2), RangeError, 'Expected "Q.rows" to be an integer, received 2.5'],
    ['string cols', () => topkSync({ data: new Float32Array(8), rows: 2, cols: '4' } as never, X(), 2), TypeError, 'Expected "Q.cols" to be an integer, received "4"'],
    ['negative rows', () => topkSync({ data: new Float32Array(0), rows: -1, cols: 4 }, X(), 2), RangeError, 'Expected "Q.rows" to be an integer in [0, 2147483647], received -1'],
    ['d = 0', () => topkSync({ data: new Float32Array(0), rows: 3, cols: 0 }, X(), 2), RangeError, 'Expected "Q.cols" to be an integer in [1, 2147483647], received 0'],
    ['NaN in Q', () => { const q = X(); q.data[5] = NaN; return topkSync(q, X(), 2); }, RangeError, 'Expected "Q.data" to be finite values only, received "NaN at index 5"'],
    ['Infinity in B', () => { const b = X(); b.data[23] = Infinity; return similaritySync(X(), b); }, RangeError, 'Expected "B.data" to be finite values only, received "Infinity at index 23"'],
    ['-Infinity in X', () => { const x = X(); x.data[0] = -Infinity; return knnGraphSync(x, 2); }, RangeError, 'Expected "X.data" to be finite values only, received "-Infinity at index 0"'],
    ['different d', () => topkSync(X(), uniformMatrix(5, 3, 3), 2), RangeError, 'Expected "B.cols" to be 4 (the dimension of the other operand), received 3'],
    ['empty B for topk', () => topkSync(X(), { data: new Float32Array(0), rows: 0, cols: 4 }, 2), RangeError, 'Expected "B.rows" to be an integer in [1, 2147483647], received 0'],
    ['empty X for knnGraph', () => knnGraphSync({ data: new Float32Array(0), rows: 0, cols: 4 }, 2), RangeError, 'Expected "X.rows" to be an integer in [1, 2147483647], received 0'],
    ['k = 0', () => topkSync(X(), X(), 0), RangeError, 'Expected "k" to be an integer in [1, 2147483647], received 0'],
    ['k negative', () => knnGraphSync(X(), -3), RangeError, 'Expected "k" to be an integer in [1, 2147483647], received -3'],
    ['k fractional', () => topkSync(X(), X(), 1.5), RangeError, 'Expected "k" to be an integer, received 1.5'],
    ['k a string', () => topkSync(X(), X(), '3' as never), TypeError, 'Expected "k" to be an integer, received "3"'],
    ['k NaN', () => knnGraphSync(X(), NaN), RangeError, 'Expected "k" to be an integer, received NaN'],
    ['k = 2^31', () => topkSync(X(), X(), 2 ** 31), RangeError, 'Expected "k" to be an integer in [1, 2147483647], received 2147483648'],
    ['k = Infinity', () => topkSync(X(), X(), Infinity), RangeError, 'Expected "k" to be an integer, received Infinity'],
    ['metric unknown', () => topkSync(X(), X(), 2, { metric: 'cos' as never }), TypeError, `Expected "metric" to be one of 'ip', 'cosine', 'l2', received "cos"`],
    ['symmetrize unknown', () => knnGraphSync(X(), 2, { symmetrize: 'both' as never }), TypeError, `Expected "symmetrize" to be one of 'none', 'max', 'sum', received "both"`],
    ['threads negative', () => topkSync(X(), X(), 2, { threads: -1 }), RangeError, 'Expected "threads" to be an integer in [0, 1024], received -1'],
    ['threads fractional', () => similaritySync(X(), X(), { threads: 1.5 }), RangeError, 'Expected "threads" to be an integer, received 1.5'],
    ['backend unknown', () => topkSync(X(), X(), 2, { backend: 'gpu' as never }), TypeError, `Expected "backend" to be one of 'auto', 'cpu', 'cuda', received "gpu"`],
    ['options not an object', () => topkSync(X(), X(), 2, 7 as never), TypeError, 'Expected "options" to be an object, received 7'],
    ['options an array', () => knnGraphSync(X(), 2, [] as never), TypeError, 'Expected "options" to be an object, received an array of length 0'],
    ['excludeSelf not boolean', () => topkSync(X(), X(), 2, { excludeSelf: 1 as never }), TypeError, 'Expected "excludeSelf" to be a boolean, received 1'],
    ['excludeSelf with nq != nb', () => topkSync(X(), uniformMatrix(5, 4, 3), 2, { excludeSelf: true }), RangeError, 'Expected "B.rows" to be equal to Q.rows = 6 when excludeSelf is true, received 5'],
    ['detached Q', () => topkSync(detached(), X(), 2), TypeError, 'Expected "Q.data" to be an attached Float32Array, received "a detached buffer"'],
    ['detached X', () => knnGraphSync(detached(), 2), TypeError, 'Expected "X.data" to be an attached Float32Array, received "a detached buffer"'],
    ['ragged rows', () => similaritySync([[1, 2], [3]], X()), RangeError, 'Expected "Q[1].length" to be 2 (the length of row 0), received 1'],
  ];
  for (const [name, fn, type, message] of cases) {
    it(name, () => {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    });
  }

  it('rejects results that would not fit int32 before allocating anything', () => {
    const tall = { data: new Float32Array(50_000), rows: 50_000, cols: 1 };
    expect(() => similaritySync(tall, tall)).toThrow('Expected "Q.rows × B.rows" to be at most 2147483647 (the size of the result), received 2500000000');
    expect(() => topkSync(tall, tall, 50_000)).toThrow('Expected "k" to be an integer with Q.rows × k <= 2147483647 (Q.rows = 50000), received 50000');
    expect(() => knnGraphSync(tall, 30_000, { symmetrize: 'max' })).toThrow(
      'Expected "k" to be an integer with X.rows × k × 2 <= 2147483647 (X.rows = 50000), received 30000',
    );
  });

  it('rejects asynchronously through the Promise with the same errors', async () => {
    await expect(topk(X(), X(), 0)).rejects.toThrow(RangeError);
    await expect(similarity(X(), uniformMatrix(2, 5, 1))).rejects.toThrow('Expected "B.cols" to be 4');
    await expect(knnGraph(detached(), 2)).rejects.toThrow('detached');
  });

  it('clamps k larger than the candidates instead of failing', () => {
    expect(topkSync(X(), X(), 1000).k).toBe(6);
    expect(knnGraphSync(X(), 1000).rowPtr[6]).toBe(30);
  });
});

describe('raw native functions guard memory against junk', () => {
  const b = ops();
  const good = () => uniformMatrix(6, 4, 9);
  const params = { metric: 'cosine', threads: 0, cuda: false, k: 3, excludeSelf: false, symmetrize: 'none' };
  const junk: [string, () => unknown, RegExp][] = [
    ['no arguments', () => b.topkSync(undefined as never, undefined as never, undefined as never), /Q must be an object/],
    ['data not a Float32Array', () => b.topkSync({ data: [1, 2, 3, 4], rows: 1, cols: 4 } as never, good(), params as never), /Q\.data must be a Float32Array/],
    ['length mismatch', () => b.topkSync({ data: new Float32Array(3), rows: 1, cols: 4 }, good(), params as never), /Q\.data has length 3, expected rows×cols = 4/],
    ['rows overflow int32', () => b.similaritySync({ data: new Float32Array(4), rows: 2 ** 40, cols: 0 }, good(), params as never), /Q\.rows must be an integer in/],
    ['rows × cols wraps around', () => b.topkSync({ data: new Float32Array(0), rows: 2 ** 31 - 1, cols: 2 ** 31 - 1 }, good(), params as never), /Q\.data has length 0/],
    ['negative cols', () => b.knnGraphSync({ data: new Float32Array(0), rows: 0, cols: -4 }, params as never), /X\.cols must be an integer/],
    ['NaN rows', () => b.topkSync({ data: new Float32Array(4), rows: NaN, cols: 4 }, good(), params as never), /Q\.rows must be an integer/],
    ['dims differ', () => b.topkSync(good(), uniformMatrix(2, 3, 1), params as never), /Q\.cols \(4\) and B\.cols \(3\) differ/],
    ['k missing', () => b.topkSync(good(), good(), { metric: 'ip' } as never), /k must be a number/],
    ['k = 0', () => b.topkSync(good(), good(), { ...params, k: 0 } as never), /k must be an integer in \[1, 2147483647\]/],
    ['k = 2^40', () => b.knnGraphSync(good(), { ...params, k: 2 ** 40 } as never), /k must be an integer in/],
    ['k = -1 async', () => b.topk(good(), good(), { ...params, k: -1 } as never), /k must be an integer in/],
    ['metric unknown', () => b.topkSync(good(), good(), { ...params, metric: 'euclid' } as never), /metric must be 'ip', 'cosine' or 'l2'/],
    ['symmetrize unknown', () => b.knnGraph(good(), { ...params, symmetrize: 7 } as never), /symmetrize must be a string/],
    ['threads huge', () => b.similarity(good(), good(), { ...params, threads: 1e9 } as never), /threads must be an integer in \[0, 1024\]/],
    ['options a number', () => b.topkSync(good(), good(), 5 as never), /options must be an object/],
    ['excludeSelf with different rows', () => b.topkSync(good(), uniformMatrix(5, 4, 1), { ...params, excludeSelf: true } as never), /excludeSelf needs Q\.rows == B\.rows/],
    ['detached data', () => b.topk(detached(), good(), params as never), /Q\.data has length 0, expected rows×cols = 12/],
    ['similarity result too large', () => { const t = { data: new Float32Array(50_000), rows: 50_000, cols: 1 }; return b.similaritySync(t, t, params as never); }, /exceeds 2147483647 values/],
    ['topk result too large', () => { const t = { data: new Float32Array(50_000), rows: 50_000, cols: 1 }; return b.topkSync(t, t, { ...params, k: 50_000 } as never); }, /exceeds 2147483647 values/],
    ['graph too large', () => { const t = { data: new Float32Array(50_000), rows: 50_000, cols: 1 }; return b.knnGraphSync(t, { ...params, k: 50_000 } as never); }, /more than 2147483647/],
    ['unknown GEMM ISA', () => b.gemmIsa('sse9' as never), /gemm ISA must be/],
    ['tiles junk', () => b.topkTiles(-1, 5), /query must be an integer/],
  ];
  for (const [name, fn, re] of junk) {
    it(name, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err, 'threw').toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(re);
      expect((err as { code?: string }).code).toBe('ERR_TASKROUTE_INVALID_ARG');
    });
  }

  it.skipIf(b.info().cudaBuilt)('refuses cuda: true in a CPU-only build with ERR_TASKROUTE_CUDA', () => {
    expect(() => b.topkSync(good(), good(), { ...params, cuda: true } as never)).toThrow(/no CUDA support/);
    try {
      b.knnGraphSync(good(), { ...params, cuda: true } as never);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('ERR_TASKROUTE_CUDA');
    }
    expect.assertions(2);
  });

  it.skipIf(b.info().cudaBuilt)("makes backend: 'cuda' a TaskrouteError in a CPU-only build", () => {
    expect(() => topkSync(good(), good(), 2, { backend: 'cuda' })).toThrow(TaskrouteError);
    expect(() => topkSync(good(), good(), 2, { backend: 'cuda' })).toThrow(/built without CUDA/);
  });

  it('reads a Float32Array view at its offset', () => {
    const big = new Float32Array(4 + 24);
    big.set(good().data, 4);
    const view = { data: big.subarray(4), rows: 6, cols: 4 };
    expect(b.topkSync(view, good(), params as never)).toEqual(b.topkSync(good(), good(), params as never));
  });

  it('still works after all of the above (the process survived)', async () => {
    const r = await topk(good(), good(), 2, { metric: 'ip' });
    expect(r.k).toBe(2);
    expect(r.indices.length).toBe(12);
  });

  it('reaches callers as TaskrouteError with the native code', async () => {
    const sync = () => callNative(() => b.topkSync(good(), good(), { ...params, k: 0 } as never));
    expect(sync).toThrow(TaskrouteError);
    try {
      sync();
    } catch (e) {
      expect((e as TaskrouteError).code).toBe('ERR_TASKROUTE_INVALID_ARG');
    }
    await expect(callNativeAsync(() => b.knnGraph(good(), { ...params, metric: 'x' } as never))).rejects.toThrow(TaskrouteError);
    expect.assertions(3);
  });
});
