// Packaging: the published tarball works where nothing can compile and nothing can be
// downloaded. In a temporary copy of the package: `npm run prebuild` (prebuildify --napi
// --strip → prebuilds/linux-x64/), `npm pack`; then a temporary project installs the
// tarball with `npm ci --offline --ignore-scripts` from a lockfile made of taskroute's own
// production entries (every tarball comes from npm's cache by integrity), imports
// 'taskroute' and checks a topk answer and that the addon came from prebuilds/.
// Slow (a full native build): generous timeouts; temp dirs are removed afterwards.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const MINUTES = 60_000;

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [key: string]: unknown;
}

function run(cmd: string, args: string[], cwd: string, timeout: number): string {
  const env = { ...process.env };
  delete env.TASKROUTE_NATIVE;
  delete env.TASKROUTE_BACKEND;
  return execFileSync(cmd, args, { cwd, env, timeout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('packaging', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'taskroute-pack-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    'installs from the packed tarball offline with no build step and runs topk',
    () => {
      // 1. A copy of the package sources (the working tree's build/ and dist/ stay untouched).
      const pkgDir = join(tmp, 'pkg');
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[]; version: string; license: string; dependencies: Record<string, string>; bin: Record<string, string> };
      const inputs = new Set([...manifest.files.filter((f) => f !== 'dist' && f !== 'prebuilds'), 'package.json', 'package-lock.json', 'src', 'scripts', 'tsconfig.json', 'tsconfig.build.json']);
      for (const f of inputs) if (existsSync(join(root, f))) cpSync(join(root, f), join(pkgDir, f), { recursive: true });
      symlinkSync(realpathSync(join(root, 'node_modules')), join(pkgDir, 'node_modules'), 'dir');

      // 2. The prebuilt binary, then the tarball (npm pack runs `prepare`: tsc into dist/).
      run('npm', ['run', 'prebuild'], pkgDir, 12 * MINUTES);
      expect(readdirSync(join(pkgDir, 'prebuilds', 'linux-x64')).some((f) => f.endsWith('.node'))).toBe(true);
      const outDir = join(tmp, 'out');
      mkdirSync(outDir);
      run('npm', ['pack', '--silent', '--pack-destination', outDir], pkgDir, 5 * MINUTES);
      const tgz = join(outDir, `taskroute-${manifest.version}.tgz`);
      expect(existsSync(tgz)).toBe(true);
      const listing = run('tar', ['tzf', tgz], tmp, MINUTES);
      expect(listing).toContain('package/prebuilds/linux-x64/');
      expect(listing).toContain('package/dist/index.js');

      // 3. A project that installs it: lockfile from taskroute's production entries.
      const appDir = join(tmp, 'app');
      const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
      const packages: Record<string, unknown> = {
        '': { name: 'app', version: '1.0.0', dependencies: { taskroute: `file:${tgz}` } },
        'node_modules/taskroute': {
          version: manifest.version,
          resolved: `file:${tgz}`,
          integrity: `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`,
          hasInstallScript: true,
          license: manifest.license,
          dependencies: manifest.dependencies,
          bin: manifest.bin,
        },
      };
      for (const [path, entry] of Object.entries(lock.packages)) {
        if (!path || entry.dev || entry.devOptional || entry.optional) continue;
        const name = path.split('node_modules/').pop() as string;
        const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
        packages[path] = { ...entry, resolved };
      }
      for (const dep of Object.keys(manifest.dependencies)) expect(packages[`node_modules/${dep}`], `lock entry for ${dep}`).toBeDefined();
      mkdirSync(appDir);
      writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { taskroute: `file:${tgz}` } }));
      writeFileSync(join(appDir, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
      run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=optional'], appDir, 5 * MINUTES);
      expect(existsSync(join(appDir, 'node_modules', 'taskroute', 'build'))).toBe(false);

      // 4. Use it.
      writeFileSync(
        join(appDir, 'check.mjs'),
        `import { topk, knnGraphSync, info } from 'taskroute';
const B = { data: new Float32Array([1, 0, 0, 1, -1, 0, 0.6, 0.8]), rows: 4, cols: 2 };
const r = await topk({ data: new Float32Array([1, 0.25]), rows: 1, cols: 2 }, B, 2, { metric: 'ip' });
const g = knnGraphSync(B, 1, { metric: 'l2', symmetrize: 'max' });
console.log(JSON.stringify({ addon: info().addon, indices: Array.from(r.indices), scores: Array.from(r.scores), k: r.k, rowPtr: Array.from(g.rowPtr) }));
`,
      );
      const out = JSON.parse(run(process.execPath, ['check.mjs'], appDir, MINUTES).trim()) as { addon: string; indices: number[]; scores: number[]; k: number; rowPtr: number[] };
      expect(out.addon).toBe(join(realpathSync(appDir), 'node_modules', 'taskroute', 'prebuilds', 'linux-x64', readdirSync(join(pkgDir, 'prebuilds', 'linux-x64'))[0]));
      expect(out.indices).toEqual([0, 3]);
      expect(out.k).toBe(2);
      expect(out.scores[0]).toBe(1);
      expect(out.scores[1]).toBeCloseTo(0.8, 6);
      // l2 1-NN: 0→3, 1→3, 2→1, 3→1; the union has the edges 0–3, 1–3, 1–2
      expect(out.rowPtr).toEqual([0, 1, 3, 4, 6]);
    },
    25 * MINUTES,
  );
});
