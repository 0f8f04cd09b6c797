// Lists the C++ sources of the CPU addon for binding.gyp (kernels/ and napi/), so a new
// kernel file needs no edit of the build files.
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const out = [];
for (const dir of ['native/kernels', 'native/napi']) {
  for (const f of fs.readdirSync(path.join(root, dir)).sort()) if (f.endsWith('.cc')) out.push(`${dir}/${f}`);
}
process.stdout.write(out.join(' '));
