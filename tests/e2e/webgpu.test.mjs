// The WebGPU path: Chromium with --enable-unsafe-webgpu exposes its
// SwiftShader adapter here. Training must really run on it (the badge says
// which backend trained), on a tiny sample since SwiftShader is slow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  testBed, waitForState, screenshot, queueRows, foundCounter, assertLocalOnly,
  exportedScores, maxDifference, labelRow, modulesFetched,
} from './harness.mjs';

const bed = testBed({ webgpu: true });

test('trains the tiny sample on WebGPU and reaches ready', async () => {
  const { page, context, requests, errors } = await bed.open('?backend=webgpu&sample=tiny&epochs=3');
  assert.ok(await page.evaluate(() => 'gpu' in navigator), 'Chromium exposes navigator.gpu');
  await waitForState(page, 'ready', 600_000);
  await screenshot(page, 'webgpu.png');
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'WebGPU');
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0, 'no fallback message');
  assert.equal((await queueRows(page)).length, 10);
  assert.match(await page.textContent('.progress-text'), /epoch 3 of 3/);
  // Training and the forest beside it ran the WebGPU module; the CPU
  // module was not fetched as well.
  assert.deepEqual(modulesFetched(requests), ['anomaly_lab_bg.wasm', 'anomaly_lab_worker_gpu_bg.wasm']);
  assert.deepEqual(errors, []);
  assertLocalOnly(assert, requests, bed.base);
  await context.close();
});

// The WebGPU module cannot be fetched (a broken deployment, a proxy, a
// connection lost midway): the page says so, trains on the CPU module
// instead and keeps working.
test('a WebGPU module that cannot load falls back to the CPU module', async () => {
  const { page, context, requests, errors } = await bed.open('?backend=webgpu&sample=tiny&epochs=3', {
    missing: ['/anomaly_lab_worker_gpu_bg.wasm'],
  });
  await waitForState(page, 'ready', 300_000);
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'CPU');
  const banner = await page.textContent('[data-testid=error-banner]');
  assert.match(banner, /^WebGPU failed \(the device failed: the WebGPU module could not start: .+\); training again on the CPU\. Your labels are kept\./);
  await screenshot(page, 'gpu-module-missing.png');
  assert.equal((await queueRows(page)).length, 10);
  assert.match(await page.textContent('.progress-text'), /epoch 3 of 3/);
  assert.deepEqual(modulesFetched(requests), ['anomaly_lab_bg.wasm', 'anomaly_lab_worker_bg.wasm', 'anomaly_lab_worker_gpu_bg.wasm']);
  assert.notEqual(await page.evaluate(() => document.body.dataset.state), 'crashed');
  // The 404 is the browser's console error, the only one.
  assert.ok(errors.every((e) => /404|Failed to load resource|anomaly_lab_worker_gpu/.test(e)), errors.join('\n'));
  assertLocalOnly(assert, requests, bed.base);
  await context.close();
});

// A lost GPU device: the detector trains in the page's training worker, and
// nothing holds its GPU device but that worker. So the test wraps
// requestDevice in every worker (before the worker's own script) to keep a
// handle, trains on WebGPU, then destroys that device while the detector
// retrains on it. The page must say what happened, train again on the CPU
// and keep every label.
test('a GPU device lost mid-training falls back to the CPU and keeps the labels', async () => {
  const { page, context, requests, errors } = await bed.open('?backend=webgpu&sample=tiny&epochs=3', {
    workerInit: () => {
      self.__gpuDevices = [];
      const request = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (...args) {
        const device = await request.apply(this, args);
        self.__gpuDevices.push(device);
        return device;
      };
    },
  });
  await waitForState(page, 'ready', 600_000);
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'WebGPU');
  const workers = page.workers();
  assert.equal(workers.length, 1, 'the WebGPU worker is kept, with its device');
  const [worker] = workers;
  assert.equal(await worker.evaluate(() => typeof document), 'undefined', 'off the page thread');
  assert.equal(await worker.evaluate(() => self.__gpuDevices.length), 1, 'the worker trained on its one device');
  const labelled = [];
  for (const key of ['A', 'N']) {
    const item = page.locator('[data-testid=queue-item]').first();
    const row = await item.getAttribute('data-row');
    labelled.push([Number(row), key]);
    await item.locator('.mini', { hasText: key }).click();
    await page.waitForFunction((r) => document.querySelector('[data-testid=queue-item]')?.dataset.row !== r, row);
  }
  assert.equal((await foundCounter(page)).queried, 2);

  await page.fill('[data-testid=epochs-input]', '40');
  await page.click('[data-testid=train-button]');
  await page.waitForFunction(() => /epoch [1-9]\d* of 40/.test(document.querySelector('.progress-text')?.textContent ?? ''),
    null, { timeout: 300_000 });
  await worker.evaluate(() => self.__gpuDevices.forEach((d) => d.destroy()));
  await page.waitForFunction(() => document.querySelector('[data-testid=backend-badge]')?.textContent.trim() === 'CPU',
    null, { timeout: 120_000 });
  await waitForState(page, 'ready', 300_000);
  const banner = await page.textContent('[data-testid=error-banner]');
  // wgpu words the loss by the call that met it: "Device was destroyed" on
  // a submit, "…could not be mapped…" on a read (the worker's usual case).
  assert.match(banner, /WebGPU failed \(the device failed: .*([Dd]estroyed|could not be mapped).*\); training again on the CPU\. Your labels are kept\./);
  assert.ok(!banner.includes('\n') && !/Backtrace/.test(banner), `one line: ${banner}`);
  assert.match(await page.textContent('.progress-text'), /epoch 40 of 40/, 'the CPU run trains to the end');
  assert.equal((await foundCounter(page)).queried, 2, 'both labels survive');
  assert.equal((await queueRows(page)).length, 10);
  // The CPU worker is let go after its run, with all its memory.
  for (let t = 0; page.workers().length > 0 && t < 100; t++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(page.workers().length, 0, 'no training worker is kept after a CPU run');
  await screenshot(page, 'gpu-lost.png');
  const afterFallback = await exportedScores(page);
  assert.deepEqual(errors, []);
  assertLocalOnly(assert, requests, bed.base);
  await context.close();

  // The same data, detector (CPU, 40 epochs) and labels in the same order,
  // given one by one in a fresh page: the very same scores.
  const fresh = await bed.open('?backend=cpu&sample=tiny&epochs=40');
  await waitForState(fresh.page, 'ready', 300_000);
  for (const [k, [row, key]] of labelled.entries()) {
    await labelRow(fresh.page, row, key);
    await fresh.page.waitForFunction((n) => new RegExp(`queried ${n}$`)
      .test(document.querySelector('[data-testid=found-counter]')?.textContent ?? ''), k + 1);
  }
  const uninterrupted = await exportedScores(fresh.page);
  assert.ok(maxDifference(afterFallback, uninterrupted) <= 1e-6,
    `the CPU retrain replays the labels exactly: scores differ by ${maxDifference(afterFallback, uninterrupted)}`);
  assert.deepEqual(fresh.errors, []);
  await fresh.context.close();
});

// "auto" on a machine whose only WebGPU adapter is SwiftShader's (a GPU
// emulated on the CPU, orders of magnitude slower than the CPU backend):
// the page trains on the CPU and says why.
test('auto passes over a software WebGPU adapter and says why', async () => {
  const { page, context, requests, errors } = await bed.open('?backend=auto&sample=tiny&epochs=3');
  const info = await page.evaluate(async () => {
    const a = await navigator.gpu.requestAdapter();
    return a && { fallback: a.isFallbackAdapter ?? a.info?.isFallbackAdapter, vendor: a.info?.vendor, arch: a.info?.architecture };
  });
  assert.ok(info, 'Chromium gives an adapter');
  await waitForState(page, 'ready', 120_000);
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'CPU');
  const title = await page.getAttribute('[data-testid=backend-badge]', 'title');
  assert.match(title, /^Training runs on the CPU: WebGPU's only adapter here is software \(.+\)/, `${title} (${JSON.stringify(info)})`);
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0, 'a choice, not an error');
  assert.deepEqual(modulesFetched(requests), ['anomaly_lab_bg.wasm', 'anomaly_lab_worker_bg.wasm'],
    'a CPU run never fetches the WebGPU module');
  assert.deepEqual(errors, []);
  await context.close();
});

// "auto" with a GPU that says it is hardware: the worker times the same
// training steps on WebGPU and on the CPU and trains on the faster, and
// the badge says so with the times. The page is told (through its own
// requestAdapter, wrapped here) that the adapter is a hardware GPU; the
// worker's device is still Chromium's real SwiftShader adapter, which the
// CPU outruns, so the CPU must win the timed trial.
test('auto times WebGPU against the CPU and keeps the faster', async () => {
  const { page, context, errors } = await bed.open('?backend=auto&sample=tiny&epochs=3', {
    init: () => {
      const gpu = navigator.gpu;
      if (!gpu) return;
      gpu.requestAdapter = async () => ({
        isFallbackAdapter: false,
        info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'a GPU the test describes', isFallbackAdapter: false },
      });
    },
  });
  await waitForState(page, 'ready', 300_000);
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'CPU');
  const title = await page.getAttribute('[data-testid=backend-badge]', 'title');
  // Both timed, or WebGPU stopped early once far slower than the CPU.
  const m = title.match(/auto timed 20 training steps (?:on each: (\d+) ms on the CPU, (\d+) ms on WebGPU|on the CPU: (\d+) ms; WebGPU took (\d+) ms for \d+); training on the CPU$/);
  assert.ok(m, title);
  console.log(`# auto's trial: ${title}`);
  const [cpu, gpu] = m[1] ? [m[1], m[2]] : [m[3], m[4]];
  assert.ok(Number(cpu) <= Number(gpu), `the CPU was the faster: ${title}`);
  assert.equal(await page.locator('[data-testid=error-banner]').count(), 0, 'a choice, not an error');
  // A retrain keeps the timed choice and its words, without a second trial.
  await page.click('[data-testid=train-button]');
  await waitForState(page, 'training', 60_000).catch(() => {});
  await waitForState(page, 'ready', 300_000);
  assert.equal((await page.textContent('[data-testid=backend-badge]')).trim(), 'CPU');
  assert.equal(await page.getAttribute('[data-testid=backend-badge]', 'title'), title);
  assert.deepEqual(errors, []);
  await context.close();
});
