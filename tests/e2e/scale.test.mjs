// Scale: a 286k-row file (the shared cover.csv) in the page. It is read
// and parsed in a worker, with a progress bar, and can be cancelled; the
// detector trains in the training worker, so the page thread stays free to
// answer the pointer. The long tasks the page thread still has are printed
// (the Long Tasks API) and the parse-and-train ones are asserted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testBed, waitForState, shared, labelQueueTop } from './harness.mjs';

const bed = testBed();

test('cover.csv (286k rows): read with progress, cancel, load, train, label', async () => {
  const session = await bed.open('?backend=cpu&sample=tiny&epochs=2', {
    init: () => {
      window.__long = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__long.push({ at: e.startTime, ms: e.duration, state: document.body.dataset.state });
      }).observe({ type: 'longtask', buffered: true });
    },
  });
  const { page } = session;
  await waitForState(page, 'ready');
  const reportBefore = await page.textContent('[data-testid=data-report]');
  const buffer = await readFile(join(shared, 'large', 'cover.csv'));

  // Read, watch the progress, cancel: nothing changes.
  await page.setInputFiles('[data-testid=csv-input]', { name: 'cover.csv', mimeType: 'text/csv', buffer });
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
  await page.evaluate(() => { window.__long = []; });
  const t0 = Date.now();
  await page.setInputFiles('[data-testid=csv-input]', { name: 'cover.csv', mimeType: 'text/csv', buffer });
  await page.waitForFunction(() => document.body.dataset.state === 'training', null, { timeout: 60_000, polling: 20 });
  const parsed = (Date.now() - t0) / 1000;
  assert.match(await page.textContent('[data-testid=data-report]'), /286048 rows/);
  assert.match(await page.textContent('[data-testid=train-sample-note]'), /seeded sample of 50,000 of the 286,048 rows/);

  // While it trains, the pointer gets its tooltip at once.
  const canvas = page.locator('[data-testid=scatter]');
  const box = await canvas.boundingBox();
  const hover = [];
  for (let k = 0; k < 5 && (await page.evaluate(() => document.body.dataset.state)) === 'training'; k++) {
    await page.mouse.move(box.x + 5, box.y + 5);
    await page.waitForFunction(() => document.querySelector('[data-testid=tooltip]')?.hidden !== false);
    const h0 = Date.now();
    // The densest part of the scatter: its centre.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const shown = await page.waitForFunction(() => document.querySelector('[data-testid=tooltip]')?.hidden === false,
      null, { timeout: 5_000, polling: 'raf' }).then(() => true, () => false);
    if (shown) hover.push(Date.now() - h0);
  }
  await waitForState(page, 'ready', 170_000);
  const ready = (Date.now() - t0) / 1000;
  const long = await page.evaluate(() => window.__long);
  const times = [await labelQueueTop(page, 'A', 60_000), await labelQueueTop(page, 'N', 60_000)];
  const during = (state) => long.filter((l) => l.state === state).map((l) => Math.round(l.ms));
  console.log(`# cover.csv: parsed in ${parsed.toFixed(1)} s, ready in ${ready.toFixed(1)} s; ` +
    `long tasks while training ${JSON.stringify(during('training'))}, other ${JSON.stringify(during('idle'))}, ` +
    `${JSON.stringify(during('ready'))}; hover → tooltip ${JSON.stringify(hover)} ms; label → repaint ${times.map(Math.round)} ms`);
  assert.ok(hover.length > 0, 'hovered during training');
  assert.ok(Math.max(...hover) < 1000, `the tooltip comes while the detector trains: ${hover} ms`);
  assert.equal((await page.locator('[data-testid=queue-item]').count()), 10);
  await bed.finish(session);
});
