// Prints the path of a static OpenBLAS archive usable by binding.gyp, or nothing.
// Set TASKROUTE_NO_OPENBLAS=1 to force the built-in GEMM (how CI tests that path).
'use strict';
const fs = require('fs');
if (process.env.TASKROUTE_NO_OPENBLAS === '1') process.exit(0);
const headers = ['/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/aarch64-linux-gnu/cblas.h', '/usr/include/cblas.h', '/usr/include/openblas/cblas.h'];
const libs = [
  '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a',
  '/usr/lib/x86_64-linux-gnu/libopenblas.a',
  '/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.a',
  '/usr/lib/aarch64-linux-gnu/libopenblas.a',
  '/usr/lib/libopenblas.a',
];
const h = headers.find((p) => fs.existsSync(p));
const l = libs.find((p) => fs.existsSync(p));
if (h && l) process.stdout.write(l);
