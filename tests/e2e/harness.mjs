// Shared set-up for the browser tests: a static server for dist/ on
// 127.0.0.1, Debian's Chromium through playwright-core, and a log of every
// request the page makes (the tests assert none leaves 127.0.0.1).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dist = join(root, 'dist');
export const artifacts = join(root, 'tests', 'e2e', 'artifacts');
export const shared = join(root, '..', 'shared', 'datasets');


/**
 * Serves dist/ on 127.0.0.1 at a free port through scripts/serve.py, the
 * server README command 1 runs, so the tests see the page's real headers.
 * Returns `{ server, base }`; `server.close()` stops it.
 */
export async function serve() {
  const child = spawn('python3', [join(root, 'scripts', 'serve.py'), '--port', '0', '--dir', dist, '--quiet'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) ok(m[1]);
    });
    child.on('exit', (code) => fail(new Error(`scripts/serve.py exited with ${code}`)));
  });
  return { server: { close: () => child.kill() }, base };
}

/** Launches Chromium; `webgpu` exposes its SwiftShader WebGPU adapter. */
export async function launch({ webgpu = false } = {}) {
  const args = [
    '--no-sandbox', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic',
    '--disable-default-apps', '--disable-domain-reliability',
  ];
  if (webgpu) {
    args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader',
      '--use-webgpu-adapter=swiftshader');
  } else {
    args.push('--disable-gpu');
  }
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args });
}

/**
 * A page that records every request and fails fast on a page error. Any
 * request that is not to the test server is recorded and aborted. `init`,
 * when given, runs in the page before any of its own scripts, and
 * `workerInit` in every worker before the worker's script (it is put at
 * the top of worker.js as served); a request whose path ends with one of
 * `missing` is answered 404.
 */
export async function openPage(browser, base, query = '', { init, workerInit, missing = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
  if (init) await context.addInitScript(init);
  const requests = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    const path = new URL(url).pathname;
    if (missing.some((m) => path.endsWith(m))) route.fulfill({ status: 404, body: 'not found' });
    else if (workerInit && url.startsWith(base) && path.endsWith('/worker.js')) {
      route.fetch().then(async (response) => route.fulfill({
        response, body: `(${workerInit})();\n${await response.text()}`,
      }));
    } else if (url.startsWith(base) || url.startsWith('data:') || url.startsWith('blob:')) route.continue();
    else route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(base + query);
  return { page, context, requests, errors };
}

/** Waits for `<body data-state=…>`; a crash fails at once. */
export async function waitForState(page, state, timeout = 120_000) {
  await page.waitForFunction(
    (s) => document.body.dataset.state === s || document.body.dataset.state === 'crashed',
    state, { timeout, polling: 100 });
  const now = await page.evaluate(() => document.body.dataset.state);
  if (now !== state) throw new Error(`page is '${now}', expected '${state}'`);
}

export async function screenshot(page, name) {
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name) });
}

/** Draws a closed shape through `points` (canvas pixels) on the scatter. */
export async function drawOnScatter(page, points) {
  const canvas = page.locator('[data-testid=scatter]');
  const box = await canvas.boundingBox();
  const width = Number(await canvas.getAttribute('width'));
  const s = box.width / width;
  const at = ([x, y]) => [box.x + x * s, box.y + y * s];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

/**
 * Opens the CSV at `path` with the file picker and waits until its report
 * reads `rows` rows and its scores are ready.
 */
export async function openCsv(page, path, rows) {
  await page.setInputFiles('[data-testid=csv-input]', path);
  await page.waitForFunction(
    (n) => new RegExp(`${n} rows`).test(document.querySelector('[data-testid=data-report]')?.textContent ?? ''), rows);
  await waitForState(page, 'ready');
}

/** Parses `found X / queried Y`. */
export async function foundCounter(page) {
  const text = await page.textContent('[data-testid=found-counter]');
  const m = /found (\d+) \/ queried (\d+)/.exec(text ?? '');
  if (!m) throw new Error(`found-counter reads '${text}'`);
  return { found: Number(m[1]), queried: Number(m[2]) };
}

/** Waits until the found counter reads `queried n`. */
export async function waitQueried(page, n, timeout = 30_000) {
  await page.waitForFunction(
    (k) => new RegExp(`queried ${k}$`).test(document.querySelector('[data-testid=found-counter]')?.textContent ?? ''), n, { timeout });
}

/**
 * Auto-labels `count` rows from the truth column, then waits until the
 * found counter reads `queried total` and the button is back to
 * "Auto-label".
 */
export async function autoLabel(page, count, total, timeout = 300_000) {
  await page.fill('[data-testid=auto-label-count]', String(count));
  await page.click('[data-testid=auto-label-button]');
  await waitQueried(page, total, timeout);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=auto-label-button]')?.textContent.trim() === 'Auto-label');
}

/**
 * Selects the rows in a square of half-side `half` pixels around the
 * middle of the scatter with the rectangle tool (switched on if it is
 * off); returns how many rows the page says are selected (0 when none).
 */
export async function selectSquare(page, half) {
  if ((await page.getAttribute('[data-testid=rect-button]', 'aria-pressed')) !== 'true') {
    await page.click('[data-testid=rect-button]');
  }
  const width = Number(await page.getAttribute('[data-testid=scatter]', 'width'));
  const height = Number(await page.getAttribute('[data-testid=scatter]', 'height'));
  const [cx, cy] = [width / 2, height / 2];
  await drawOnScatter(page, [[cx - half, cy - half], [cx + half, cy + half]]);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=selection-count]')?.dataset.count) > 0)
    .catch(() => {});
  return Number(await page.getAttribute('[data-testid=selection-count]', 'data-count'));
}

/** Waits until the found counter reads more than `queried n`; returns the count. */
export async function waitQueriedAbove(page, n, timeout = 30_000) {
  await page.waitForFunction(
    (k) => Number(/queried (\d+)$/.exec(document.querySelector('[data-testid=found-counter]')?.textContent ?? '')?.[1]) > k,
    n, { timeout });
  return (await foundCounter(page)).queried;
}

export async function queueRows(page) {
  return page.$$eval('[data-testid=queue-item]', (items) => items.map((i) => Number(i.dataset.row)));
}

/** A hash of the scatter's pixels, to see that the colours changed. */
export async function canvasHash(page) {
  return page.$eval('[data-testid=scatter]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 7) { h ^= d[i]; h = Math.imul(h, 16777619); }
    return h >>> 0;
  });
}

/** Every request went to the test server (or was page-local data). */
/** The WebAssembly modules a page fetched (its own and its workers'), by file name, sorted. */
export function modulesFetched(requests) {
  return [...new Set(requests.map((u) => new URL(u).pathname.split('/').pop()).filter((f) => f.endsWith('.wasm')))].sort();
}

export function assertLocalOnly(assert, requests, base) {
  const outside = requests.filter((u) => !(u.startsWith(base) || u.startsWith('data:') || u.startsWith('blob:')));
  assert.deepEqual(outside, [], 'requests left 127.0.0.1');
  assert.ok(requests.length > 0, 'the request log saw the page load');
}

/** Every row's score, by row, from the page's own export (the download button). */
export async function exportedScores(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-button]')]);
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n').slice(1);
  return lines.map((l) => Number(l.split(',')[1]));
}

/** The largest difference between two score lists of the same length. */
export function maxDifference(a, b) {
  if (a.length !== b.length || a.length === 0) return Infinity;
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

/** Selects row `row` (0-based) with "Go to row", then presses `key` (A, N or U). */
export async function labelRow(page, row, key) {
  await page.fill('[data-testid=row-input]', String(row + 1));
  await page.press('[data-testid=row-input]', 'Enter');
  await page.locator('[data-testid=row-input]').blur();
  await page.waitForFunction((r) => document.querySelector('[data-testid=selected-row]')?.dataset.row === String(r), row);
  await page.click(key === 'A' ? '[data-testid=label-anomaly]' : key === 'N' ? '[data-testid=label-normal]' : '[data-testid=label-clear]');
}

/**
 * Labels the first row of the review queue with `key` ('A' or 'N') from its
 * mini button, waits until the queue moves on, and returns the page's own
 * timing of that label (update + re-score + repaint, in ms).
 */
export async function labelQueueTop(page, key, timeout = 30_000) {
  const item = page.locator('[data-testid=queue-item]').first();
  const row = await item.getAttribute('data-row');
  await item.locator('.mini', { hasText: key }).click();
  await page.waitForFunction(
    (r) => document.querySelector('[data-testid=queue-item]')?.dataset.row !== r, row, { timeout });
  return Number(await page.getAttribute('[data-testid=scatter]', 'data-last-update-ms'));
}

/**
 * One server and one browser for a test file, started before its tests and
 * closed after them. `bed.open(query, options)` opens a page;
 * `bed.openReady` also waits for scores; `bed.finish(session)` asserts no
 * page error and no request beyond the server, then closes the page.
 */
/**
 * Starts a Chromium trace of the page's top-level tasks (a few events a
 * task), for {@link pageTasks}.
 */
export async function traceTasks(browser, page) {
  await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing'] });
}

/**
 * The page thread's tasks since {@link traceTasks}, each `{ start, wall,
 * cpu }` in milliseconds, `start` on the page's `performance.now()` clock.
 * `wall` is what the Long Tasks API sees: on a loaded machine it holds the
 * time the system gave the thread's core to other threads (a hover frame
 * of 7 ms of work took 98 ms with the workers compiling and training on 2
 * cores). `cpu` is the thread's own time in the task: the page's work.
 * The trace's clock is placed by the last User Timing mark named `mark`,
 * which the page must have made.
 */
export async function pageTasks(browser, page, mark) {
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const marked = events.filter((e) => e.name === mark && e.ph !== 'M').at(-1);
  assert.ok(marked, `the trace has the mark ${mark}`);
  const at = await page.evaluate((m) => performance.getEntriesByName(m).at(-1)?.startTime, mark);
  assert.ok(at !== undefined, `the page has the mark ${mark}`);
  const offset = marked.ts / 1000 - at;
  return events
    .filter((e) => e.pid === marked.pid && e.tid === marked.tid && e.ph === 'X' &&
      e.name === 'ThreadControllerImpl::RunTask')
    .map((e) => ({ start: e.ts / 1000 - offset, wall: e.dur / 1000, cpu: (e.tdur ?? e.dur) / 1000 }));
}

export function testBed({ webgpu = false } = {}) {
  const bed = {};
  before(async () => {
    ({ server: bed.server, base: bed.base } = await serve());
    bed.browser = await launch({ webgpu });
  });
  after(async () => {
    await bed.browser?.close();
    bed.server?.close();
  });
  bed.open = (query = '', options = {}) => openPage(bed.browser, bed.base, query, options);
  bed.openReady = async (query, options) => {
    const session = await bed.open(query, options);
    await waitForState(session.page, 'ready');
    return session;
  };
  bed.finish = async ({ context, requests, errors }) => {
    assert.deepEqual(errors, []);
    assertLocalOnly(assert, requests, bed.base);
    await context.close();
  };
  return bed;
}
