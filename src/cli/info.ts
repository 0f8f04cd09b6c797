// `taskroute info`: version, backend, BLAS, CPU features, CUDA build/device status.

import type { Command } from 'commander';
import { info } from '../info.js';

export function register(program: Command): void {
  program
    .command('info')
    .description('print version, backend, BLAS, CPU features and CUDA status')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const i = info();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(i, null, 2)}\n`);
        return;
      }
      const rows: [string, string][] = [
        ['version', i.version],
        ['node', i.node],
        ['addon', `${i.addon} (${i.variant} build)`],
        ['backend', `${i.backend} (auto)`],
        ['blas', i.blas === 'openblas' ? 'OpenBLAS (static)' : 'none (built-in SGEMM only)'],
        ['gemm', i.gemm === 'openblas' ? 'OpenBLAS' : 'built-in blocked SGEMM (runtime ISA dispatch)'],
        ['threads', String(i.threads)],
        ['cpu', i.cpuFeatures || 'unknown'],
        ['cuda build', i.cudaBuilt ? `yes (runtime ${i.cudaRuntime})` : 'no'],
        ['cuda device', i.cudaBuilt ? i.cudaDevice : 'n/a'],
      ];
      for (const [k, v] of rows) process.stdout.write(`${k.padEnd(12)} ${v}\n`);
    });
}
