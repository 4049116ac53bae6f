// Where a bulk label's time goes in the page: a CPU profile (Chrome
// DevTools protocol) of one bulk label, its functions listed by self time.
//
// Run (after a build into dist/):
//   node scripts/profile_bulk.mjs [rows] [half] [before]
//     (defaults 10000 rows, a 64-pixel half-square around the middle of
//      the scatter, 4,056 rows of the default sample, labelled anomaly,
//      after 105 single labels; the page refuses more than 5,000)

import {
  serve, launch, openPage, waitForState, labelQueueTop, selectSquare, foundCounter, waitQueriedAbove,
} from '../tests/e2e/harness.mjs';
import { startProfile, summarize } from './cpu_profile.mjs';

const [rows = 10_000, half = 64, before = 105] = process.argv.slice(2).map(Number);
const { server, base } = await serve();
const browser = await launch();
const { page, context } = await openPage(browser, base, `?backend=cpu&rows=${rows}&epochs=3`);
await waitForState(page, 'ready', 600_000);
for (let k = 0; k < before; k++) await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000);
const selected = await selectSquare(page, half);
if (!selected) throw new Error(`no row inside a square of half-side ${half}`);
const stop = await startProfile(context, page);
const { queried } = await foundCounter(page);
const t0 = Date.now();
await page.click('[data-testid=label-selection-anomaly]');
await waitQueriedAbove(page, queried, 120_000);
await page.waitForTimeout(1000);
const wall = Date.now() - t0;
const profile = await stop();
const pageMs = Number(await page.getAttribute('[data-testid=scatter]', 'data-last-update-ms'));
console.log(`${selected} rows labelled anomaly after ${before} labels at ${rows} rows: the page says ${pageMs.toFixed(1)} ms; profiled ${wall} ms`);
summarize(profile, { inclusive: 40 });
await context.close();
await browser.close();
server.close();
