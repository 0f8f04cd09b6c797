// The cold-start protocol: N train + V val rows per task from the training split, test kept.
import { describe, expect, it } from 'vitest';
import { applyColdStart, coldStartSplits, parseColdStart } from '../src/coldstart.js';
import type { RoutingData } from '../src/data/types.js';

function tiny(): RoutingData {
  const n = 100;
  const tasks = Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b'));
  return {
    source: 'test', format: 'jsonl', models: ['x', 'y'], n,
    ids: Array.from({ length: n }, (_, i) => `id${i}`),
    prompts: Array.from({ length: n }, (_, i) => `p${i}`),
    tasks,
    scores: new Float32Array(n * 2).map((_, k) => k % 3 / 2),
    costs: new Float32Array(n * 2).fill(1),
    hasCosts: true, costNote: 'test',
    splits: Uint8Array.from({ length: n }, (_, i) => (i >= 80 ? 2 : 0)),
    notes: [],
  };
}

describe('cold start', () => {
  it('parses N/V and rejects junk', () => {
    expect(parseColdStart('30/10')).toEqual({ perTask: 30, valPerTask: 10 });
    expect(parseColdStart('5')).toEqual({ perTask: 5, valPerTask: 0 });
    expect(() => parseColdStart('30/')).toThrow(/--cold-start/);
    expect(() => parseColdStart('0/1')).toThrow(/>= 1/);
  });

  it('keeps exactly N train and V val per task, all test rows, deterministically', () => {
    const d = tiny();
    const codes = coldStartSplits(d, { perTask: 7, valPerTask: 3 }, 1);
    for (const t of ['a', 'b']) {
      const idx = d.tasks.map((x, i) => (x === t ? i : -1)).filter((i) => i >= 0);
      expect(idx.filter((i) => codes[i] === 0).length).toBe(7);
      expect(idx.filter((i) => codes[i] === 1).length).toBe(3);
    }
    for (let i = 80; i < 100; i++) expect(codes[i]).toBe(2);
    expect(Array.from(coldStartSplits(d, { perTask: 7, valPerTask: 3 }, 1))).toEqual(Array.from(codes));
    expect(Array.from(coldStartSplits(d, { perTask: 7, valPerTask: 3 }, 2))).not.toEqual(Array.from(codes));
    const sub = applyColdStart(d, { perTask: 7, valPerTask: 3 }, 1);
    expect(sub.n).toBe(20 + 20);
    expect(sub.scores.length).toBe(sub.n * 2);
    expect(sub.ids.filter((_, i) => sub.splits[i] === 2).length).toBe(20);
  });

  it('takes all rows of a task smaller than N', () => {
    const d = tiny();
    const codes = coldStartSplits(d, { perTask: 100, valPerTask: 10 }, 0);
    expect(Array.from(codes.subarray(0, 80)).every((c) => c === 0)).toBe(true);
  });
});
