// Where the page's main thread spends a large file's landing: a CPU
// profile (DevTools' sampling profiler) from the moment training starts
// to ready, summed by function (self time), the top 25 printed with their
// callers. With `labels`: ten labels given from the queue instead; with
// `parse`: from the file chosen to the start of training; with `early`:
// from the file chosen to ready, the pointer moved over the scatter while
// it trains, with each long task's functions and the busy stretches of
// 25 ms or more listed (the long tasks' candidates).
// Build with names kept (the `web` profile, no wasm-opt) for wasm names.
//   node scripts/profile_landing.mjs path.csv [labels|parse|early]
import { serve, launch, openPage, waitForState, labelQueueTop } from '../tests/e2e/harness.mjs';

const path = process.argv[2];
const labels = process.argv[3] === 'labels';
const parse = process.argv[3] === 'parse';
const early = process.argv[3] === 'early';
const { server, base } = await serve();
const browser = await launch();
const { page, context } = await openPage(browser, base, '?backend=cpu&sample=tiny');
await waitForState(page, 'ready', 120_000);
const cdp = await context.newCDPSession(page);
if (early) {
  // A named 10 ms function at the start of training marks it in the
  // profile; the long tasks are timed from there too.
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask' });
    // A declaration: a function assigned to a property gets no name, and
    // the profile would not know it.
    function trainingStartedMarker() { const t = performance.now(); while (performance.now() - t < 10); }
    window.__states = [];
    new MutationObserver(() => {
      window.__states.push([document.body.dataset.state, performance.now()]);
      if (document.body.dataset.state === 'training' && window.__trainingAt === undefined) {
        window.__trainingAt = performance.now();
        trainingStartedMarker();
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });
}
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
if (parse || early) await cdp.send('Profiler.start');
await page.setInputFiles('[data-testid=csv-input]', path);
await page.waitForFunction(() => document.body.dataset.state === 'training', null, { timeout: 600_000, polling: 50 });
if (labels) await waitForState(page, 'ready', 1_800_000);
if (!parse && !early) await cdp.send('Profiler.start');
if (labels) {
  for (let k = 0; k < 10; k++) await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000);
} else if (early) {
  // The pointer moved over the scatter five times as scale.test.mjs does
  // while the detector trains (its tooltip's tasks are in the profile).
  const box = await page.locator('[data-testid=scatter]').boundingBox();
  for (let k = 0; k < 5 && (await page.evaluate(() => document.body.dataset.state)) === 'training'; k++) {
    await page.mouse.move(box.x + 5, box.y + 5);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitForState(page, 'ready', 1_800_000);
} else if (!parse) {
  await waitForState(page, 'ready', 1_800_000);
}
await new Promise((r) => setTimeout(r, 500));
const { profile } = await cdp.send('Profiler.stop');
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// A sample's function and its caller, hashes off, for the per-stretch and
// per-task lists.
const bare = (f) => f.replace(/::h[0-9a-f]{16}$/, '');
const frameKey = (n) => `${bare(n.callFrame.functionName || '(anon)').slice(-70)} < ${bare(byId.get(parent.get(n.id))?.callFrame.functionName ?? '').slice(-50)}`;
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]);
  const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
  self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
}
// Busy stretches (no idle sample for 2 ms) of 25 ms or more: the long
// tasks' candidates, each with its top functions.
if (early) {
  const { long, at, states } = await page.evaluate(() => ({ long: window.__long, at: window.__trainingAt, states: window.__states }));
  console.log(`states from the start of training: ${JSON.stringify(states.map(([s, t]) => `${s} at ${Math.round(t - at)} ms`))}`);
  console.log(`long tasks from the start of training: ${JSON.stringify(long.map(([s, d]) => `${Math.round(d)} ms at ${Math.round(s - at)} ms`))}`);
  let t = 0, seg = null, marker = null;
  const segs = [];
  for (let i = 0; i < profile.samples.length; i++) {
    t += (dt[i] ?? 0) / 1000;
    const n = byId.get(profile.samples[i]);
    const name = n.callFrame.functionName || '(anon)';
    if (name === 'trainingStartedMarker' && marker === null) marker = t;
    if (name === '(idle)') {
      if (seg && t - seg.last > 2) { segs.push(seg); seg = null; }
      continue;
    }
    if (!seg) seg = { start: t, last: t, fns: new Map() };
    seg.last = t;
    const key = frameKey(n);
    seg.fns.set(key, (seg.fns.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  if (seg) segs.push(seg);
  if (marker === null) {
    console.log('the start of training is not in the profile: times below are from the profile\'s start');
    marker = 0;
  }
  // Each long task's own samples, placed by the marker (the profile's
  // clock is not the page's).
  for (const [start, duration] of long) {
    const from = start - at + marker, to = from + duration;
    const fns = new Map();
    let u = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      u += (dt[i] ?? 0) / 1000;
      if (u < from || u > to) continue;
      const n = byId.get(profile.samples[i]);
      const name = n.callFrame.functionName || '(anon)';
      if (name === '(idle)') continue;
      const key = frameKey(n);
      fns.set(key, (fns.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    }
    console.log(`long task ${Math.round(duration)} ms at ${Math.round(start - at)} ms from the start of training:`);
    for (const [k, ms] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${ms.toFixed(1)} ms ${k}`);
  }
  for (const s of segs.filter((s) => s.last - s.start >= 25)) {
    console.log(`busy ${(s.last - s.start).toFixed(1)} ms at ${(s.start - marker).toFixed(0)} ms from the start of training:`);
    for (const [k, ms] of [...s.fns].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${ms.toFixed(1)} ms ${k}`);
  }
}
const rows = [...self].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [k, ms] of rows) console.log(`${ms.toFixed(1).padStart(8)} ms  ${k}`);
// Who calls the top functions: each one's callers, four levels up.
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
