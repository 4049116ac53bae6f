// The WebGPU path: Chromium with --enable-unsafe-webgpu exposes its
// SwiftShader adapter here. Training must really run on it (the badge says
// which backend trained), on a tiny sample since SwiftShader is slow.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, waitForState, screenshot, queueRows, assertLocalOnly } from './harness.mjs';

let server;
let base;
let browser;

before(async () => {
  ({ server, base } = await serve());
  browser = await launch({ webgpu: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('trains the tiny sample on WebGPU and reaches ready', async () => {
  const { page, context, requests, errors } = await openPage(browser, base, '?backend=webgpu&sample=tiny&epochs=3');
  assert.ok(await page.evaluate(() => 'gpu' in navigator), 'Chromium exposes navigator.gpu');
  await waitForState(page, 'ready', 600_000);
  await screenshot(page, 'webgpu.png');
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'WebGPU');
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0, 'no fallback message');
  assert.equal((await queueRows(page)).length, 10);
  assert.match(await page.textContent('.progress-text'), /epoch 3 of 3/);
  assert.deepEqual(errors, []);
  assertLocalOnly(assert, requests, base);
  await context.close();
});
