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

const [rows = 10_000, half = 64, before = 105] = process.argv.slice(2).map(Number);
const { server, base } = await serve();
const browser = await launch();
const { page, context } = await openPage(browser, base, `?backend=cpu&rows=${rows}&epochs=3`);
await waitForState(page, "ready", 600_000);
for (let k = 0; k < before; k++) await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000);
const selected = await selectSquare(page, half);
if (!selected) throw new Error(`no row inside a square of half-side ${half}`);
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
const { queried } = await foundCounter(page);
const t0 = Date.now();
await page.click('[data-testid=label-selection-anomaly]');
await waitQueriedAbove(page, queried, 120_000);
await page.waitForTimeout(1000);
const wall = Date.now() - t0;
const { profile } = await cdp.send('Profiler.stop');
const pageMs = Number(await page.getAttribute('[data-testid=scatter]', 'data-last-update-ms'));
// Self time per function: samples × interval.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
profile.samples.forEach((id, i) => {
  const n = byId.get(id);
  const name = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}`;
  self.set(name, (self.get(name) ?? 0) + (dt[i + 1] ?? 0) / 1000);
});
// Inclusive time per function (each sample counted once per function on its stack).
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
profile.samples.forEach((id, i) => {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at);
    const name = n.callFrame.functionName || '(anonymous)';
    if (seen.has(name)) continue;
    seen.add(name);
    incl.set(name, (incl.get(name) ?? 0) + (dt[i + 1] ?? 0) / 1000);
  }
});
console.log(`${selected} rows labelled anomaly after ${before} labels at ${rows} rows: the page says ${pageMs.toFixed(1)} ms; profiled ${wall} ms`);
console.log('\nself time (ms):');
[...self].sort((a, b) => b[1] - a[1]).slice(0, 25).forEach(([k, v]) => console.log(`${v.toFixed(1).padStart(8)}  ${k}`));
console.log('\ninclusive time (ms):');
[...incl].sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, v]) => console.log(`${v.toFixed(1).padStart(8)}  ${k}`));
await context.close();
await browser.close();
server.close();
