// A large CSV in the page: file chosen → ready, the main thread's long
// tasks on the way, and label → repaint on the result.
//
// Run (after a `dist` build: `source scripts/setup.sh; WEB_PROFILE=dist build_web`):
//   node scripts/bench_large.mjs [path.csv] [training rows]
// (default ../shared/datasets/large/cover.csv, the page's default sample
// size). CPU backend, the page's default settings.

import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { serve, launch, openPage, waitForState, labelQueueTop } from '../tests/e2e/harness.mjs';

const path = process.argv[2] ?? '../shared/datasets/large/cover.csv';
const trainRows = process.argv[3];
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const { server, base } = await serve();
const browser = await launch();
const { page, context } = await openPage(browser, base, '?backend=cpu&sample=tiny', {
  init: () => {
    window.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  },
});
await waitForState(page, 'ready', 120_000);
if (trainRows !== undefined) {
  await page.fill('[data-testid=train-rows-input]', trainRows);
  await page.locator('[data-testid=train-rows-input]').dispatchEvent('change');
}
const buffer = await readFile(path);
await page.evaluate(() => { window.__long = []; });
const t0 = Date.now();
await page.setInputFiles('[data-testid=csv-input]', { name: basename(path), mimeType: 'text/csv', buffer });
await page.waitForFunction(() => document.body.dataset.state === 'training', null, { timeout: 600_000, polling: 50 });
await waitForState(page, 'ready', 1_800_000);
const seconds = (Date.now() - t0) / 1000;
const long = await page.evaluate(() => window.__long);
const report = await page.textContent('[data-testid=data-report]');
const progress = await page.textContent('.progress-text');
// The tab's memory: the resident size of Chromium's renderer processes
// (the page and its workers live in one).
const rss = execFileSync('ps', ['-eo', 'rss=,args=']).toString().split('\n')
  .filter((l) => l.includes('--type=renderer')).reduce((a, l) => a + Number(l.trim().split(/\s+/)[0]), 0) / 1024;
const times = [];
for (let k = 0; k < 10; k++) times.push(await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000));
console.log(`file: ${path} (${(buffer.length / 1e6).toFixed(1)} MB)`);
console.log(`report: ${report.replace(/\s+/g, ' ').trim()}`);
console.log(`progress: ${progress}`);
console.log(`file chosen → ready: ${seconds.toFixed(1)} s`);
console.log(`long tasks (> 50 ms): ${long.length}, total ${(long.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s, longest ${Math.max(0, ...long).toFixed(0)} ms`);
console.log(`renderer RSS at ready: ${rss.toFixed(0)} MB`);
console.log(`label → repaint: median ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`);
await context.close();
await browser.close();
server.close();
