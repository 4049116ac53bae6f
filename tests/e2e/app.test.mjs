// End-to-end tests of the page in headless Debian Chromium. Each test
// clicks what a user clicks and checks what they would see. Build the page
// first (scripts/test.sh does): they serve dist/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  testBed, waitForState, screenshot, foundCounter, queueRows,
  canvasHash, shared, exportedScores, maxDifference, labelRow, waitQueried, openCsv,
  autoLabel as autoLabelRows, modulesFetched,
} from './harness.mjs';

const bed = testBed();
const { openReady, finish } = bed;

// First open: the built-in sample loads, trains on the CPU and is ready.
test('first open trains the sample on the CPU and reaches ready', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  await screenshot(page, 'first-open.png');
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'CPU');
  assert.match(await page.textContent('.progress-text'), /^epoch 30 of 30 · took \d+(\.\d)? (s|min)/);
  assert.equal((await queueRows(page)).length, 10);
  assert.deepEqual(await foundCounter(page), { found: 0, queried: 0 });
  assert.match(await page.textContent('[data-testid=data-report]'), /2000 rows/);
  await finish(session);
});

// A first visit as most browsers make it: "auto" (no query), and no
// hardware GPU (this Chromium has no WebGPU adapter). The page trains on
// the CPU, and its workers run the CPU module: the WebGPU module, about
// four times the size, is never fetched.
test('a first visit without a GPU fetches the CPU worker module only', async () => {
  const session = await openReady('');
  const { page, requests } = session;
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'CPU');
  assert.equal((await queueRows(page)).length, 10);
  assert.deepEqual(modulesFetched(requests), ['anomaly_lab_bg.wasm', 'anomaly_lab_worker_bg.wasm']);
  await finish(session);
});

// Labelling: click a point, press A; then label ten rows from the queue.
test('clicking a point and pressing A reshapes the scores; queue labels count', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  const canvas = page.locator('[data-testid=scatter]');
  const [x, y] = (await canvas.getAttribute('data-suggestion')).split(',').map(Number);
  const queueBefore = await queueRows(page);
  const pixelsBefore = await canvasHash(page);
  await canvas.click({ position: { x, y } });
  const selected = Number(await page.getAttribute('[data-testid=selected-row]', 'data-row'));
  assert.equal(selected, queueBefore[0], 'the click selects the point under the cursor');
  const whyBefore = await page.locator('[data-testid=why] li').allTextContents();
  assert.ok(whyBefore.length >= 1 && whyBefore.every((t) => /^[+-]\d+\.\d\d /.test(t)),
    `the selected row's score is explained: ${whyBefore}`);
  assert.ok(!whyBefore.some((t) => /labelled/.test(t)), 'no labels yet, so no neighbour reason');
  await page.keyboard.press('a');
  await page.waitForFunction(
    (row) => ![...document.querySelectorAll('[data-testid=queue-item]')].some((e) => Number(e.dataset.row) === row),
    selected);
  const queueAfter = await queueRows(page);
  assert.notDeepEqual(queueAfter, queueBefore, 'the queue changes');
  const next = Number(await page.getAttribute('[data-testid=selected-row]', 'data-row'));
  assert.equal(next, queueAfter[0], 'labelling the suggestion selects the next one');
  const whyAfter = await page.locator('[data-testid=why] li').allTextContents();
  assert.ok(whyAfter.length >= 1 && whyAfter.every((t) => /^[+-]\d+\.\d\d /.test(t)), `${whyAfter}`);
  assert.notDeepEqual(whyAfter, whyBefore, 'the next row has reasons of its own');
  assert.notEqual(await canvasHash(page), pixelsBefore, 'the colours change');
  assert.deepEqual((await foundCounter(page)).queried, 1);

  for (let k = 0; k < 10; k++) {
    const item = page.locator('[data-testid=queue-item]').first();
    const row = Number(await item.getAttribute('data-row'));
    await item.locator('.mini', { hasText: k % 2 ? 'N' : 'A' }).click();
    await page.waitForFunction(
      (r) => Number(document.querySelector('[data-testid=queue-item]')?.dataset.row) !== r, row);
  }
  const counter = await foundCounter(page);
  assert.equal(counter.queried, 11);
  const ms = Number(await canvas.getAttribute('data-last-update-ms'));
  assert.ok(ms > 0, 'label → repaint time is measured');
  await screenshot(page, 'labelled.png');

  // Undo takes labels back, newest first: Z, then the button.
  await page.keyboard.press('z');
  await waitQueried(page, 10);
  assert.match(await page.textContent('[data-testid=selected-row]'), /unlabelled/, 'the undone row is selected, unlabelled');
  await page.click('[data-testid=label-undo]');
  await waitQueried(page, 9);
  await page.keyboard.press('Control+z');
  await waitQueried(page, 8);
  await finish(session);
});

// Real data through the file input; the simulated expert finds ≥ 30 in 50.
test('ann_thyroid through csv-input: auto-label 50 finds at least 30', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  await openCsv(page, join(shared, 'ann_thyroid_1v3.csv'), 3251);
  assert.match(await page.textContent('[data-testid=data-report]'), /ground truth: column 'label' \(73 anomalies\)/);
  await page.fill('[data-testid=auto-label-count]', '50');
  await page.click('[data-testid=auto-label-button]');
  assert.equal((await page.textContent('[data-testid=auto-label-button]')).trim(), 'Stop');
  await page.waitForFunction(
    () => /queried 50$/.test(document.querySelector('[data-testid=found-counter]')?.textContent ?? ''),
    null, { timeout: 120_000 });
  const { found, queried } = await foundCounter(page);
  assert.equal(queried, 50);
  assert.ok(found >= 30, `found only ${found} of 73 in 50 queries`);
  // After 30+ anomalies, the next suggestion is explained by them.
  await page.locator('[data-testid=queue-item]').first().click();
  const why = await page.locator('[data-testid=why] li').allTextContents();
  assert.ok(why.some((t) => /close to labelled anomalies/.test(t)), `${why}`);
  await screenshot(page, 'ann-thyroid.png');
  await finish(session);
});

// The search: while the answers find nothing, from the tenth answer the
// ranking of the questions sets aside the regions the "normal" answers
// touched (the colours keep the scores). The asker line says so while it
// is on, and an undo takes it back. The hidden sample's first twenty
// questions find nothing (its anomalies sit inside the bulk).
test('while nothing is found the page says the search is on, and undo takes it back', async () => {
  const session = await openReady('?backend=cpu&sample=hidden');
  const { page } = session;
  const autoLabel = (count, total) => autoLabelRows(page, count, total);
  const asker = async () => ((await page.locator('[data-testid=asker]').count())
    ? page.textContent('[data-testid=asker]') : '');
  const search = /The search is on, as your answers have found little so far/;
  await autoLabel(9, 9);
  assert.doesNotMatch(await asker(), search, 'no search before the tenth answer');
  await autoLabel(1, 10);
  assert.deepEqual(await foundCounter(page), { found: 0, queried: 10 });
  const on = await asker();
  assert.match(on, search);
  // The queue follows the questions' ranking, not the scores it shows:
  // the page says so where they are out of order.
  const shown = (await page.locator('[data-testid=queue-item] .score').allTextContents()).map(Number);
  const sorted = shown.every((v, k) => k === 0 || v <= shown[k - 1]);
  assert.ok(!sorted, `the search reorders the queue: ${shown}`);
  assert.equal(await page.locator('[data-testid=queue-order-note]').count(), 1);
  await screenshot(page, 'search-on.png');
  assert.match(on, /^Next question from the (layer's|isolation forest's) ranking/);
  await page.keyboard.press('z');
  await waitQueried(page, 9);
  assert.doesNotMatch(await asker(), search, 'undone: off again');
  await page.keyboard.press('Shift+Z');
  await waitQueried(page, 10);
  assert.equal(await asker(), on, 'redone: on again');
  // Answers 10 to 19 are the search's window; at 20 answers it is over
  // (its turns come back after every odd number of answers while nothing
  // is found).
  await autoLabel(9, 19);
  assert.match(await asker(), search);
  await autoLabel(1, 20);
  assert.equal((await foundCounter(page)).found, 0, 'nothing found in 20 questions');
  assert.doesNotMatch(await asker(), search, 'the window is over at 20 answers');
  await finish(session);
});

// Past 105 answers, trees fitted to them propose questions (the labels'
// classifier): the page says so, with their record, and undo gives back
// who asked.
test('past 105 labels the trees fitted to the answers ask, and the page says so', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  await openCsv(page, join(shared, 'ann_thyroid_1v3.csv'), 3251);
  const autoLabel = (count, total) => autoLabelRows(page, count, total);
  await autoLabel(104, 104);
  const asker = () => page.textContent('[data-testid=asker]');
  assert.doesNotMatch(await asker(), /trees/, 'no trees before 105 labels');
  await autoLabel(1, 105);
  const first = await asker();
  await screenshot(page, 'trees-ask.png');
  // Every label so far was on a ranking's or the lookalike's suggestion:
  // the rankings' record counts all 105 but the lookalike's, which asks
  // only in the first 15 answers.
  const record = first.match(/^Next question from trees fitted to your answers: a first try, now that there are many answers \(the rankings so far: \d+ anomalies in (\d+) questions\)\. Colours and scores stay the layer's\.$/);
  assert.ok(record, first);
  const byRankings = Number(record[1]);
  assert.ok(byRankings >= 90 && byRankings <= 105, first);
  const scores = await exportedScores(page);
  const { found } = await foundCounter(page);
  await autoLabel(1, 106);
  const hit = (await foundCounter(page)).found - found;
  const after = await asker();
  if (hit) {
    assert.match(after, /trees fitted to your answers: they find anomalies at least as often \(1 anomaly in 1 question; the rankings, on the questions where the two differed: none yet\)/);
  } else {
    // A miss: the rankings ask again.
    assert.match(after, /^Next question from the (layer's|isolation forest's) ranking/);
  }
  await page.keyboard.press('z');
  await waitQueried(page, 105);
  assert.equal(await asker(), first, 'undo gives back who asks');
  assert.ok(maxDifference(await exportedScores(page), scores) <= 1e-6, 'and the scores');
  await finish(session);
});

// Bad input: a ragged and an empty CSV each show the banner; labels stay.
test('a ragged and an empty CSV show error-banner and keep the labels', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  for (let k = 0; k < 3; k++) {
    await page.locator('[data-testid=queue-item] .mini', { hasText: 'A' }).first().click();
  }
  await waitQueried(page, 3);
  const before = await foundCounter(page);

  await page.setInputFiles('[data-testid=csv-input]', {
    name: 'ragged.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b,c\n1,2,3\n4,5\n6,7,8\n'),
  });
  const banner = page.locator('[data-testid=error-banner]');
  await banner.waitFor();
  assert.match(await banner.textContent(), /ragged\.csv: line 3: expected 3 fields/);
  assert.deepEqual(await foundCounter(page), before, 'labels kept');
  await page.click('[data-testid=error-banner] button');

  await page.setInputFiles('[data-testid=csv-input]', {
    name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from(''),
  });
  await banner.waitFor();
  assert.match(await banner.textContent(), /empty\.csv: the file is empty/);
  assert.deepEqual(await foundCounter(page), before, 'labels kept');

  // The page still works: one more label counts.
  await page.locator('[data-testid=queue-item] .mini', { hasText: 'N' }).first().click();
  await waitQueried(page, 4);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  await finish(session);
});

// Big data: the detector trains on a seeded sample of the rows and scores
// every row; the data report says so, and the user sets the sample size.
test('the detector trains on a sample of the rows when asked, and the report says so', async () => {
  const session = await openReady('?backend=cpu&epochs=5');
  const { page } = session;
  assert.equal(await page.locator('[data-testid=train-sample-note]').count(), 0, '2000 rows: all of them');
  assert.equal(await page.inputValue('[data-testid=train-rows-input]'), '50000');
  await page.fill('[data-testid=train-rows-input]', '500');
  await page.locator('[data-testid=train-rows-input]').dispatchEvent('change');
  await page.waitForSelector('[data-testid=train-sample-note]');
  assert.equal(await page.textContent('[data-testid=train-sample-note]'),
    'the detector trains on a seeded sample of 500 of the 2,000 rows, then scores every row (Detector › Training rows; 0 = all)');
  const before = await exportedScores(page);
  // 500 rows train in a blink: record the states rather than catch one.
  await page.evaluate(() => {
    window.__states = [];
    new MutationObserver(() => window.__states.push(document.body.dataset.state))
      .observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });
  await page.click('[data-testid=train-button]');
  await page.waitForFunction(() => window.__states.includes('training') && document.body.dataset.state === 'ready');
  assert.match(await page.textContent('.progress-text'), /^epoch 5 of 5 · took/);
  const after = await exportedScores(page);
  assert.equal(after.length, 2000, 'every row is scored');
  assert.ok(maxDifference(after, before) > 1e-6, 'a model trained on the sample');
  await page.fill('[data-testid=train-rows-input]', '0');
  await page.locator('[data-testid=train-rows-input]').dispatchEvent('change');
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-sample-note]'));
  await finish(session);
});

// Cancel stops training and the page keeps the earlier model.
test('cancel stops a training run; a second click stops auto-labelling', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  await page.fill('input[type=number] >> nth=0', '5000');
  await page.locator('input[type=number] >> nth=0').dispatchEvent('change');
  await page.click('[data-testid=train-button]');
  await waitForState(page, 'training');
  // A long run shows its time so far and an estimate of the time left.
  await page.waitForFunction(() => /^epoch \d+ of 5000 · [\d.]+ s · about .+ left$/
    .test(document.querySelector('.progress-text')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=cancel-button]');
  await waitForState(page, 'ready');
  assert.doesNotMatch(await page.textContent('.progress-text'), /epoch 5000 of 5000/);
  assert.match(await page.textContent('.progress-text'), / · stopped after [\d.]+ s$/);
  // A long auto-label run stops on a second click.
  await page.fill('[data-testid=auto-label-count]', '250');
  await page.click('[data-testid=auto-label-button]');
  await page.waitForFunction(() => /queried [1-9]/.test(document.querySelector('[data-testid=found-counter]').textContent));
  await page.click('[data-testid=auto-label-button]');
  await page.waitForFunction(() => document.querySelector('[data-testid=auto-label-button]').textContent.trim() === 'Auto-label');
  const stoppedAt = (await foundCounter(page)).queried;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await foundCounter(page)).queried, stoppedAt, 'no label after stop');
  assert.ok(stoppedAt < 250);
  assert.equal((await queueRows(page)).length, 10);
  await finish(session);
});

// The scatter's other interactions: hover, wheel zoom, drag pan, another
// projection, U to clear, and a CSV dropped on the page.
test('hover shows a tooltip; zoom, pan, projection, clear and drop work', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  const canvas = page.locator('[data-testid=scatter]');
  const box = await canvas.boundingBox();
  const [x, y] = (await canvas.getAttribute('data-suggestion')).split(',').map(Number);

  await page.mouse.move(box.x + x, box.y + y);
  const tip = page.locator('.tooltip');
  await tip.waitFor();
  assert.match(await tip.textContent(), /row \d+.*score -?\d+\.\d+, rank 1.*x1 = /s);

  const before = await canvasHash(page);
  await page.mouse.wheel(0, -300);
  const zoomed = await canvasHash(page);
  assert.notEqual(zoomed, before, 'the wheel zooms');
  await page.mouse.move(box.x + 300, box.y + 250);
  await page.mouse.down();
  await page.mouse.move(box.x + 360, box.y + 290, { steps: 4 });
  await page.mouse.up();
  assert.notEqual(await canvasHash(page), zoomed, 'a drag pans');
  await page.click('text=reset zoom');

  await page.selectOption('select[aria-label=projection]', '0:1');
  assert.notEqual(await canvasHash(page), before, 'two columns give another view');
  await page.selectOption('select[aria-label=projection]', 'pca');

  // Label the suggestion as normal, then select it again and clear it with U.
  const first = (await queueRows(page))[0];
  await page.locator('[data-testid=queue-item]').first().click();
  await page.keyboard.press('n');
  await waitQueried(page, 1);
  // The labelled row is no longer queued.
  assert.ok(!(await queueRows(page)).includes(first));
  // Labelling a queued row selects the row that takes its place; going back
  // to the labelled row and pressing U clears it.
  const second = page.locator('[data-testid=queue-item]').nth(1);
  const secondRow = Number(await second.getAttribute('data-row'));
  await second.click();
  await page.click('[data-testid=label-anomaly]');
  await waitQueried(page, 2);
  assert.equal(Number(await page.getAttribute('[data-testid=selected-row]', 'data-row')), (await queueRows(page))[1]);
  await labelRow(page, secondRow, 'U');
  await waitQueried(page, 1);

  // A CSV dropped anywhere on the page is loaded.
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    const rows = ['temp,pressure,label'];
    for (let i = 0; i < 60; i++) rows.push(`${20 + (i % 7)},${1000 + (i % 5)},${i === 13 ? 'anomaly' : 'nominal'}`);
    d.items.add(new File([rows.join('\n')], 'dropped.csv', { type: 'text/csv' }));
    return d;
  });
  await page.dispatchEvent('.app', 'drop', { dataTransfer: dt });
  await page.waitForFunction(() => /60 rows/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
  assert.match(await page.textContent('.dataset'), /dropped\.csv/);
  await waitForState(page, 'ready');
  assert.deepEqual(await foundCounter(page), { found: 0, queried: 0 });
  await finish(session);
});

// Export: the scores and labels download as a CSV, made in the page.
test('download saves every row with its score, rank and label', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  const first = (await queueRows(page))[0];
  await page.locator('[data-testid=queue-item] .mini', { hasText: 'A' }).first().click();
  await waitQueried(page, 1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-button]')]);
  assert.equal(download.suggestedFilename(), 'tiny-scores.csv');
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');
  assert.equal(lines[0], 'row,score,rank,label,truth,flagged');
  assert.equal(lines.length, 301);
  assert.match(lines[first + 1], new RegExp(`^${first + 1},-?[0-9.e-]+,\\d+,anomaly,(anomaly|nominal),[01]$`));
  await finish(session);
});

// Labels survive a reload of the page, for the same data in this browser.
test('labels come back after a reload', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  await page.locator('[data-testid=queue-item] .mini', { hasText: 'A' }).first().click();
  await waitQueried(page, 1);
  await page.locator('[data-testid=queue-item] .mini', { hasText: 'N' }).first().click();
  await waitQueried(page, 2);
  const before = await foundCounter(page);
  await page.reload();
  await waitForState(page, 'ready');
  assert.deepEqual(await foundCounter(page), before);
  assert.match(await page.textContent('[data-testid=notice]'), /Restored 2 labels/);
  await finish(session);
});

// The scores are a function of the labels in their order: undo then redo,
// a changed label taken back, and a reload (the labels come back from local
// storage) all give the very scores and queue of the uninterrupted session.
test('undo, redo, a changed label and a reload give the same scores', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  assert.equal(await page.inputValue('[data-testid=sample-select]'), 'tiny', 'the sample list shows the loaded sample');
  const labelled = [];
  for (let k = 0; k < 6; k++) {
    labelled.push((await queueRows(page))[0]);
    await page.locator('[data-testid=queue-item] .mini', { hasText: k % 3 ? 'N' : 'A' }).first().click();
    await waitQueried(page, k + 1);
  }
  const scores = await exportedScores(page);
  const queue = await queueRows(page);
  assert.equal(scores.length, 300);
  // Every label was on the suggested row, so the two rankings (and the
  // lookalike, which may ask around the first anomalies) have asked six
  // questions between them, and the page says which asks next.
  const asker = await page.textContent('[data-testid=asker]');
  assert.match(asker, /^Next question(: the row most like the anomalies found so far| from the (layer's|isolation forest's) ranking)/);
  const asked = [...asker.matchAll(/(\d+) anomal(?:y|ies) in (\d+) questions?/g)].map((m) => Number(m[2]));
  assert.ok(asked.length >= 1 && asked.length <= 2 && asked.reduce((a, b) => a + b, 0) >= 6, `${asker}`);
  const same = async (what) => {
    const now = await exportedScores(page);
    assert.ok(maxDifference(now, scores) <= 1e-6, `${what}: scores differ by ${maxDifference(now, scores)}`);
    assert.deepEqual(await queueRows(page), queue, `${what}: the queue`);
    assert.equal(await page.textContent('[data-testid=asker]'), asker, `${what}: who asks`);
  };

  for (const n of [5, 4, 3]) {
    await page.keyboard.press('z');
    await waitQueried(page, n);
  }
  assert.ok(maxDifference(await exportedScores(page), scores) > 1e-3, 'undo changes the scores');
  await page.keyboard.press('Shift+Z');
  await waitQueried(page, 4);
  await page.click('[data-testid=label-redo]');
  await waitQueried(page, 5);
  await page.keyboard.press('Control+y');
  await waitQueried(page, 6);
  assert.ok(await page.isDisabled('[data-testid=label-redo]'), 'nothing left to redo');
  await same('undo then redo');

  // Change an early label (normal → anomaly: it moves to the end of the
  // history), then undo: it is normal again, in its old place.
  await labelRow(page, labelled[1], 'A');
  await page.waitForFunction(() => /\(anomaly/.test(document.querySelector('[data-testid=selected-row]')?.textContent ?? ''));
  assert.ok(maxDifference(await exportedScores(page), scores) > 1e-3, 'the change moves the scores');
  await page.keyboard.press('z');
  await page.waitForFunction(() => /\(normal/.test(document.querySelector('[data-testid=selected-row]')?.textContent ?? ''));
  await same('a changed label taken back');

  // The layer's fit is written beside the labels once the labelling
  // pauses; the reload takes it back instead of replaying the labels.
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.endsWith(':fit')
    && localStorage.getItem(k).startsWith('fit3 ')));
  await page.reload();
  await waitForState(page, 'ready');
  assert.match(await page.textContent('[data-testid=notice]'), /Restored 6 labels/);
  await same('reload');
  await finish(session);
});

// Other samples from the select, and a CSV with text, missing values and a
// constant column: the data report says what was used, encoded and dropped.
test('sample select and a mixed-type CSV give an honest data report', async () => {
  const session = await openReady('?backend=cpu&sample=tiny&epochs=5');
  const { page } = session;
  await page.selectOption('[data-testid=sample-select]', 'high-dimensional');
  await page.waitForFunction(() => /3000 rows; 32 columns/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
  await waitForState(page, 'ready');
  assert.equal((await queueRows(page)).length, 10);

  const rows = ['id;colour;size;const;Outlier'];
  for (let i = 0; i < 80; i++) {
    const size = i % 9 === 4 ? 'NA' : String(10 + (i % 13) + (i === 7 ? 90 : 0));
    rows.push(`id${i};${['red', 'green', 'blue'][i % 3]};${size};5;${i === 7 ? 'yes' : 'no'}`);
  }
  await page.setInputFiles('[data-testid=csv-input]', {
    name: 'mixed.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + rows.join('\n')),
  });
  await page.waitForFunction(() => /80 rows/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
  const report = await page.textContent('[data-testid=data-report]');
  assert.match(report, /2 columns used: colour, size/);
  assert.match(report, /missing values imputed: 9 — size \(9\)/);
  assert.match(report, /ground truth: column 'Outlier' \(1 anomaly\)/);
  assert.match(report, /dropped 'id': is text with 80 distinct values/);
  assert.match(report, /dropped 'const': is constant/);
  await waitForState(page, 'ready');
  await finish(session);
});

// Both detectors train in the page; a 2-D bottleneck gives the latent view.
test('the MLP detector trains, and a 2-D autoencoder bottleneck gives the latent view', async () => {
  const session = await openReady('?backend=cpu&sample=tiny&epochs=5');
  const { page } = session;
  const model = page.locator('select', { has: page.locator('option[value=mlp]') });
  await model.selectOption('mlp');
  await trainAgain(page);
  assert.equal((await queueRows(page)).length, 10);

  await model.selectOption('autoencoder');
  await page.fill('input[type=number] >> nth=2', '2');
  await page.locator('input[type=number] >> nth=2').dispatchEvent('change');
  await trainAgain(page);
  const before = await canvasHash(page);
  await page.selectOption('select[aria-label=projection]', 'latent');
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0, 'latent view accepted');
  assert.notEqual(await canvasHash(page), before);
  await finish(session);
});

// A bigger file (about 3 MB): the page says it is reading it before the
// parse holds the thread, then trains on it.
test('a 3 MB CSV is announced while it is read, then trained on', async () => {
  const session = await openReady('?backend=cpu&sample=tiny&epochs=2');
  const { page } = session;
  const lines = ['label,' + Array.from({ length: 12 }, (_, j) => `x${j}`).join(',')];
  for (let i = 0; i < 25_000; i++) {
    const a = i % 40 === 0;
    const row = Array.from({ length: 12 }, (_, j) => (Math.sin(i * 7.1 + j * 3.3) * (a ? 6 : 1)).toFixed(6));
    lines.push(`${a ? 'anomaly' : 'nominal'},${row.join(',')}`);
  }
  const buffer = Buffer.from(lines.join('\n'));
  assert.ok(buffer.length > 2e6, `${buffer.length} bytes`);
  await page.evaluate(() => {
    window.__notices = [];
    new MutationObserver(() => {
      const n = document.querySelector('[data-testid=notice]');
      if (n) window.__notices.push(n.textContent);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.setInputFiles('[data-testid=csv-input]', { name: 'big.csv', mimeType: 'text/csv', buffer });
  await page.waitForFunction(() => /25000 rows/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
  await waitForState(page, 'ready');
  const notices = await page.evaluate(() => window.__notices);
  assert.ok(notices.some((n) => /Reading big\.csv \(\d+ MB\)…/.test(n)), `${notices}`);
  assert.equal(await page.locator('[data-testid=notice]').count(), 0, 'the notice goes once the data is in');
  assert.equal((await queueRows(page)).length, 10);
  await finish(session);
});

// The review order: nearest the boundary first, then random; the queue,
// the suggestion and auto-labelling follow the chosen order.
test('the review order changes the queue and the suggestion', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  const canvas = page.locator('[data-testid=scatter]');
  const scores = async () => (await page.locator('[data-testid=queue-item] .score').allTextContents()).map(Number);
  const highest = await queueRows(page);
  const ringBefore = await canvas.getAttribute('data-suggestion');
  const byScore = await scores();
  assert.deepEqual(byScore, [...byScore].sort((a, b) => b - a), 'highest score first');
  assert.equal(await page.locator('[data-testid=queue-order-note]').count(), 0, 'in score order: no note');

  await page.selectOption('[data-testid=review-order]', 'boundary');
  await page.waitForFunction((first) => document.querySelector('[data-testid=queue-item]')?.dataset.row !== String(first), highest[0]);
  const boundary = await queueRows(page);
  const near = (await scores()).map(Math.abs);
  assert.equal(await page.locator('[data-testid=queue-order-note]').count(), 0, 'the boundary order is its own');
  assert.deepEqual(near, [...near].sort((a, b) => a - b), `nearest the boundary first: ${near}`);
  assert.equal(Number(await page.getAttribute('[data-testid=selected-row]', 'data-row')), boundary[0],
    'the new suggestion is selected');
  assert.notEqual(await canvas.getAttribute('data-suggestion'), ringBefore, 'the ring moves');

  await page.fill('[data-testid=auto-label-count]', '3');
  await page.click('[data-testid=auto-label-button]');
  await waitQueried(page, 3);
  await page.waitForFunction(() => document.querySelector('[data-testid=auto-label-button]')?.textContent.trim() === 'Auto-label');
  const afterAuto = (await scores()).map(Math.abs);
  assert.deepEqual(afterAuto, [...afterAuto].sort((a, b) => a - b), 'still nearest the boundary first');

  const boundaryNow = await queueRows(page);
  await page.selectOption('[data-testid=review-order]', 'random');
  await page.waitForFunction((b) => document.querySelector('[data-testid=queue-item]')?.dataset.row !== String(b),
    boundaryNow[0]);
  const random = await queueRows(page);
  assert.equal(random.length, 10);
  assert.notDeepEqual(random, boundaryNow);

  // Colour by rank repaints the points (and the legend); back to score
  // gives the very same picture as before.
  const pixelsByScore = await canvasHash(page);
  await page.selectOption('[data-testid=colour-select]', 'rank');
  assert.notEqual(await canvasHash(page), pixelsByScore, 'colour by rank changes the picture');
  await page.selectOption('[data-testid=colour-select]', 'score');
  assert.equal(await canvasHash(page), pixelsByScore, 'colour by score again');
  await finish(session);
});

/** Clicks Train and waits until the page has gone through training to ready. */
async function trainAgain(page) {
  await page.evaluate(() => {
    window.__states = [];
    new MutationObserver(() => window.__states.push(document.body.dataset.state))
      .observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });
  await page.click('[data-testid=train-button]');
  await page.waitForFunction(
    () => window.__states.includes('training') && document.body.dataset.state === 'ready',
    null, { timeout: 120_000 });
}

/** Opens the page with `query` and waits until it is ready. */

/** Waits until the counter reads `queried n`. */
/** No page error, no request beyond 127.0.0.1; then closes the context. */
