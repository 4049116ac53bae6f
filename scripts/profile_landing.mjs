// Where the page's main thread spends a large file's landing: a CPU
// profile (DevTools' sampling profiler) from the moment training starts
// to ready, summed by function (self time), the top 25 printed with their
// callers. With `labels`: ten labels given from the queue instead; with
// `parse`: from the file chosen to the start of training.
// Build with names kept (the `web` profile, no wasm-opt) for wasm names.
//   node scripts/profile_landing.mjs path.csv [labels]
import { serve, launch, openPage, waitForState, labelQueueTop } from '../tests/e2e/harness.mjs';

const path = process.argv[2];
const labels = process.argv[3] === 'labels';
const parse = process.argv[3] === 'parse';
const { server, base } = await serve();
const browser = await launch();
const { page, context } = await openPage(browser, base, '?backend=cpu&sample=tiny');
await waitForState(page, 'ready', 120_000);
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
if (parse) await cdp.send('Profiler.start');
await page.setInputFiles('[data-testid=csv-input]', path);
await page.waitForFunction(() => document.body.dataset.state === 'training', null, { timeout: 600_000, polling: 50 });
if (labels) await waitForState(page, 'ready', 1_800_000);
if (!parse) await cdp.send('Profiler.start');
if (labels) {
  for (let k = 0; k < 10; k++) await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000);
} else if (!parse) {
  await waitForState(page, 'ready', 1_800_000);
}
await new Promise((r) => setTimeout(r, 500));
const { profile } = await cdp.send('Profiler.stop');
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]);
  const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
  self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
}
const rows = [...self].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [k, ms] of rows) console.log(`${ms.toFixed(1).padStart(8)} ms  ${k}`);
// Who calls the top functions: each one's callers, four levels up.
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const short = (n) => (n.callFrame.functionName || '(anon)').replace(/::h[0-9a-f]{16}$/, '').slice(-60);
for (const [k] of rows.slice(0, 8)) {
  const chains = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    let n = byId.get(profile.samples[i]);
    if (`${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}` !== k) continue;
    const chain = [];
    for (let id = parent.get(n.id), d = 0; id !== undefined && d < 5; id = parent.get(id), d++) chain.push(short(byId.get(id)));
    const key = chain.join(' < ');
    chains.set(key, (chains.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  console.log(`\n${k}`);
  for (const [c, ms] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 3)) console.log(`  ${ms.toFixed(1)} ms  < ${c}`);
}
await context.close();
await browser.close();
server.close();
