// Browser tests for hostile input and trust: the security headers and
// policy, labels that can't be kept, files that used to give silent
// garbage, the tooltip and the layout at two widths, and axe-core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { testBed, waitForState, screenshot, labelRow, foundCounter, queueRows, waitQueried,
  waitQueriedAbove } from './harness.mjs';

const bed = testBed();
const { openReady, finish } = bed;

test('the server sends the page policy as headers, and the page breaks none of it', async () => {
  const res = await fetch(bed.base);
  const csp = res.headers.get('content-security-policy');
  for (const part of ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'",
    "frame-ancestors 'none'", "style-src 'self'"]) {
    assert.ok(csp.includes(part), `${part} in ${csp}`);
  }
  assert.ok(!csp.includes('unsafe-inline'), csp);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const wasm = await fetch(new URL('pkg/anomaly_lab_bg.wasm', bed.base));
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  // Any violation is reported by the browser as an event; collect them.
  const session = await openReady('?backend=cpu&sample=tiny', {
    init: () => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    },
  });
  const { page } = session;
  // The tooltip is placed by script: hover the suggestion, near the right edge too.
  const canvas = page.locator('[data-testid=scatter]');
  const [x, y] = (await canvas.getAttribute('data-suggestion')).split(',').map(Number);
  await canvas.hover({ position: { x, y } });
  await page.waitForSelector('[data-testid=tooltip]:not([hidden])');
  const box = await canvas.boundingBox();
  const tipInside = async () => {
    const t = await page.locator('[data-testid=tooltip]').boundingBox();
    return t.x >= box.x - 1 && t.y >= box.y - 1 && t.x + t.width <= box.x + box.width + 1 && t.y + t.height <= box.y + box.height + 1;
  };
  assert.ok(await tipInside(), 'the tooltip stays inside the plot');
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  await finish(session);
});

test('labels that cannot be kept give a lasting warning; old datasets make room', async () => {
  // Storage that is full for label keys.
  const session = await openReady('?backend=cpu&sample=tiny', {
    init: () => {
      const set = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k, v) {
        if (k.startsWith('anomaly-lab:labels:')) throw new DOMException('full', 'QuotaExceededError');
        return set.call(this, k, v);
      };
    },
  });
  const { page } = session;
  await labelRow(page, 3, 'A');
  await page.waitForSelector('[data-testid=storage-warning]');
  assert.match(await page.textContent('[data-testid=storage-warning]'),
    /Labels are not being saved: this browser's storage for the page is full/);
  await labelRow(page, 4, 'N');
  assert.ok(await page.isVisible('[data-testid=storage-warning]'), 'the warning stays');
  await screenshot(page, 'storage-full.png');
  await finish(session);

  // Twenty-five datasets stored before: the oldest go, the newest stay.
  const seeded = await bed.open('?backend=cpu&sample=tiny', {
    init: () => {
      if (localStorage.getItem('anomaly-lab:index')) return;
      const keys = [];
      for (let i = 0; i < 25; i++) {
        const k = `anomaly-lab:labels:old${i}:10x2:0`;
        localStorage.setItem(k, '1:a');
        keys.push(k);
      }
      localStorage.setItem('anomaly-lab:index', keys.join('\n'));
    },
  });
  await waitForState(seeded.page, 'ready');
  await labelRow(seeded.page, 2, 'N');
  await seeded.page.waitForFunction(() => localStorage.getItem('anomaly-lab:index').split('\n').length === 20);
  const kept = await seeded.page.evaluate(() => ({
    index: localStorage.getItem('anomaly-lab:index').split('\n'),
    oldest: localStorage.getItem('anomaly-lab:labels:old0:10x2:0'),
    newest: localStorage.getItem('anomaly-lab:labels:old24:10x2:0'),
  }));
  assert.equal(kept.oldest, null, 'the least recently used dataset was removed');
  assert.equal(kept.newest, '1:a');
  assert.ok(kept.index.at(-1).startsWith('anomaly-lab:labels:sample: tiny:'), kept.index.at(-1));
  // The layer's fit is kept beside the labels, so a reload need not replay them.
  // It is written once the labelling pauses.
  await seeded.page.waitForFunction((k) => localStorage.getItem(`${k}:fit`) !== null, kept.index.at(-1));
  const fit = await seeded.page.evaluate((k) => localStorage.getItem(`${k}:fit`), kept.index.at(-1));
  assert.match(fit ?? '', /^fit3 [0-9a-f]{16} \d+ [A-Za-z0-9+/]+$/);
  assert.equal(await seeded.page.isVisible('[data-testid=storage-warning]'), false);
  await finish(seeded);
});

test('a file with a numeric header, a second ground truth and text numbers reads right', async () => {
  const session = await openReady('?backend=cpu&sample=tiny');
  const { page } = session;
  let csv = '2019;2020;price;label;outlier\n';
  for (let i = 0; i < 200; i++) {
    const a = i % 25 === 3;
    csv += `${(i * 7) % 13},${i % 10};${i % 9};"$1,${String(i).padStart(3, '0')}.50";${a ? 'anomaly' : 'nominal'};${a ? 1 : 0}\n`;
  }
  await page.setInputFiles('[data-testid=csv-input]', { name: 'hostile.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => /200 rows/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
  await waitForState(page, 'ready');
  const report = await page.textContent('[data-testid=data-report]');
  assert.match(report, /3 columns used: 2019, 2020, price/);
  assert.match(report, /ground truth: column 'label' \(8 anomalies\)/);
  assert.match(report, /dropped 'outlier': looks like a second ground-truth column/);
  assert.match(report, /'2019': numbers written as text were read \(decimal comma\)/);
  assert.match(report, /'price': numbers written as text were read \(thousands separators ',' removed, currency sign '\$' removed\)/);
  // Setting the ground truth aside: the report says so and the button goes.
  await page.click('[data-testid=no-truth]');
  await page.waitForFunction(() => /no ground truth/.test(document.querySelector('[data-testid=data-report]').textContent));
  assert.match(await page.textContent('[data-testid=data-report]'), /the ground truth 'label' is set aside/);
  assert.equal(await page.isVisible('[data-testid=no-truth]'), false);
  // A blank label cell does not stop the page: it scores without ground truth.
  let blank = 'x,y,label\n';
  for (let i = 0; i < 60; i++) blank += `${i % 7},${(i * 3) % 11},${i === 30 ? '' : 'nominal'}\n`;
  await page.setInputFiles('[data-testid=csv-input]', { name: 'blank.csv', mimeType: 'text/csv', buffer: Buffer.from(blank) });
  await page.waitForFunction(() => /60 rows/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
  await waitForState(page, 'ready');
  assert.match(await page.textContent('[data-testid=data-report] .warning'),
    /the ground-truth column 'label' can't be used: 1 of its cells is blank \(the first on line 32\)/);
  await finish(session);
});

test('the first screen: the suggestion is selected, no developer timing, only working views', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  const suggested = await page.$eval('[data-testid=queue-item]', (e) => Number(e.dataset.row));
  assert.equal(Number(await page.getAttribute('[data-testid=selected-row]', 'data-row')), suggested);
  assert.equal(await page.isEnabled('[data-testid=label-anomaly]'), true);
  assert.equal(await page.isVisible('.timing'), false, 'the repaint timer is behind ?timing=1');
  const views = await page.$$eval('select[aria-label=projection] option', (o) => o.map((e) => e.value));
  assert.ok(!views.includes('latent'), `the default bottleneck is not 2, so no latent view: ${views}`);
  const title = await page.getAttribute('[data-testid=backend-badge]', 'title');
  assert.match(title, /^Training runs on the CPU/);
  assert.ok(!/[{}]|Error\(|\bSome\(/.test(title), `a sentence, not a debug string: ${title}`);
  await finish(session);
});

test('the keyboard: skip to the queue, move with arrows, select with Enter, label the focused row', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  const before = await page.$$eval('[data-testid=queue-item]', (items) => items.map((i) => Number(i.dataset.row)));
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the review queue');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'queue', 'one Tab and Enter reach the queue');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute('[data-testid=queue]', 'aria-activedescendant'), `queue-row-${before[2]}`);
  await page.keyboard.press('Enter');
  assert.equal(Number(await page.getAttribute('[data-testid=selected-row]', 'data-row')), before[2],
    'Enter selects the focused row without labelling it');
  assert.match(await page.textContent('[data-testid=selected-row]'), /unlabelled/);
  assert.ok((await page.locator('[data-testid=why] li').count()) > 0, 'its reasons show');
  assert.match(await page.textContent('[data-testid=announce]'), new RegExp(`Selected row ${before[2] + 1} \\(unlabelled`));
  assert.equal(await page.getAttribute('[data-testid=label-anomaly]', 'aria-label'), `Anomaly (A): row ${before[2] + 1}`);
  await page.keyboard.press('a');
  await page.waitForFunction((row) => ![...document.querySelectorAll('[data-testid=queue-item]')]
    .some((e) => Number(e.dataset.row) === row), before[2]);
  const after = await page.$$eval('[data-testid=queue-item]', (items) => items.map((i) => Number(i.dataset.row)));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'queue', 'focus stays in the queue');
  assert.equal(Number(await page.getAttribute('[data-testid=selected-row]', 'data-row')), after[2],
    'the row that took its place is selected, so the next key labels a new row');
  assert.equal(await page.getAttribute('[data-testid=queue]', 'aria-activedescendant'), `queue-row-${after[2]}`);
  await page.keyboard.press('n');
  await page.waitForFunction((row) => ![...document.querySelectorAll('[data-testid=queue-item]')]
    .some((e) => Number(e.dataset.row) === row), after[2]);
  // Undo twice gives back both, newest first (the page's keys still work).
  await page.keyboard.press('z');
  await page.keyboard.press('z');
  await page.waitForFunction((rows) => JSON.stringify([...document.querySelectorAll('[data-testid=queue-item]')]
    .map((e) => Number(e.dataset.row))) === JSON.stringify(rows), before);
  await screenshot(page, 'keyboard.png');
  await finish(session);
});

test('colour is not the only signal: a labelled anomaly is a cross, a labelled normal row a square', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  const canvas = page.locator('[data-testid=scatter]');
  // The pixels of one colour around (x, y), described by their shape: how
  // far they sit from the two diagonals and from a square's edge.
  const shape = (x, y, rgb) => page.$eval('[data-testid=scatter]', (c, [x, y, rgb]) => {
    const r = 8;
    const d = c.getContext('2d').getImageData(x - r, y - r, 2 * r + 1, 2 * r + 1).data;
    const at = [];
    for (let j = 0; j <= 2 * r; j++) {
      for (let i = 0; i <= 2 * r; i++) {
        const k = (j * (2 * r + 1) + i) * 4;
        if (d[k] === rgb[0] && d[k + 1] === rgb[1] && d[k + 2] === rgb[2]) at.push([i, j]);
      }
    }
    const cx = at.reduce((s, p) => s + p[0], 0) / at.length;
    const cy = at.reduce((s, p) => s + p[1], 0) / at.length;
    const mean = (f) => at.reduce((s, [i, j]) => s + f(Math.abs(i - cx), Math.abs(j - cy)), 0) / at.length;
    return { pixels: at.length, offDiagonal: mean((a, b) => Math.abs(a - b)), offSquare: mean((a, b) => Math.abs(Math.max(a, b) - 4)) };
  }, [x, y, rgb]);
  const mark = async (key) => {
    const [x, y] = (await canvas.getAttribute('data-suggestion')).split(',').map(Number);
    const before = await foundCounter(page);
    await page.keyboard.press(key);
    await waitQueriedAbove(page, before.queried);
    return [x, y];
  };
  // The suggestion is selected at start: A labels it, then N the next one.
  const [ax, ay] = await mark('a');
  const [nx, ny] = await mark('n');
  const cross = await shape(ax, ay, [150, 0, 0]);
  const square = await shape(nx, ny, [0, 110, 40]);
  assert.ok(cross.pixels >= 20 && cross.offDiagonal < 1, `the anomaly is a cross: ${JSON.stringify(cross)}`);
  assert.ok(square.pixels >= 20 && square.offSquare < 1 && square.offDiagonal > 1.5,
    `the normal row is a square: ${JSON.stringify(square)}`);
  await screenshot(page, 'label-shapes.png');
  await finish(session);
});

for (const width of [1024, 1920]) {
  test(`the page fits a ${width}px window without horizontal scrolling`, async () => {
    const session = await openReady('?backend=cpu');
    const { page } = session;
    await page.setViewportSize({ width, height: 900 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await screenshot(page, `width-${width}.png`);
    assert.ok(await overflow() <= 0, `the page is ${await overflow()}px wider than the window`);
    // A very long column name, in the report and in the selected row's reasons.
    const long = 'a_very_long_column_name_'.repeat(12);
    let csv = `${long},b\n`;
    for (let i = 0; i < 60; i++) csv += `${i % 7 === 3 ? 40 : i % 5},${(i * 3) % 11}\n`;
    await page.setInputFiles('[data-testid=csv-input]', { name: 'long.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForFunction(() => /60 rows/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
    await waitForState(page, 'ready');
    await labelRow(page, 3, 'A');
    assert.ok((await page.textContent('[data-testid=why]')).includes('a_very_long'), 'the reasons name the column');
    await screenshot(page, `width-${width}-long-name.png`);
    assert.ok(await overflow() <= 0, `with a long column name the page is ${await overflow()}px wider than the window`);
    await finish(session);
  });
}

test('axe-core finds no serious or critical violation on the first screen, after training and with a row selected', async () => {
  const require = createRequire(import.meta.url);
  const axe = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const session = await bed.open('?backend=cpu');
  const { page } = session;
  const check = async (when) => {
    // Through DevTools, not a script tag: the page's CSP rightly refuses inline scripts.
    await page.evaluate(axe);
    const found = await page.evaluate(async () => (await window.axe.run(document)).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    assert.deepEqual(found, [], `axe ${when}`);
  };
  await page.waitForSelector('[data-testid=scatter]');
  await check('on the first screen');
  await waitForState(page, 'ready');
  await check('after training');
  await labelRow(page, 5, 'A');
  await check('with the label panel showing a row');
  await finish(session);
});

// The issue's mistaken expert on the default sample: "anomaly" on the first
// suggestion (a normal row), then five "normal". The page warns and points
// to undo; undoing the answers takes the warning away. Then the hidden
// sample from the list: auto-labelling 300 finds at least half of it.
test('a mistaken answer gives a warning that points to undo; the hidden sample is found', async () => {
  const session = await openReady('?backend=cpu');
  const { page } = session;
  assert.equal(await page.locator('[data-testid=label-warning]').count(), 0);
  for (let k = 0; k < 6; k++) {
    await page.locator('[data-testid=queue-item] .mini', { hasText: k === 0 ? 'A' : 'N' }).first().click();
    await waitQueried(page, k + 1);
  }
  const { found } = await foundCounter(page);
  assert.equal(found, 0, 'the first suggestion was a normal row');
  const warning = page.locator('[data-testid=label-warning]');
  await warning.waitFor();
  assert.match(await warning.textContent(), /undo/);
  await screenshot(page, 'label-warning.png');
  for (let k = 5; k >= 0; k--) {
    await page.keyboard.press('z');
    await waitQueried(page, k);
  }
  assert.equal(await warning.count(), 0, 'no labels, no warning');

  await page.selectOption('[data-testid=sample-select]', 'hidden');
  await page.waitForFunction(() => /18 anomalies|60 anomalies/.test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''));
  await waitForState(page, 'ready');
  assert.deepEqual(await foundCounter(page), { found: 0, queried: 0 });
  await page.fill('[data-testid=auto-label-count]', '300');
  await page.click('[data-testid=auto-label-button]');
  await waitQueried(page, 300, 240_000);
  const hidden = await foundCounter(page);
  assert.ok(hidden.found >= 30, `found only ${hidden.found} of 60 in 300 queries`);
  await finish(session);
});
