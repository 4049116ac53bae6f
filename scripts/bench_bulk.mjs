// A bulk label in the browser: rectangle → "label selection normal" →
// repainted canvas, at 10k and 100k rows (five times each: the median and
// the slowest), against one single label in the
// same page and run (the reference).
//
// Run (after a build into dist/, e.g. by ./scripts/test.sh or ./scripts/app.sh):
//   node scripts/bench_bulk.mjs [rows ...]      (default: 10000 100000)
//   node scripts/bench_bulk.mjs --anomaly --before 105 10000
//                                  (the squares labelled anomaly, after 105
//                                   single labels instead of 20: past the
//                                   point where the labels' classifier fits)
//
// For each size: the generated sample with that many rows on the CPU
// backend, 20 labels from the queue one by one (their median is the
// reference), then squares of growing size around the middle of the
// scatter, each labelled normal in one step and taken back with undo. The
// times are the page's own (data-last-update-ms: session update, re-score,
// queue and full repaint).

import {
  serve, launch, openPage, waitForState, labelQueueTop, selectSquare, foundCounter, waitQueried, waitQueriedAbove,
} from '../tests/e2e/harness.mjs';

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const { server, base } = await serve();
const browser = await launch();
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const kind = flag('--anomaly') ? 'anomaly' : 'normal';
const before = value('--before', 20);
const sizes = args.filter((a, i) => /^[0-9]+$/.test(a) && args[i - 1] !== '--before').map(Number);
if (sizes.length === 0) sizes.push(10_000, 100_000);
console.log(`(squares labelled ${kind}, after ${before} single labels; the reference is the median of the last 20)\n`);
console.log('| rows | selected | bulk label → repaint (median of 5, ms) | slowest (ms) | one label (median ms) | ratio |');
console.log('|---|---|---|---|---|---|');
for (const rows of sizes) {
  const { page, context } = await openPage(browser, base, `?backend=cpu&rows=${rows}&epochs=3`);
  await waitForState(page, 'ready', 600_000);
  const singles = [];
  for (let k = 0; k < before; k++) singles.push(await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000));
  const one = median(singles.slice(-20));
  for (const half of [4, 8, 16, 32, 64, 71, 128]) {
    // Five times each (label, then undo); the median and the slowest.
    const times = [];
    let selected = 0;
    for (let rep = 0; rep < 5; rep++) {
      selected = await selectSquare(page, half);
      const said = await page.textContent('[data-testid=selection-count]');
      if (!selected) break;
      if (said.includes('at most')) {
        console.log(`| ${rows} | ${selected} | refused: ${said.trim()} | | ${one.toFixed(1)} | |`);
        await page.click('[data-testid=clear-selection]');
        break;
      }
      const { queried } = await foundCounter(page);
      await page.click(`[data-testid=label-selection-${kind}]`);
      await waitQueriedAbove(page, queried, 120_000);
      times.push(Number(await page.getAttribute('[data-testid=scatter]', 'data-last-update-ms')));
      await page.click('[data-testid=label-undo]');
      await waitQueried(page, queried, 120_000);
      if (await page.isEnabled('[data-testid=clear-selection]')) await page.click('[data-testid=clear-selection]');
    }
    if (times.length === 0) continue;
    const ms = median(times);
    console.log(`| ${rows} | ${selected} | ${ms.toFixed(1)} | ${Math.max(...times).toFixed(1)} | ${one.toFixed(1)} | ${(ms / one).toFixed(1)}× |`);
  }
  await context.close();
}
await browser.close();
server.close();
