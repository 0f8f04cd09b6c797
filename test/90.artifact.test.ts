// The router artifact: safetensors layout, round trip, and refusal of damaged files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARTIFACT_FORMAT_VERSION, decodeArtifact, encodeArtifact, readArtifact, writeArtifact, type RouterArtifact } from '../src/artifact/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tr-artifact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample(): RouterArtifact {
  return {
    method: 'kmeans',
    models: ['a', 'b', 'c'],
    router: {
      method: 'kmeans',
      models: ['a', 'b', 'c'],
      config: { K: 2, d: 4 },
      tensors: { centroids: Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0]), assign: Int32Array.from([3, -1, 7]) },
      shapes: { centroids: [2, 4] },
    },
    embedder: { kind: 'builtin', config: { dim: 4 }, tensors: { proj: Float32Array.from([0.5, -0.25, 1e-20, 3.4e38]) } },
    hyperparameters: { ks: [2] },
    training: { sha256: 'ab'.repeat(32), n: 10, source: 'x.jsonl' },
    costRef: 0.0125,
    trainMeans: { quality: [0.5, 0.25, 0.75], cost: [0.001, 0.002, 0.0125] },
    taskrouteVersion: '0.1.0',
    createdAt: '2026-12-02T00:00:00.000Z',
  };
}

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

describe('router artifact', () => {
  it('round-trips tensors bit-exactly with their metadata and shapes', async () => {
    const p = join(dir, 'r.safetensors');
    await writeArtifact(p, sample());
    const back = readArtifact(p);
    expect(back.method).toBe('kmeans');
    expect(back.models).toEqual(['a', 'b', 'c']);
    expect(back.router.config).toEqual({ K: 2, d: 4 });
    expect(Array.from(back.router.tensors.centroids)).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
    expect(back.router.tensors.assign).toBeInstanceOf(Int32Array);
    expect(Array.from(back.router.tensors.assign)).toEqual([3, -1, 7]);
    expect(back.router.shapes?.centroids).toEqual([2, 4]);
    expect(Array.from(back.embedder.tensors.proj)).toEqual(Array.from(Float32Array.from([0.5, -0.25, 1e-20, 3.4e38])));
    expect(back.costRef).toBe(0.0125);
    expect(back.training.n).toBe(10);
    expect(back.trainMeans).toEqual({ quality: [0.5, 0.25, 0.75], cost: [0.001, 0.002, 0.0125] });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('is a valid safetensors file: u64 header length, 8-aligned JSON header, contiguous offsets', () => {
    const buf = concat(encodeArtifact(sample()));
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(buf.toString('utf8', 8, 8 + n));
    expect(header.__metadata__.format_version).toBe(String(ARTIFACT_FORMAT_VERSION));
    const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, { data_offsets: [number, number] }][];
    entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
    let off = 0;
    for (const [, e] of entries) {
      expect(e.data_offsets[0]).toBe(off);
      off = e.data_offsets[1];
    }
    expect(off).toBe(buf.length - 8 - n);
    for (const v of Object.values(header.__metadata__)) expect(typeof v).toBe('string');
  });

  const hasNumpy = (() => {
    try {
      execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasNumpy)('can be read by Python with only the format description (numpy)', async () => {
    const p = join(dir, 'py.safetensors');
    await writeArtifact(p, sample());
    const script = [
      'import json, struct, sys, numpy as np',
      'b = open(sys.argv[1], "rb").read()',
      'n = struct.unpack("<Q", b[:8])[0]',
      'h = json.loads(b[8:8+n])',
      'e = h["router.centroids"]',
      's, t = e["data_offsets"]',
      'a = np.frombuffer(b[8+n+s:8+n+t], dtype="<f4").reshape(e["shape"])',
      'print(json.dumps({"shape": list(a.shape), "sum": float(a.sum()), "method": h["__metadata__"]["method"]}))',
    ].join('\n');
    const out = JSON.parse(execFileSync('python3', ['-c', script, p]).toString());
    expect(out).toEqual({ shape: [2, 4], sum: 2, method: 'kmeans' });
  });

  it('refuses truncated, corrupted, foreign and newer-version files with a clear error', async () => {
    const good = concat(encodeArtifact(sample()));
    const n = Number(good.readBigUInt64LE(0));
    expect(() => decodeArtifact(good.subarray(0, 5), 'f')).toThrow(/f: .*too short.*truncated/);
    expect(() => decodeArtifact(good.subarray(0, 8 + n - 3), 'f')).toThrow(/truncated: the header claims/);
    expect(() => decodeArtifact(good.subarray(0, good.length - 4), 'f')).toThrow(/truncated: tensor/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 2] ^= 0x40;
    expect(() => decodeArtifact(flipped, 'f')).toThrow(/checksum mismatch/);
    const junk = Buffer.from(good);
    junk[8] = 0x41; // first header byte
    expect(() => decodeArtifact(junk, 'f')).toThrow(/corrupted: the safetensors header is not valid JSON/);
    const big = Buffer.from(good);
    big.writeBigUInt64LE(2n ** 40n, 0);
    expect(() => decodeArtifact(big, 'f')).toThrow(/implausible/);
    const newer = good.toString('latin1').replace(`"format_version":"${ARTIFACT_FORMAT_VERSION}"`, `"format_version":"${ARTIFACT_FORMAT_VERSION + 1}"`);
    expect(() => decodeArtifact(Buffer.from(newer, 'latin1'), 'f')).toThrow(/newer taskroute .*upgrade/);
    const foreign = good.toString('latin1').replace('"format":"taskroute-router"', '"format":"taskroute-rooter"');
    expect(() => decodeArtifact(Buffer.from(foreign, 'latin1'), 'f')).toThrow(/not a taskroute router file/);
    expect(() => readArtifact(join(dir, 'missing.safetensors'))).toThrow(/cannot read the router file \(ENOENT\)/);
    const p = join(dir, 'trunc.safetensors');
    writeFileSync(p, good.subarray(0, 100));
    try {
      readArtifact(p);
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_TASKROUTE_ARTIFACT');
      expect((e as Error).message).toContain(p);
    }
  });

  it('a failed write leaves the previous file intact', async () => {
    const p = join(dir, 'keep.safetensors');
    await writeArtifact(p, sample());
    const before = readFileSync(p);
    const broken = sample();
    (broken.router.tensors as Record<string, unknown>).bad = [1, 2, 3];
    await expect(writeArtifact(p, broken)).rejects.toThrow(/Float32Array or Int32Array/);
    expect(readFileSync(p).equals(before)).toBe(true);
    expect(existsSync(p)).toBe(true);
  });
});
