// The session file in headless Chromium: saved from one page, opened in a
// fresh one (no local storage, a detector trained with other settings), it
// gives every score back to the bit with no training; a file that is not a
// session, or one from a newer version, gets a banner saying so; a session
// saved for other data says so and offers the labels that still match.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  testBed, waitForState, exportedScores, labelQueueTop, waitQueried, waitQueriedAbove, screenshot, shared, drawOnScatter,
  openCsv, queueRows,
} from './harness.mjs';

const bed = testBed();
const { openReady, finish } = bed;
const dir = mkdtempSync(join(tmpdir(), 'anomaly-lab-session-'));

/** Clicks "Save session" and returns the file's path and its parsed JSON. */
async function saveSession(page, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=session-download]')]);
  const path = join(dir, name);
  await download.saveAs(path);
  return { path, json: JSON.parse(readFileSync(path, 'utf8')), suggested: download.suggestedFilename() };
}

/** The native CLI, built (or found up to date) in the cargo target folder. */
function cli() {
  execFileSync('cargo', ['build', '-q', '-p', 'anomaly-lab-cli'], { stdio: 'inherit' });
  return join(process.env.CARGO_TARGET_DIR ?? 'target', 'debug', 'anomaly-lab');
}

async function bannerText(page) {
  await page.waitForSelector('[data-testid=error-banner]');
  return page.textContent('[data-testid=error-banner]');
}

test('session download, then a fresh page opens it: identical scores, no training', async () => {
  const first = await openReady('?backend=cpu&sample=tiny');
  const { page } = first;
  // Two labels one by one, then a lasso's bulk label (one action, one fit).
  await labelQueueTop(page, 'A');
  await labelQueueTop(page, 'N');
  await page.click('[data-testid=lasso-button]');
  const ring = Array.from({ length: 24 }, (_, k) => [330 + 60 * Math.cos(k * Math.PI / 12), 260 + 60 * Math.sin(k * Math.PI / 12)]);
  await drawOnScatter(page, [...ring, ring[0]]);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=selection-count]')?.dataset.count) > 0);
  const bulk = Number(await page.getAttribute('[data-testid=selection-count]', 'data-count'));
  await page.click('[data-testid=label-selection-normal]');
  const labels = await waitQueriedAbove(page, 2);
  assert.ok(labels > 2 && labels <= bulk + 2, `${labels} labels after a bulk label of ${bulk}`);
  await page.selectOption('[data-testid=threshold-mode]', 'top');
  await page.fill('[data-testid=threshold-input]', '10');
  await page.press('[data-testid=threshold-input]', 'Enter');
  const before = await exportedScores(page);
  const queueBefore = await queueRows(page);
  const { path, json, suggested } = await saveSession(page, 'tiny.session.json');
  assert.equal(suggested, 'tiny.session.json');
  assert.equal(json.format, 'anomaly-lab-session');
  assert.equal(json.version, 2);
  assert.equal(json.scoring, null, 'a built-in sample has no file to score records of');
  assert.equal(json.labels.length, labels);
  // The bulk label's rows share one batch, after the two single labels'.
  assert.deepEqual([...new Set(json.labels.map((l) => l.batch))], [0, 1, 2]);
  assert.ok(json.labels.every((l) => l.time_ms > 1.7e12), 'every label has its time');
  // The two single labels were the suggestion: the file says which
  // ranking had each next; the bulk label's rows were nobody's question.
  assert.ok(json.labels.slice(0, 2).every((l) => l.asked >= 1 && l.asked <= 3), JSON.stringify(json.labels.slice(0, 2)));
  assert.ok(json.labels.slice(2).every((l) => l.asked === undefined));
  assert.equal(json.detector.spec.kind, 'autoencoder');
  assert.equal(json.view.threshold, 'top:0.1');
  assert.match(json.layer.fit, /^fit3 /);
  await finish(first);

  // A fresh context: no local storage; the detector trained with 2 epochs,
  // so its scores are not the saved ones until the session is opened.
  const second = await openReady('?backend=cpu&sample=tiny&epochs=2');
  const p2 = second.page;
  const fresh = await exportedScores(p2);
  assert.notDeepEqual(fresh, before, 'another detector scores otherwise');
  await p2.setInputFiles('[data-testid=session-input]', path);
  await p2.waitForFunction((n) => new RegExp(`Session opened: ${n} labels`).test(document.querySelector('[data-testid=notice]')?.textContent ?? ''), labels);
  await waitForState(p2, 'ready');
  const after = await exportedScores(p2);
  assert.equal(after.length, before.length);
  assert.deepEqual(after, before, 'every score to the bit');
  assert.deepEqual(await queueRows(p2), queueBefore, 'the same next questions');
  await waitQueried(p2, labels);
  // The file's settings and view came with it; the training panel says
  // where the detector came from.
  assert.match(await p2.textContent('.progress-text'), /from the session file: \d+ epochs on CPU, final loss \d\.\d{4}; nothing trained here/);
  assert.equal(await p2.inputValue('[data-testid=epochs-input]'), String(json.detector.spec.train.epochs));
  assert.equal(await p2.inputValue('[data-testid=threshold-input]'), '10');
  await screenshot(p2, 'session-opened.png');
  // The labels are this browser's now: a reload keeps them (the detector
  // is trained again, as the page's settings say; local storage keeps
  // labels and the layer's fit, not a detector).
  await p2.reload();
  await waitForState(p2, 'ready');
  await waitQueried(p2, labels);
  await finish(second);
});

// A file saved with other layer settings still opens, its labels kept:
// settings that only order the questions (the classifier off, as an
// earlier page saved them) take the saved fit back; other scoring
// settings replay the labels under the page's own, and the notice says
// so. The labels were given under the page's settings, so either way the
// scores are the saved page's to the bit (with the file's neighbour
// weight they would not be).
test('a session saved with other layer settings opens with its labels', async () => {
  const first = await openReady('?backend=cpu&sample=tiny');
  const { page } = first;
  for (const key of ['A', 'N', 'N', 'A']) await labelQueueTop(page, key);
  const before = await exportedScores(page);
  const { json } = await saveSession(page, 'settings.session.json');
  await finish(first);
  const files = [];
  const questionsOnly = structuredClone(json);
  assert.equal(questionsOnly.layer.settings.boost_after, 100);
  questionsOnly.layer.settings.boost_after = 0;
  questionsOnly.layer.settings.second_share = 0.3;
  files.push(['order.session.json', questionsOnly, /Session opened: 4 labels, every score as it was saved/]);
  const scoring = structuredClone(json);
  scoring.layer.settings.neighbour_weight = 2;
  files.push(['scoring.session.json', scoring, /Session opened: 4 labels\. It was saved with other active-layer settings than this page's .* its labels were replayed with this page's settings/]);
  for (const [name, file, notice] of files) {
    const fresh = await openReady('?backend=cpu&sample=tiny&epochs=2');
    const p2 = fresh.page;
    await p2.setInputFiles('[data-testid=session-input]', { name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    await p2.waitForFunction(() => /Session opened/.test(document.querySelector('[data-testid=notice]')?.textContent ?? ''));
    await waitForState(p2, 'ready');
    assert.match(await p2.textContent('[data-testid=notice]'), notice, name);
    await waitQueried(p2, 4);
    assert.deepEqual(await exportedScores(p2), before, `${name}: every score to the bit`);
    await finish(fresh);
  }
});

test('a wrong session file gives a clear banner and changes nothing', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  await labelQueueTop(page, 'N');
  const before = await exportedScores(page);
  const files = [
    ['notes.json', '{"hello": 1}', /session file: 'notes\.json': it is not an Anomaly Lab session/],
    ['data.json', readFileSync(join(shared, 'ann_thyroid_1v3.csv'), 'utf8').slice(0, 2000), /'data\.json': it is not a JSON object/],
    ['empty.json', '', /'empty\.json': it is not a JSON object/],
  ];
  const { json } = await saveSession(page, 'good.session.json');
  const newer = { ...json, version: 9 };
  files.push(['newer.json', JSON.stringify(newer), /written by a newer Anomaly Lab \(format version 9; this one reads up to 2\)/]);
  const hostile = structuredClone(json);
  hostile.detector.weights.arrays[0].shape = [1 << 20, 1 << 20];
  files.push(['hostile.json', JSON.stringify(hostile), /weights 'enc1\.weight'/]);
  const bad = structuredClone(json);
  bad.labels[0].row = 10 ** 9;
  files.push(['bad.json', JSON.stringify(bad), /past its \d+ rows/]);
  for (const [name, text, expected] of files) {
    await page.setInputFiles('[data-testid=session-input]', { name, mimeType: 'application/json', buffer: Buffer.from(text) });
    assert.match(await bannerText(page), expected, name);
    await page.click('[data-testid=error-banner] button');
  }
  assert.deepEqual(await exportedScores(page), before, 'nothing changed');
  await finish(session);
});

test('a CSV\'s session scores every row the same in the native CLI; over other data it says so and keeps the labels that still match', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  assert.ok(await page.isDisabled('[data-testid=onnx-download]'), 'a built-in sample has no schema to export');
  await openCsv(page, join(shared, 'ann_thyroid_1v3.csv'), 3251);
  await labelQueueTop(page, 'A');
  await labelQueueTop(page, 'N');
  await labelQueueTop(page, 'A');
  const { path, json } = await saveSession(page, 'thyroid.session.json');
  assert.equal(json.version, 2);
  assert.equal(json.scoring.layer.exact, true, 'the scoring model gives the page\'s rows their scores');

  // The native CLI streams the CSV through the page's session: the page's
  // scores, row for row (the issue asks for 1e-5; they are equal).
  const pageScores = await exportedScores(page);
  const out = join(dir, 'cli-scores.csv');
  execFileSync(cli(), ['score', '--session', path, '--data', join(shared, 'ann_thyroid_1v3.csv'), '--out', out], { stdio: 'pipe' });
  const cliScores = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
  assert.equal(cliScores.length, 3251);
  const worst = Math.max(...cliScores.map((s, i) => Math.abs(s - pageScores[i])));
  console.log(`# page → CLI: largest score difference over 3251 rows: ${worst}`);
  assert.ok(worst <= 1e-5, `the CLI's scores differ from the page's by up to ${worst}`);
  assert.deepEqual(cliScores, pageScores, 'the same scores');

  // The page writes the ONNX model itself: ONNX Runtime scores the CSV as
  // the page does (to 1e-4: its own f32 arithmetic after the tails).
  const [onnx] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=onnx-download]')]);
  assert.equal(onnx.suggestedFilename(), 'ann_thyroid_1v3.onnx');
  const model = join(dir, 'thyroid.onnx');
  await onnx.saveAs(model);
  const pageCsv = join(dir, 'page-scores.csv');
  writeFileSync(pageCsv, `row,score\n${pageScores.map((s, i) => `${i + 1},${s}`).join('\n')}\n`);
  const python = process.env.ANOMALY_LAB_PYTHON ?? join(process.env.HOME, '.cache/anomaly-lab/venv/bin/python');
  const said = execFileSync(python, ['scripts/onnx_score.py', model, path, join(shared, 'ann_thyroid_1v3.csv'),
    '--compare', pageCsv, '--tolerance', '1e-4'], { encoding: 'utf8' });
  console.log(`# page → ONNX Runtime: ${said.trim().split('\n').at(-1)}`);
  assert.match(said, /3251 rows scored by ONNX Runtime/);
  assert.match(said, /rows flagged differently: 0/);

  // The same file with one row more (a copy of its last line): every
  // labelled row holds the same values, the fingerprint differs.
  const text = readFileSync(join(shared, 'ann_thyroid_1v3.csv'), 'utf8').trimEnd().split('\n');
  const grown = join(dir, 'thyroid-plus-one.csv');
  writeFileSync(grown, [...text, text[text.length - 1]].join('\n') + '\n');
  await openCsv(page, grown, 3252);
  await page.setInputFiles('[data-testid=session-input]', path);
  await page.waitForSelector('[data-testid=session-mismatch]');
  const words = await page.textContent('[data-testid=session-mismatch]');
  assert.match(words, /does not fit the data that is open: it was saved for 'ann_thyroid_1v3\.csv' with 3251 rows; 'thyroid-plus-one\.csv' has 3252/);
  assert.match(words, /3 of its 3 labels are on rows that hold the same values here/);
  await screenshot(page, 'session-mismatch.png');
  await page.click('[data-testid=session-keep-labels]');
  await page.waitForFunction(() => /queried 3/.test(document.querySelector('[data-testid=found-counter]')?.textContent ?? ''));
  assert.equal(await page.locator('[data-testid=session-mismatch]').count(), 0);

  await finish(session);
});
