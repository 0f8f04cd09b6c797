// `npm run bench -- NAME [args]`: runs bench/NAME.mjs (against the compiled dist/).
// Each benchmark prints its table and appends a dated row with the machine to RESULTS.md.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && !['run.mjs', 'lib.mjs'].includes(f))
  .map((f) => f.slice(0, -4));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args]`);
  process.exit(name ? 1 : 0);
}
if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing; run "npm run compile" first');
  process.exit(1);
}
const mod = await import(pathToFileURL(join(here, `${name}.mjs`)).href);
await mod.main(args);
