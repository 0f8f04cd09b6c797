// Bad input: the TS checks of graphs and options (exact messages), csrFromEdges, and the
// native functions called directly with junk (they must throw, never crash).
import { describe, expect, it } from 'vitest';
import { TaskrouteError } from '../src/errors.js';
import { assertCsr, csrFromEdges } from '../src/graph/csr.js';
import { graphQuality, leiden, leidenSync } from '../src/graph/leiden.js';
import { native } from '../src/native.js';
import type { Csr } from '../src/ops/types.js';
import { rng } from './helpers.js';

const SYM = 'Expected "g" to be symmetric (an undirected graph stored both ways with equal weights), ';

function csr(n: number, rowPtr: number[], colIdx: number[], weights: number[]): Csr {
  return { n, rowPtr: Int32Array.from(rowPtr), colIdx: Int32Array.from(colIdx), weights: Float32Array.from(weights) };
}

function detached<T extends Int32Array | Float32Array>(a: T): T {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  return a;
}

// A path 0 – 1 – 2 with weights 1 and 2.
const path = () => csr(3, [0, 1, 3, 4], [1, 0, 2, 1], [1, 1, 2, 2]);

describe('csrFromEdges', () => {
  it('stores undirected edges both ways, rows sorted, repeats summed, loops doubled', () => {
    const g = csrFromEdges(3, [[0, 1, 2], [1, 2], [2, 2, 1.5], [1, 0, 1]]);
    expect(g.n).toBe(3);
    expect(Array.from(g.rowPtr)).toEqual([0, 1, 3, 5]);
    expect(Array.from(g.colIdx)).toEqual([1, 0, 2, 1, 2]);
    expect(Array.from(g.weights)).toEqual([3, 3, 1, 1, 3]);
    expect(() => assertCsr('g', g)).not.toThrow();
  });

  it('with symmetrize: false stores the directed entries as given', () => {
    const g = csrFromEdges(3, [[0, 1, 2], [1, 0, 1], [0, 1, 1], [2, 2, 1.5]], { symmetrize: false });
    expect(Array.from(g.rowPtr)).toEqual([0, 1, 2, 3]);
    expect(Array.from(g.colIdx)).toEqual([1, 0, 2]);
    expect(Array.from(g.weights)).toEqual([3, 1, 1.5]);
  });

  it('takes structure-of-arrays edges (typed or plain, weights optional)', () => {
    const a = csrFromEdges(4, { src: new Int32Array([0, 2, 3]), dst: new Int32Array([1, 3, 0]), w: new Float32Array([0.5, 1, 2]) });
    const b = csrFromEdges(4, [[0, 1, 0.5], [2, 3, 1], [3, 0, 2]]);
    expect(a).toEqual(b);
    const c = csrFromEdges(3, { src: [0, 1], dst: [1, 2] });
    expect(Array.from(c.weights)).toEqual([1, 1, 1, 1]);
  });

  it('gives exactly symmetric graphs from many repeated float edges', () => {
    const r = rng(5);
    const src: number[] = [];
    const dst: number[] = [];
    const w: number[] = [];
    for (let e = 0; e < 5000; e++) {
      src.push(Math.floor(r() * 50));
      dst.push(Math.floor(r() * 50));
      w.push(r() * 1e-3 + r());
    }
    const g = csrFromEdges(50, { src, dst, w });
    expect(() => assertCsr('g', g)).not.toThrow();
    expect(leidenSync(g).membership).toHaveLength(50);
  });

  it('rejects bad edges with exact messages', () => {
    expect(() => csrFromEdges(-1, [])).toThrow('Expected "n" to be an integer in [0, 2147483646], received -1');
    expect(() => csrFromEdges(3, [[0, 3]])).toThrow('Expected "edges[0][1]" to be a node index in [0, 2], received 3');
    expect(() => csrFromEdges(3, [[0, 1], [0.5, 1]])).toThrow('Expected "edges[1][0]" to be a node index in [0, 2], received 0.5');
    expect(() => csrFromEdges(3, [[0, 1, -1]])).toThrow('Expected "edges[0][2]" to be a finite number >= 0 (in float32 range), received -1');
    expect(() => csrFromEdges(3, [[0, 1, NaN]])).toThrow('Expected "edges[0][2]" to be a finite number >= 0 (in float32 range), received NaN');
    expect(() => csrFromEdges(3, [[0, 1, 1e39]])).toThrow('Expected "edges[0][2]" to be a finite number >= 0 (in float32 range), received 1e+39');
    expect(() => csrFromEdges(3, [[0]] as unknown as [number, number][])).toThrow(
      'Expected "edges[0]" to be an [i, j] or [i, j, w] array, received an array of length 1',
    );
    expect(() => csrFromEdges(3, [[0, '1']] as unknown as [number, number][])).toThrow('Expected "edges[0][1]" to be an integer, received "1"');
    expect(() => csrFromEdges(3, { src: [0, 1], dst: [1] })).toThrow('Expected "edges.dst.length" to be edges.src.length = 2, received 1');
    expect(() => csrFromEdges(3, { src: [0], dst: [1], w: [1, 2] })).toThrow('Expected "edges.w.length" to be edges.src.length = 1, received 2');
    expect(() => csrFromEdges(3, { src: [0], dst: [-1] })).toThrow('Expected "edges.dst[0]" to be a node index in [0, 2], received -1');
    expect(() => csrFromEdges(3, { src: 'ab', dst: [1] } as unknown as { src: number[]; dst: number[] })).toThrow(
      'Expected "edges.src" to be an array or typed array, received "ab"',
    );
    expect(() => csrFromEdges(3, [], { symmetrize: 'yes' as unknown as boolean })).toThrow('Expected "options.symmetrize" to be a boolean, received "yes"');
    expect(() => csrFromEdges(2, [[0, 1, 3e38], [1, 0, 3e38]])).toThrow(/sum for each pair is in float32 range.*\(0, 1\)/);
  });
});

describe('graph checks (leiden, leidenSync, graphQuality)', () => {
  const cases: [string, unknown, string][] = [
    ['not an object', null, 'Expected "g" to be an object, received null'],
    ['n negative', { ...path(), n: -1 }, 'Expected "g.n" to be an integer in [0, 2147483646], received -1'],
    ['n fractional', { ...path(), n: 2.5 }, 'Expected "g.n" to be an integer, received 2.5'],
    ['rowPtr plain array', { ...path(), rowPtr: [0, 1, 3, 4] }, 'Expected "g.rowPtr" to be an Int32Array, received an array of length 4'],
    ['colIdx typed wrong', { ...path(), colIdx: new Float32Array(4) }, 'Expected "g.colIdx" to be an Int32Array, received a Float32Array of length 4'],
    ['weights typed wrong', { ...path(), weights: new Float64Array(4) }, 'Expected "g.weights" to be a Float32Array, received a Float64Array of length 4'],
    ['rowPtr short', csr(3, [0, 1, 3], [1, 0, 2, 1], [1, 1, 2, 2]), 'Expected "g.rowPtr.length" to be g.n + 1 = 4, received 3'],
    ['rowPtr[0]', csr(3, [1, 1, 3, 4], [1, 0, 2, 1], [1, 1, 2, 2]), 'Expected "g.rowPtr[0]" to be 0, received 1'],
    ['rowPtr decreasing', csr(3, [0, 3, 1, 4], [1, 0, 2, 1], [1, 1, 2, 2]), 'Expected "g.rowPtr" to be non-decreasing, received g.rowPtr[2] = 1 after g.rowPtr[1] = 3'],
    ['colIdx length', csr(3, [0, 1, 3, 4], [1, 0, 2], [1, 1, 2, 2]), 'Expected "g.colIdx.length" to be g.rowPtr[n] = 4, received 3'],
    ['weights length', csr(3, [0, 1, 3, 4], [1, 0, 2, 1], [1, 1, 2]), 'Expected "g.weights.length" to be g.rowPtr[n] = 4, received 3'],
    ['colIdx out of range', csr(3, [0, 1, 3, 4], [1, 0, 3, 1], [1, 1, 2, 2]), 'Expected "g.colIdx[2]" to be a node index in [0, 2], received 3'],
    ['colIdx negative', csr(3, [0, 1, 3, 4], [-1, 0, 2, 1], [1, 1, 2, 2]), 'Expected "g.colIdx[0]" to be a node index in [0, 2], received -1'],
    ['weight NaN', csr(3, [0, 1, 3, 4], [1, 0, 2, 1], [1, NaN, 2, 2]), 'Expected "g.weights[1]" to be a finite number >= 0, received NaN'],
    ['weight negative', csr(3, [0, 1, 3, 4], [1, 0, 2, 1], [1, 1, -2, -2]), 'Expected "g.weights[2]" to be a finite number >= 0, received -2'],
    ['weight infinite', csr(3, [0, 1, 3, 4], [1, 0, 2, 1], [1, 1, 2, Infinity]), 'Expected "g.weights[3]" to be a finite number >= 0, received Infinity'],
    ['rowPtr detached', { ...path(), rowPtr: detached(new Int32Array(4)) }, 'Expected "g.rowPtr" to be an attached Int32Array, received "a detached buffer"'],
    ['weights detached', { ...path(), weights: detached(new Float32Array(4)) }, 'Expected "g.weights" to be an attached Float32Array, received "a detached buffer"'],
    ['missing reverse', csr(3, [0, 1, 2, 3], [1, 0, 1], [1, 1, 2]), `${SYM}received the entry (2, 1) with weight 2 but no entry (1, 2)`],
    ['missing reverse, other way', csr(3, [0, 1, 3, 3], [1, 0, 2], [1, 1, 2]), `${SYM}received the entry (1, 2) with weight 2 but no entry (2, 1)`],
    ['unequal weights', csr(3, [0, 1, 3, 4], [1, 0, 2, 1], [1, 1, 2, 2.5]), `${SYM}received (1, 2) with weight 2 but (2, 1) with weight 2.5`],
    ['directed loop-free pair', csr(2, [0, 1, 1], [1], [1]), `${SYM}received the entry (0, 1) with weight 1 but no entry (1, 0)`],
    ['duplicate entry', csr(2, [0, 2, 3], [1, 1, 0], [1, 1, 1]), 'Expected "g" to store each pair once, received 2 entries for (0, 1) in row 0'],
    ['duplicate mirrored', csr(2, [0, 1, 3], [1, 0, 0], [2, 1, 1]), 'Expected "g" to store each pair once, received 2 entries for (1, 0) in row 1'],
  ];

  for (const [what, g, message] of cases) {
    it(`${what}: ${message}`, async () => {
      expect(() => leidenSync(g as Csr)).toThrow(message);
      await expect(leiden(g as Csr)).rejects.toThrow(message);
      expect(() => graphQuality(g as Csr, new Int32Array(3))).toThrow(message);
    });
  }

  it('accepts a self loop stored once and empty rows', () => {
    const g = csr(4, [0, 2, 3, 3, 4], [0, 1, 0, 3], [4, 1, 1, 2]);
    expect(leidenSync(g).membership).toHaveLength(4);
  });
});

describe('leiden options', () => {
  const g = path();
  const cases: [unknown, string][] = [
    [5, 'Expected "options" to be an object, received 5'],
    [{ objective: 'rb' }, `Expected "objective" to be one of 'modularity', 'cpm', received "rb"`],
    [{ resolution: -0.5 }, 'Expected "resolution" to be a number in [0, Infinity], received -0.5'],
    [{ resolution: Infinity }, 'Expected "resolution" to be a finite number, received Infinity'],
    [{ resolution: '1' }, 'Expected "resolution" to be a number, received "1"'],
    [{ seed: -1 }, 'Expected "seed" to be an integer >= 0, received -1'],
    [{ seed: 1.5 }, 'Expected "seed" to be an integer, received 1.5'],
    [{ seed: 2 ** 53 }, 'Expected "seed" to be an integer >= 0, received 9007199254740992'],
    [{ iterations: -2 }, 'Expected "iterations" to be an integer in [-1, 2147483647], received -2'],
    [{ iterations: 0.5 }, 'Expected "iterations" to be an integer, received 0.5'],
    [{ randomness: 0 }, 'Expected "randomness" to be a number > 0, received 0'],
    [{ randomness: -1 }, 'Expected "randomness" to be a number > 0, received -1'],
    [{ randomness: NaN }, 'Expected "randomness" to be a finite number, received NaN'],
    [{ threads: 2000 }, 'Expected "threads" to be an integer in [0, 1024], received 2000'],
    [{ threads: -1 }, 'Expected "threads" to be an integer in [0, 1024], received -1'],
  ];
  for (const [o, message] of cases) {
    it(message, async () => {
      expect(() => leidenSync(g, o as never)).toThrow(message);
      await expect(leiden(g, o as never)).rejects.toThrow(message);
    });
  }
});

describe('native functions called directly with junk', () => {
  interface Raw {
    leiden(...a: unknown[]): Promise<unknown>;
    leidenSync(...a: unknown[]): unknown;
    graphQuality(...a: unknown[]): unknown;
  }
  const raw = native<Raw>();
  const i32 = (a: number[]) => Int32Array.from(a);
  const f32 = (a: number[]) => Float32Array.from(a);
  const good = (): [Int32Array, Int32Array, Float32Array] => [i32([0, 1, 2]), i32([1, 0]), f32([1, 1])];

  function expectInvalid(fn: () => unknown, pattern: RegExp): void {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err, String(pattern)).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('ERR_TASKROUTE_INVALID_ARG');
    expect((err as Error).message).toMatch(pattern);
  }

  it('rejects wrong types and lengths synchronously', () => {
    expectInvalid(() => raw.leidenSync(), /rowPtr must be an Int32Array/);
    expectInvalid(() => raw.leidenSync([0, 1], i32([]), f32([])), /rowPtr must be an Int32Array/);
    expectInvalid(() => raw.leidenSync(i32([0]), f32([]), f32([])), /colIdx must be an Int32Array/);
    expectInvalid(() => raw.leidenSync(i32([0]), i32([]), new Float64Array(0)), /weights must be a Float32Array/);
    expectInvalid(() => raw.leidenSync(i32([]), i32([]), f32([])), /n \+ 1 >= 1/);
    expectInvalid(() => raw.leidenSync(i32([0, 1]), i32([0]), f32([1, 1])), /same length/);
    expectInvalid(() => raw.leidenSync(...good(), null), /options must be an object/);
    expectInvalid(() => raw.leidenSync(...good(), { objective: 'x' }), /objective/);
    expectInvalid(() => raw.leidenSync(...good(), { seed: -1 }), /seed/);
    expectInvalid(() => raw.leidenSync(...good(), { iterations: -5 }), /iterations/);
    expectInvalid(() => raw.leidenSync(...good(), { threads: 1e9 }), /threads/);
    expectInvalid(() => raw.leidenSync(...good(), { resolution: NaN }), /resolution/);
    expectInvalid(() => raw.leidenSync(...good(), { randomness: 0 }), /randomness/);
    expectInvalid(() => raw.leiden('x'), /rowPtr must be an Int32Array/);
    expectInvalid(() => raw.graphQuality(...good(), f32([0, 0])), /membership must be an Int32Array/);
    expectInvalid(() => raw.graphQuality(...good(), i32([0])), /membership must have n = 2/);
    expectInvalid(() => raw.graphQuality(...good(), i32([0, 2])), /membership\[1\] = 2/);
    expectInvalid(() => raw.graphQuality(...good(), i32([-7, 0])), /membership\[0\] = -7/);
  });

  it('rejects CSR junk that would read out of bounds', () => {
    const junk: [Int32Array, Int32Array, Float32Array, RegExp][] = [
      [i32([1, 2, 2]), i32([1, 0]), f32([1, 1]), /rowPtr\[0\] must be 0/],
      [i32([0, 5, 2]), i32([1, 0]), f32([1, 1]), /non-decreasing/],
      [i32([0, -3, 2]), i32([1, 0]), f32([1, 1]), /non-decreasing/],
      [i32([0, 1, 2 ** 31 - 1]), i32([1, 0]), f32([1, 1]), /rowPtr\[n\] must equal/],
      [i32([0, 1, 3]), i32([1, 0]), f32([1, 1]), /rowPtr\[n\] must equal/],
      [i32([0, 1, 2]), i32([1, 2]), f32([1, 1]), /colIdx\[1\] = 2/],
      [i32([0, 1, 2]), i32([-1, 0]), f32([1, 1]), /colIdx\[0\] = -1/],
      [i32([0, 1, 2]), i32([1, 2 ** 31 - 1]), f32([1, 1]), /colIdx\[1\]/],
      [i32([0, 1, 2]), i32([1, 0]), f32([NaN, 1]), /weights\[0\]/],
      [i32([0, 1, 2]), i32([1, 0]), f32([1, -1]), /weights\[1\]/],
      [i32([0, 1, 2]), i32([1, 0]), f32([Infinity, 1]), /weights\[0\]/],
    ];
    for (const [r, c, w, pattern] of junk) {
      expectInvalid(() => raw.leidenSync(r, c, w), pattern);
      expectInvalid(() => raw.graphQuality(r, c, w, i32([0, 0])), pattern);
    }
  });

  it('async junk rejects with the code instead of crashing', async () => {
    await expect(raw.leiden(i32([0, 5, 2]), i32([1, 0]), f32([1, 1]), {})).rejects.toMatchObject({ code: 'ERR_TASKROUTE_INVALID_ARG' });
    await expect(raw.leiden(i32([0, 1, 2]), i32([1, 9]), f32([1, 1]), {})).rejects.toThrow(/colIdx\[1\] = 9/);
  });

  it('detached buffers are refused', () => {
    expectInvalid(() => raw.leidenSync(detached(i32([0, 1, 2])), i32([1, 0]), f32([1, 1])), /n \+ 1 >= 1/);
    expectInvalid(() => raw.leidenSync(i32([0, 1, 2]), detached(i32([1, 0])), f32([1, 1])), /same length/);
    expectInvalid(() => raw.leidenSync(i32([0, 1, 2]), detached(i32([1, 0])), detached(f32([1, 1]))), /rowPtr\[n\] must equal/);
  });

  it('still works after all that, and the TS wrapper turns native errors into TaskrouteError', async () => {
    const r = raw.leidenSync(...good()) as { membership: Int32Array; communities: number };
    expect(Array.from(r.membership)).toEqual([0, 0]);
    expect(await raw.leiden(...good(), { seed: 3 })).toEqual(r);
    // callNative (used by every wrapper) turns a native error into TaskrouteError with its code.
    const { callNative } = await import('../src/errors.js');
    let err: unknown;
    try {
      callNative(() => raw.leidenSync(i32([0, 3, 2]), i32([1, 0]), f32([1, 1])));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TaskrouteError);
    expect((err as TaskrouteError).code).toBe('ERR_TASKROUTE_INVALID_ARG');
  });
});
