// Scale: a 286k-row file (the shared cover.csv) in the page. It is read
// and parsed in a worker, with a progress bar, and can be cancelled; the
// detector trains in the training worker, so the page thread stays free to
// answer the pointer. The page thread's tasks are traced: none may take 50 ms
// of the thread's time from the file chosen to the end of training (the
// parse, the table's landing, the training). The results' landing (the
// scores arrive: the active layer is built, the canvas drawn) is bounded.
// The Long Tasks API's list (wall time) is printed too: on a loaded machine
// it holds the time other threads had the core, not the page's work.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { testBed, waitForState, shared, labelQueueTop, screenshot, canvasHash, drawOnScatter, foundCounter,
  waitQueried, waitQueriedAbove, traceTasks, pageTasks } from './harness.mjs';

const bed = testBed();

test('cover.csv (286k rows): read with progress, cancel, load, train, label', async () => {
  const session = await bed.open('?backend=cpu&sample=tiny&epochs=6', {
    init: () => {
      window.__long = [];
      window.__states = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__long.push({ start: e.startTime, end: e.startTime + e.duration });
      }).observe({ type: 'longtask', buffered: true });
      addEventListener('DOMContentLoaded', () => new MutationObserver(() => {
        window.__states.push({ state: document.body.dataset.state, at: performance.now() });
      }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] }));
    },
  });
  const { page } = session;
  await waitForState(page, 'ready');
  const reportBefore = await page.textContent('[data-testid=data-report]');
  // Chosen from the disk by its path, as a user picks it (a buffer would
  // cross DevTools in one message: a task of seconds in the page, and its
  // 200 MB of garbage collected later, in the middle of the training).
  const file = join(shared, 'large', 'cover.csv');

  // Read, watch the progress, cancel: nothing changes.
  await page.setInputFiles('[data-testid=csv-input]', file);
  await page.waitForFunction(() => /Reading cover\.csv \(14 MB\)… [\d,]+ rows, [\d.]+ of 13\.6 MB/
    .test(document.querySelector('[data-testid=notice]')?.textContent ?? ''), null, { timeout: 60_000, polling: 20 });
  const share = Number(await page.getAttribute('[data-testid=parse-progress]', 'value'));
  assert.ok(share > 0 && share < 1, `the bar moves: ${share}`);
  await page.click('[data-testid=parse-cancel]');
  await page.waitForFunction(() => /Stopped reading cover\.csv; the data shown is unchanged\./
    .test(document.querySelector('[data-testid=notice]')?.textContent ?? ''));
  assert.equal(await page.locator('[data-testid=parse-progress]').count(), 0);
  assert.equal(await page.textContent('[data-testid=data-report]'), reportBefore);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');

  // Read it to the end, train on the default sample of its rows, label.
  await traceTasks(bed.browser, page);
  const fileAt = await page.evaluate(() => { window.__long = []; window.__states = []; return performance.now(); });
  const t0 = Date.now();
  await page.setInputFiles('[data-testid=csv-input]', file);
  await page.waitForFunction(() => document.body.dataset.state === 'training', null, { timeout: 60_000, polling: 20 });
  const parsed = (Date.now() - t0) / 1000;
  assert.match(await page.textContent('[data-testid=data-report]'), /286048 rows/);
  assert.match(await page.textContent('[data-testid=train-sample-note]'), /seeded sample of 50,000 of the 286,048 rows/);

  // While it trains, the pointer gets its tooltip at once. Timed in the
  // page, from the pointer event's own time stamp (when the browser took
  // the input, so a busy page thread counts) to the frame that shows the
  // tooltip; Playwright's round trips to the page are not the page's
  // latency (on CI's 2 cores they added up to 170 ms with no long task on
  // the page). What is bounded is the page thread's own time in that span
  // (the traced tasks' CPU time, as for the tasks below): the wall time
  // also holds the time the workers and other processes had the cores (a
  // hover of 7 ms of work took 98 and once 120 ms of wall on a loaded
  // machine), so it is printed, not asserted.
  const canvas = page.locator('[data-testid=scatter]');
  const box = await canvas.boundingBox();
  const hover = [];
  for (let k = 0; k < 5 && (await page.evaluate(() => document.body.dataset.state)) === 'training'; k++) {
    await page.mouse.move(box.x + 5, box.y + 5);
    await page.waitForFunction(() => document.querySelector('[data-testid=tooltip]')?.hidden !== false);
    await page.evaluate(() => { window.__hoverMs = new Promise((resolve) => {
      const tip = document.querySelector('[data-testid=tooltip]');
      let movedAt;
      addEventListener('pointermove', (e) => { movedAt = e.timeStamp; }, { capture: true, once: true });
      const watch = new MutationObserver(() => {
        if (tip.hidden || movedAt === undefined) return;
        watch.disconnect();
        requestAnimationFrame(() => resolve({ from: movedAt, to: performance.now() }));
      });
      watch.observe(tip, { attributes: true, attributeFilter: ['hidden'] });
      setTimeout(() => { watch.disconnect(); resolve(null); }, 5_000);
    }); });
    // The densest part of the scatter: its centre.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // null: never shown, a failure.
    hover.push(await page.evaluate(() => window.__hoverMs));
  }
  await waitForState(page, 'ready', 170_000);
  const ready = (Date.now() - t0) / 1000;
  const tasks = await pageTasks(bed.browser, page, 'anomaly-lab:ready');
  const { long, states, resultsAt } = await page.evaluate(() => ({
    long: window.__long, states: window.__states,
    resultsAt: performance.getEntriesByName('anomaly-lab:results').at(-1)?.startTime,
  }));
  await page.mouse.move(0, 0);
  await screenshot(page, 'cover.png');
  const times = [await labelQueueTop(page, 'A', 60_000), await labelQueueTop(page, 'N', 60_000)];
  const trainingAt = states.find((s) => s.state === 'training')?.at;
  const readyAt = states.findLast((s) => s.state === 'ready')?.at;
  assert.ok(trainingAt && readyAt, JSON.stringify(states));
  const shown = (v) => JSON.stringify(v.map((l) => `${Math.round(l.end - l.start)} ms at ${((l.start - fileAt) / 1000).toFixed(1)} s`));
  const worked = (v) => JSON.stringify(v.map((t) => `${Math.round(t.cpu)} ms (${Math.round(t.wall)} ms wall) at ${((t.start - fileAt) / 1000).toFixed(1)} s`));
  const busy = (a, b, ms) => tasks.filter((t) => t.start > a && t.start + t.wall < b && t.cpu >= ms);
  // A hover's page time: the CPU time of the page's tasks in its span
  // (a task cut by either end counts in proportion).
  const pageTime = (h) => tasks.reduce((sum, t) => {
    const overlap = Math.min(t.start + t.wall, h.to) - Math.max(t.start, h.from);
    return overlap > 0 && t.wall > 0 ? sum + t.cpu * Math.min(1, overlap / t.wall) : sum;
  }, 0);
  const hoverWall = hover.map((h) => (h === null ? Infinity : Math.round(h.to - h.from)));
  const hoverPage = hover.map((h) => (h === null ? Infinity : Math.round(pageTime(h))));
  console.log(`# cover.csv: parsed in ${parsed.toFixed(1)} s, ready in ${ready.toFixed(1)} s; ` +
    `training from ${((trainingAt - fileAt) / 1000).toFixed(1)} s to ${((readyAt - fileAt) / 1000).toFixed(1)} s; ` +
    `page tasks of 20 ms or more of its time ${worked(busy(fileAt, readyAt + 100, 20))}; long tasks (wall) ${shown(long)}; ` +
    `hover → tooltip ${JSON.stringify(hoverWall)} ms wall, ${JSON.stringify(hoverPage)} ms of the page's time; ` +
    `label → repaint ${times.map(Math.round)} ms`);
  // From the file chosen to the results' arrival (the page's
  // `anomaly-lab:results` mark): the worker parses, the table lands (Lab,
  // PCA, first draw, each a task of its own), the worker trains and scores.
  assert.ok(resultsAt > trainingAt && resultsAt < readyAt, `results at ${resultsAt}`);
  assert.deepEqual(worked(busy(fileAt, resultsAt, 50)), '[]',
    'no task of 50 ms of the page\'s time while the worker parses and trains');
  // The results' landing (copied, the active layer assembled over 286k
  // rows, the canvas drawn) follows, in tasks of its own; none of them
  // may take the page for long.
  const landing = tasks.filter((t) => t.start + t.wall > resultsAt && t.start < readyAt + 100 && t.cpu >= 50);
  console.log(`# cover.csv: the results' landing: ${worked(landing)}`);
  assert.ok(landing.every((t) => t.cpu < 400), `no landing task of 400 ms or more: ${worked(landing)}`);
  assert.ok(hover.length > 0, 'hovered during training');
  assert.ok(hover.every((h) => h !== null), `the tooltip shows each time while the detector trains: ${hoverWall} ms`);
  assert.ok(Math.max(...hoverPage) <= 100,
    `the tooltip takes the page under 100 ms of its time while the detector trains: ${hoverPage} ms (wall ${hoverWall})`);
  assert.equal((await page.locator('[data-testid=queue-item]').count()), 10);

  // A bulk label of hundreds of rows on 286k (the old cap was 87 here):
  // one rectangle, labelled normal in one step, taken back with undo.
  await page.click('[data-testid=rect-button]');
  const width = Number(await page.getAttribute('[data-testid=scatter]', 'width'));
  const height = Number(await page.getAttribute('[data-testid=scatter]', 'height'));
  let selected = 0;
  for (const half of [48, 24, 12, 6, 3]) {
    if (await page.isEnabled('[data-testid=clear-selection]')) await page.click('[data-testid=clear-selection]');
    await drawOnScatter(page, [[width / 2 - half, height / 2 - half], [width / 2 + half, height / 2 + half]]);
    await page.waitForFunction(() => document.querySelector('[data-testid=selection-count]')?.dataset.count !== undefined);
    selected = Number(await page.getAttribute('[data-testid=selection-count]', 'data-count'));
    if (selected <= 5000) break;
  }
  assert.ok(selected > 87 && selected <= 5000, `a rectangle of ${selected} rows`);
  const { queried } = await foundCounter(page);
  await page.click('[data-testid=label-selection-normal]');
  const after = await waitQueriedAbove(page, queried, 60_000);
  assert.ok(after >= queried + selected - 2 && after <= queried + selected, `${queried} → ${after} after ${selected}`);
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0);
  const bulkMs = Number(await page.getAttribute('[data-testid=scatter]', 'data-last-update-ms'));
  console.log(`# cover.csv: a bulk label of ${selected} rows → repaint ${Math.round(bulkMs)} ms`);
  await page.click('[data-testid=label-undo]');
  await waitQueried(page, queried, 60_000);
  await bed.finish(session);
});

// A browser without WebAssembly SIMD (both modules need it) is told which
// browsers run the page, instead of a bare compile error.
test('a browser without WebAssembly SIMD is told what the page needs', async () => {
  const { page, context } = await bed.open('?backend=cpu&sample=tiny', {
    init: () => { WebAssembly.validate = () => false; },
  });
  await page.waitForSelector('[data-testid=error-banner]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=error-banner]'),
    /^Anomaly Lab could not start: this browser does not run WebAssembly SIMD, which it needs\. Chrome or Edge 91 or later, Firefox 89 or later, or Safari 16\.4 or later do\.$/);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'crashed');
  const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name));
  assert.ok(fetched.some((u) => u.endsWith('/boot.js')), 'the boot script ran');
  assert.ok(!fetched.some((u) => u.endsWith('.wasm')), 'no module fetched');
  await context.close();
});

// The worker's module cannot be fetched (a broken deployment, a proxy):
// training says so in the banner, the page does not crash, and it still
// shows its data.
test('a training worker that cannot start is reported, not a crash', async () => {
  const { page, context } = await bed.open('?backend=cpu&sample=tiny&epochs=2', {
    missing: ['/anomaly_lab_worker_bg.wasm'],
  });
  await page.waitForSelector('[data-testid=error-banner]', { timeout: 60_000 });
  const banner = await page.textContent('[data-testid=error-banner]');
  assert.match(banner, /^training failed: the training worker failed: its WebAssembly module could not start: /);
  assert.notEqual(await page.evaluate(() => document.body.dataset.state), 'crashed');
  assert.match(await page.textContent('[data-testid=data-report]'), /300 rows/);
  assert.equal(await page.locator('[data-testid=queue-item]').count(), 0, 'no scores, no queue');
  await context.close();
});

// The isolation forest grows in its own worker beside the training run,
// and its scores are sent to the training worker. A training worker whose
// module loads slowly holds the request and those scores, and hands them
// over in one go: the run must still take the scores. (It once cleared
// them a microtask later and waited for them for ever: the page stayed
// "training", about one page in thirty in the full test run.) Here every
// worker's module starts 0.3 s late, and the training worker's 2.5 s more,
// so the forest's scores always come first.
test('a training worker that loads after the forest is grown still finishes', async () => {
  const session = await bed.open('?backend=cpu&sample=tiny', {
    workerInit: () => {
      let train = false;
      self.addEventListener('message', (e) => { if (e.data?.kind === 'train') train = true; });
      const slow = (f) => async (...a) => {
        await new Promise((r) => setTimeout(r, 300));
        if (train) await new Promise((r) => setTimeout(r, 2500));
        return f.apply(WebAssembly, a);
      };
      WebAssembly.instantiateStreaming = slow(WebAssembly.instantiateStreaming);
      WebAssembly.instantiate = slow(WebAssembly.instantiate);
    },
  });
  await waitForState(session.page, 'ready', 30_000);
  assert.equal(await session.page.locator('[data-testid=queue-item]').count(), 10);
  await bed.finish(session);
});
