// The lab notebook in headless Chromium: the evaluation panel (discovery
// curve, ROC-AUC and AP before and now), the histogram's threshold and the
// export that honours it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { testBed, waitForState, screenshot, foundCounter, waitQueried, labelQueueTop, shared, drawOnScatter, openCsv } from './harness.mjs';

const bed = testBed();
const { openReady, finish } = bed;

/** The discovery chart's counts once it shows `queries` labels. */
async function curveAt(page, queries, timeout = 30_000) {
  await page.waitForFunction(
    (q) => document.querySelector('[data-testid=discovery-curve]')?.dataset.queries === String(q),
    queries, { timeout });
  const curve = page.locator('[data-testid=discovery-curve]');
  return {
    found: Number(await curve.getAttribute('data-found')),
    points: (await curve.locator('polyline.found').getAttribute('points')).trim().split(' ').length,
  };
}

/** The rows the page's download flags (its last column), and its header. */
async function exportedFlags(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-button]')]);
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');
  return { header: lines[0], flagged: lines.slice(1).filter((l) => l.endsWith(',1')).length };
}

async function flaggedCount(page) {
  return Number(await page.getAttribute('[data-testid=flagged-count]', 'data-flagged'));
}

// The curve and the AUCs move with the labels: the simulated expert labels
// a real dataset, and the panel counts what it found.
test('the discovery curve and the AUCs move after labels', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  await openCsv(page, join(shared, 'ann_thyroid_1v3.csv'), 3251);
  assert.deepEqual(await curveAt(page, 0), { found: 0, points: 1 });
  const before = await page.textContent('[data-testid=auc-before]');
  assert.match(before, /^ROC-AUC 0\.\d{3} · AP 0\.\d{3}$/);
  assert.equal(await page.textContent('[data-testid=auc-now]'), before, 'no label: now is the prior');
  // The detector's own order and the random expectation are drawn too.
  assert.ok((await page.getAttribute('polyline.no-feedback', 'points')).split(' ').length >= 50);
  assert.equal((await page.getAttribute('polyline.random', 'points')).split(' ').length, 2);

  await page.fill('[data-testid=auto-label-count]', '20');
  await page.click('[data-testid=auto-label-button]');
  await waitQueried(page, 20, 120_000);
  const { found } = await foundCounter(page);
  const curve = await curveAt(page, 20);
  assert.deepEqual(curve, { found, points: 21 });
  assert.ok(found >= 10, `the expert found only ${found} in 20`);
  assert.match(await page.textContent('[data-testid=discovery-caption]'), new RegExp(`^${found} of 73 true anomalies found in 20 labels`));
  const now = await page.textContent('[data-testid=auc-now]');
  assert.notEqual(now, before, 'the metrics move after labels');
  assert.match(await page.textContent('[data-testid=eval-panel]'), /on the 3,231 rows not labelled yet/);
  await screenshot(page, 'eval-panel.png');

  // One more label by hand moves the curve by one query.
  await labelQueueTop(page, 'N');
  assert.equal((await curveAt(page, 21)).points, 22);
  await finish(session);
});

// The threshold: a share or a score; the count follows, and the download's
// last column flags exactly those rows.
test('a threshold changes the flagged count and the export', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  await page.waitForSelector('[data-testid=flagged-count]');
  // The default is the layer's own boundary: scores above 0.
  const atBoundary = await flaggedCount(page);
  const first = await exportedFlags(page);
  assert.equal(first.header, 'row,score,rank,label,truth,flagged');
  assert.equal(first.flagged, atBoundary);

  await page.selectOption('[data-testid=threshold-mode]', 'top');
  await page.fill('[data-testid=threshold-input]', '10');
  await page.press('[data-testid=threshold-input]', 'Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=flagged-count]')?.dataset.flagged === '30');
  assert.match(await page.textContent('[data-testid=flagged-count]'), /^30 rows flagged \(10\.0%\)$/);
  assert.equal((await exportedFlags(page)).flagged, 30);
  assert.equal(await page.locator('[data-testid=histogram] line.threshold').count(), 1);

  // Back to a score: a very low one flags every row.
  await page.selectOption('[data-testid=threshold-mode]', 'above');
  await page.fill('[data-testid=threshold-input]', '-1000');
  await page.press('[data-testid=threshold-input]', 'Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=flagged-count]')?.dataset.flagged === '300');
  assert.equal((await exportedFlags(page)).flagged, 300);
  // A click on the histogram's right edge flags the scores above the
  // highest bin's edge: the mode is "scores above", the count falls.
  const box = await page.locator('[data-testid=histogram]').boundingBox();
  await page.mouse.click(box.x + box.width * 0.97, box.y + box.height / 2);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=flagged-count]')?.dataset.flagged) < 300);
  assert.equal(await page.inputValue('[data-testid=threshold-mode]'), 'above');
  assert.notEqual(await page.inputValue('[data-testid=threshold-input]'), '-1000');
  // Back at the boundary.
  await page.fill('[data-testid=threshold-input]', '0');
  await page.press('[data-testid=threshold-input]', 'Enter');
  await page.waitForFunction((n) => document.querySelector('[data-testid=flagged-count]')?.dataset.flagged === String(n), atBoundary);
  await finish(session);
});

// Lasso: draw around the suggested point, label the selection in one step,
// and undo it in one step, back to the very same scores.
test('a lasso bulk label, and its undo', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  const { exportedScores, canvasHash } = await import('./harness.mjs');
  const before = await exportedScores(page);
  const pixelsBefore = await canvasHash(page);
  const [cx, cy] = (await page.getAttribute('[data-testid=scatter]', 'data-suggestion')).split(',').map(Number);
  await page.click('[data-testid=lasso-button]');
  assert.equal(await page.getAttribute('[data-testid=lasso-button]', 'aria-pressed'), 'true');
  // A ring around the middle of the plot, where the sample's bulk lies.
  const ring = Array.from({ length: 24 }, (_, k) => [330 + 110 * Math.cos(k * Math.PI / 12), 260 + 110 * Math.sin(k * Math.PI / 12)]);
  await drawOnScatter(page, [...ring, ring[0]]);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=selection-count]')?.dataset.count) > 0);
  const selected = Number(await page.getAttribute('[data-testid=selection-count]', 'data-count'));
  assert.ok(selected >= 20, `the lasso took only ${selected} rows`);
  await screenshot(page, 'lasso-selected.png');
  assert.match(await page.textContent('[data-testid=selection-count]'), new RegExp(`^${selected} rows? selected$`));
  // The others are dimmed, not hidden: the canvas changed, no label yet.
  assert.notEqual(await canvasHash(page), pixelsBefore);
  assert.deepEqual(await foundCounter(page), { found: 0, queried: 0 });

  await page.click('[data-testid=label-selection-anomaly]');
  await waitQueried(page, selected);
  assert.equal(await page.getAttribute('[data-testid=selection-count]', 'data-count'), '0');
  assert.match(await page.textContent('[data-testid=notice]'), new RegExp(`Labelled ${selected} selected rows anomaly in one step`));
  const after = await exportedScores(page);
  assert.notDeepEqual(after, before);
  await screenshot(page, 'lasso-labelled.png');

  // One undo takes the whole batch back, to the bit; redo gives it again.
  await page.click('[data-testid=label-undo]');
  await waitQueried(page, 0);
  assert.deepEqual(await exportedScores(page), before);
  await page.keyboard.press('Shift+Z');
  await waitQueried(page, selected);
  assert.deepEqual(await exportedScores(page), after);

  // A rectangle over nothing clears; Escape goes back to panning.
  await page.click('[data-testid=rect-button]');
  assert.equal(await page.getAttribute('[data-testid=lasso-button]', 'aria-pressed'), 'false');
  await drawOnScatter(page, [[cx - 30, cy - 30], [cx + 30, cy + 30]]);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=selection-count]')?.dataset.count) > 0);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('[data-testid=selection-count]')?.dataset.count === '0');
  assert.equal(await page.getAttribute('[data-testid=rect-button]', 'aria-pressed'), 'false');
  await finish(session);
});

// Teaching mode on the default sample, whose anomalies the detector misses:
// the narration starts at step 1, the outlines show the true anomalies, and
// one label of a true anomaly moves the layer's weights and the narration.
test('teaching mode narrates, reveals the anomalies and shows the weights move', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  const { canvasHash, labelRow } = await import('./harness.mjs');
  await page.check('[data-testid=teach-toggle]');
  await page.waitForSelector('[data-testid=weights-chart]');
  assert.equal(await page.getAttribute('[data-testid=teach-step]', 'data-step'), '1');
  assert.match(await page.textContent('[data-testid=teach-step]'), /of its top 10 rows are true anomalies/);
  assert.equal(await page.getAttribute('[data-testid=weights-chart]', 'data-moved'), '0.000000');
  assert.ok(await page.locator('[data-testid=weights-chart] rect').count() >= 10);
  const plain = await canvasHash(page);
  await page.check('[data-testid=reveal-truth]');
  assert.notEqual(await canvasHash(page), plain, 'the outlines are drawn');
  await screenshot(page, 'teaching-mode.png');

  // A true anomaly, from the page's own export (its truth column).
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-button]')]);
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n').slice(1);
  const anomaly = lines.findIndex((l) => l.split(',')[4] === 'anomaly');
  assert.ok(anomaly >= 0);
  await labelRow(page, anomaly, 'A');
  await waitQueried(page, 1);
  await page.waitForFunction(() => document.querySelector('[data-testid=teach-step]')?.dataset.step === '2');
  assert.notEqual(await page.getAttribute('[data-testid=weights-chart]', 'data-moved'), '0.000000');
  // Turned off, the outlines go and the panel with them.
  await page.uncheck('[data-testid=teach-toggle]');
  assert.equal(await page.locator('[data-testid=weights-chart]').count(), 0);
  await finish(session);
});
