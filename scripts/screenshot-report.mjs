#!/usr/bin/env node
// Renders a compare report (HTML from `taskroute compare --report`) to a PNG with headless
// Chromium, for the docs: node scripts/screenshot-report.mjs REPORT.html OUT.png [--width 1280]
// Chromium: $CHROMIUM or /usr/bin/chromium. Network requests are refused, so the picture
// shows exactly what the self-contained file holds. Needs dist/ (npm run compile:ts).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeFileAtomic } from '../dist/fsutil.js';

const args = process.argv.slice(2);
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--width'));
const wi = args.indexOf('--width');
const width = wi >= 0 ? Number(args[wi + 1]) : 1280;
if (positional.length !== 2 || !Number.isInteger(width) || width < 320) {
  console.error('usage: node scripts/screenshot-report.mjs REPORT.html OUT.png [--width 1280]');
  process.exit(2);
}
const [input, output] = positional.map((p) => resolve(p));
if (!existsSync(input)) {
  console.error(`screenshot-report: ${input} does not exist`);
  process.exit(1);
}
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`screenshot-report: no Chromium at ${executablePath} (set CHROMIUM)`);
  process.exit(1);
}

// launch() gives every run a fresh temporary profile
const browser = await chromium.launch({
  executablePath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 2 });
  const url = pathToFileURL(input).href;
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  const png = await page.screenshot({ fullPage: true, type: 'png' });
  await writeFileAtomic(output, png);
  console.log(`screenshot-report: wrote ${output} (${png.length} bytes)`);
} finally {
  await browser.close();
}
