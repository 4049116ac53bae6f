// A large CSV in the page: file chosen → ready, the main thread's long
// tasks on the way (wall time, and the thread's own time from a trace),
// and label → repaint on the result.
//
// Run (after a `dist` build: `source scripts/setup.sh; WEB_PROFILE=dist build_web`):
//   node scripts/bench_large.mjs [path.csv] [training rows]
// (default ../shared/datasets/large/cover.csv, the page's default sample
// size). CPU backend, the page's default settings.

import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, launch, openPage, waitForState, labelQueueTop, traceTasks, pageTasks } from '../tests/e2e/harness.mjs';

const path = process.argv[2] ?? '../shared/datasets/large/cover.csv';
const trainRows = process.argv[3];
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const { server, base } = await serve();
const browser = await launch();
const { page, context } = await openPage(browser, base, '?backend=cpu&sample=tiny', {
  init: () => {
    window.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    // When each epoch is first shown done: the page's training throughput.
    window.__epochs = {};
    setInterval(() => {
      const m = document.querySelector('.progress-text')?.textContent.match(/epoch (\d+) of (\d+)/);
      if (m && !(m[1] in window.__epochs)) window.__epochs[m[1]] = performance.now();
    }, 10);
  },
});
await waitForState(page, 'ready', 120_000);
if (trainRows !== undefined) {
  await page.fill('[data-testid=train-rows-input]', trainRows);
  await page.locator('[data-testid=train-rows-input]').dispatchEvent('change');
}
const bytes = (await stat(path)).size;
await page.evaluate(() => { window.__long = []; window.__epochs = {}; });
await traceTasks(browser, page);
const t0 = Date.now();
const chosen = await page.evaluate(() => performance.now());
// By path, as a file picked from disk arrives: the browser reads it, and
// nothing passes through DevTools or the page's heap on the way.
await page.setInputFiles('[data-testid=csv-input]', path);
await page.waitForFunction(() => document.body.dataset.state === 'training', null, { timeout: 600_000, polling: 50 });
await page.evaluate(() => { window.__epochs = {}; });
await waitForState(page, 'ready', 1_800_000);
const seconds = (Date.now() - t0) / 1000;
// The page thread's own time in each task (a trace): the long tasks'
// wall time holds what other threads took of the core as well.
const tasks = (await pageTasks(browser, page, 'anomaly-lab:ready')).filter((t) => t.start >= chosen);
// Each long task with the part of the work it falls in: the page's marks
// (anomaly-lab:results, :layer, :draw) split the results' landing.
const long = await page.evaluate(() => {
  const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('anomaly-lab:'));
  // A mark is set inside the task it names: a task holding marks is named
  // by them, one holding none by the last mark before it.
  const name = (m) => m.name.slice('anomaly-lab:'.length);
  return window.__long.map((l) => {
    const inside = marks.filter((m) => m.startTime >= l.start && m.startTime <= l.start + l.duration);
    const before = marks.filter((m) => m.startTime <= l.start).at(-1);
    const phase = inside.length ? inside.map(name).join('+') : before ? `after ${name(before)}` : 'reading';
    return { duration: l.duration, phase };
  });
});
// When each part of the way began, from the file chosen: the page's first
// mark of each name after it.
const timeline = await page.evaluate((from) => {
  const seen = new Map();
  for (const m of performance.getEntriesByType('mark')) {
    if (m.startTime >= from && m.name.startsWith('anomaly-lab:') && !seen.has(m.name)) seen.set(m.name.slice(12), m.startTime - from);
  }
  return [...seen].map(([n, t]) => `${n} ${(t / 1000).toFixed(2)}`).join(', ');
}, chosen);
const epochs = await page.evaluate(() => window.__epochs);
const last = Math.max(...Object.keys(epochs).map(Number).filter((k) => epochs[k] >= (epochs[1] ?? Infinity)));
// The rows trained on: the sample the report names, else every row.
const trainRowsShown = await page.evaluate(() => {
  const note = document.querySelector('[data-testid=train-sample-note]')?.textContent ?? '';
  const m = note.match(/sample of ([\d,]+)/) ?? document.querySelector('[data-testid=data-report]').textContent.match(/([\d,]+) rows/);
  return Number(m[1].replace(/,/g, ''));
});
const report = await page.textContent('[data-testid=data-report]');
const progress = await page.textContent('.progress-text');
// The tab's memory: its renderer process (the page and its workers live
// in one; the largest renderer is the tab's, the others are Chromium's
// spares), resident and private (what the tab alone holds: Chromium's
// task manager calls it the memory footprint).
const cdp = await context.newCDPSession(page);
const heap = (await cdp.send('Runtime.getHeapUsage')).usedSize / 1e6;
const tab = { ...tabMemory(), heap: heap.toFixed(0) };
// Again once the page's garbage is collected: what stays, not what the
// collector has not reached yet.
await cdp.send('HeapProfiler.collectGarbage');
await new Promise((r) => setTimeout(r, 1000));
const collected = tabMemory();
const times = [];
for (let k = 0; k < 10; k++) times.push(await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000));
// The export: every row's score, rank and label, as the download button
// gives it.
const te = Date.now();
const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-button]')]);
const scoresPath = join(tmpdir(), 'bench-large.scores.csv');
await download.saveAs(scoresPath);
const exported = (await stat(scoresPath)).size;
const exportSeconds = (Date.now() - te) / 1000;
// The session file: saved (JSON made, downloaded), then opened over the
// same data: the detector scores every row with the saved weights (no
// training) and the labels come back with the layer's fit.
const ts = Date.now();
const [saved] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=session-download]')]);
const sessionPath = join(tmpdir(), 'bench-large.session.json');
await saved.saveAs(sessionPath);
const saveSeconds = (Date.now() - ts) / 1000;
const sessionBytes = (await stat(sessionPath)).size;
const to = Date.now();
await page.setInputFiles('[data-testid=session-input]', sessionPath);
await page.waitForFunction(() => /Session opened/.test(document.querySelector('[data-testid=notice]')?.textContent ?? ''), null, { timeout: 600_000 });
await waitForState(page, 'ready', 600_000);
const openSeconds = (Date.now() - to) / 1000;
console.log(`file: ${path} (${(bytes / 1e6).toFixed(1)} MB)`);
console.log(`report: ${report.replace(/\s+/g, ' ').trim()}`);
console.log(`progress: ${progress}`);
console.log(`file chosen → ready: ${seconds.toFixed(1)} s (marks, s: ${timeline})`);
const durations = long.map((l) => l.duration);
console.log(`long tasks (> 50 ms): ${long.length}, total ${(durations.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s, longest ${Math.max(0, ...durations).toFixed(0)} ms (${long.map((l) => `${l.duration.toFixed(0)} ${l.phase}`).join(', ')})`);
const own = tasks.filter((t) => t.cpu >= 50);
console.log(`tasks of 50 ms or more of the page thread's own time: ${own.length}, longest ${Math.max(0, ...own.map((t) => t.cpu)).toFixed(0)} ms (${own.map((t) => `${t.cpu.toFixed(0)} at ${((t.start - chosen) / 1000).toFixed(1)} s`).join(', ')})`);
console.log(`tab at ready: ${tab.rss.toFixed(0)} MB resident, ${tab.private.toFixed(0)} MB private (JS heap ${tab.heap} MB); after a collection ${collected.rss.toFixed(0)} / ${collected.private.toFixed(0)} MB`);
if (epochs[1] && last > 1) {
  const s = (epochs[last] - epochs[1]) / 1000;
  console.log(`training in the page: epochs 2–${last} in ${s.toFixed(2)} s, ${(trainRowsShown * (last - 1) / s).toFixed(0)} rows·epochs/s (${trainRowsShown} rows)`);
}
console.log(`export: ${(exported / 1e6).toFixed(1)} MB in ${exportSeconds.toFixed(1)} s`);
console.log(`session file: ${(sessionBytes / 1e3).toFixed(0)} kB saved in ${saveSeconds.toFixed(1)} s; opened (scored with its weights, labels and fit back) in ${openSeconds.toFixed(1)} s`);
console.log(`label → repaint: median ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`);
// The native CLI streams the same file through the page's session: how far
// its scores are from the page's (docs/SESSION.md, "Exactness").
const saved_ = JSON.parse(await readFile(sessionPath, 'utf8'));
if (saved_.scoring) {
  execFileSync('cargo', ['build', '--release', '-q', '-p', 'anomaly-lab-cli'], { stdio: 'inherit' });
  const cli = join(process.env.CARGO_TARGET_DIR ?? 'target', 'release', 'anomaly-lab');
  const cliOut = join(tmpdir(), 'bench-large.cli.csv');
  const said = execFileSync(cli, ['score', '--session', sessionPath, '--data', path, '--out', cliOut], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const column = async (p) => (await readFile(p, 'utf8')).trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
  const [ours, theirs] = [await column(scoresPath), await column(cliOut)];
  const worst = ours.reduce((w, s, i) => Math.max(w, Math.abs(s - theirs[i])), ours.length === theirs.length ? 0 : Infinity);
  console.log(`page → CLI (score --session, streamed): largest score difference over ${ours.length} rows: ${worst} (tails ${saved_.scoring.layer.exact ? 'exact' : 'thinned'})${said}`);
}
await context.close();
await browser.close();
server.close();

/** The largest renderer process's resident and private memory, in MB. */
function tabMemory() {
  const renderers = execFileSync('ps', ['-eo', 'pid=,rss=,args=']).toString().split('\n')
    .filter((l) => l.includes('--type=renderer'))
    .map((l) => l.trim().split(/\s+/).map(Number))
    .sort((a, b) => b[1] - a[1]);
  const [pid, rss] = renderers[0];
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (name) => Number(rollup.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  return { rss: rss / 1024, private: (kb('Private_Clean') + kb('Private_Dirty')) / 1024 };
}
