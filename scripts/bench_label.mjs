// Label → repainted canvas in the browser, at 10k and 100k rows.
//
// Run (after a build into dist/, e.g. by ./scripts/test.sh or ./scripts/app.sh):
//   node scripts/bench_label.mjs          (colour by score, the default)
//   node scripts/bench_label.mjs rank     (colour by rank: a sort per repaint)
//   node scripts/bench_label.mjs score 105
//                                         (the 20 labels timed after 105 untimed
//                                          ones: the labels' classifier grows a
//                                          slice of its next fit at each)
//   node scripts/bench_label.mjs score 1000 high-dimensional
//                                         (more than 200 untimed labels are put in
//                                          by the page's auto-label, from the
//                                          sample's truth; the third argument is
//                                          a built-in sample, 32 columns here)
//   node scripts/bench_label.mjs score 1000 high-dimensional profile
//                                         (10k rows only: the 20 labels under a
//                                          CPU profile, 0.1 ms sampling, which
//                                          slows them; functions by self and
//                                          inclusive time)
//
// For each size: load the clustered sample with that many rows on the CPU
// backend, label 20 rows from the queue and read the page's own timing of
// each label (session update + re-score + queue + full repaint), from
// data-last-update-ms. The reference, in the same page and run, is plain
// JavaScript filling an RGBA buffer with the same number of 3×3 points and
// putting it on a canvas of the same size: the least a repaint can cost.

import { serve, launch, openPage, waitForState, labelQueueTop, autoLabel } from '../tests/e2e/harness.mjs';
import { startProfile, summarize } from './cpu_profile.mjs';

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const { server, base } = await serve();
const browser = await launch();
console.log('| rows | label → repaint (median ms) | plain-JS repaint reference (median ms) | ratio |');
console.log('|---|---|---|---|');
const profiling = process.argv[5] === 'profile';
for (const rows of profiling ? [10_000] : [10_000, 100_000]) {
  const colour = process.argv[2] === 'rank' ? '&colour=rank' : '';
  const sample = process.argv[4] ? `&sample=${process.argv[4]}` : '';
  const { page, context } = await openPage(browser, base, `?backend=cpu&rows=${rows}&epochs=3${colour}${sample}`);
  await waitForState(page, 'ready', 600_000);
  const before = Number(process.argv[3] ?? 0);
  if (before > 200) {
    await autoLabel(page, before, before, 1_200_000);
  } else {
    for (let k = 0; k < before; k++) await labelQueueTop(page, k % 3 ? 'N' : 'A', 120_000);
  }
  const stop = profiling ? await startProfile(context, page) : null;
  const times = [];
  for (let k = 0; k < 20; k++) times.push(await labelQueueTop(page, k % 3 ? 'N' : 'A'));
  if (stop) summarize(await stop());
  const reference = await page.evaluate((n) => {
    const c = document.createElement('canvas');
    c.width = 600; c.height = 480;
    const ctx = c.getContext('2d');
    const xs = Float32Array.from({ length: n }, () => Math.random() * 600);
    const ys = Float32Array.from({ length: n }, () => Math.random() * 480);
    const out = [];
    for (let r = 0; r < 20; r++) {
      const t = performance.now();
      const img = ctx.createImageData(600, 480);
      const d = img.data;
      for (let i = 0; i < n; i++) {
        const x = xs[i] | 0, y = ys[i] | 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const px = x + dx, py = y + dy;
          if (px < 0 || py < 0 || px >= 600 || py >= 480) continue;
          const o = (py * 600 + px) * 4;
          d[o] = 200; d[o + 1] = 60; d[o + 2] = 40; d[o + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
      out.push(performance.now() - t);
    }
    return out;
  }, rows);
  const [ours, ref] = [median(times), median(reference)];
  console.log(`| ${rows} | ${ours.toFixed(1)} | ${ref.toFixed(1)} | ${(ours / ref).toFixed(1)}× |`);
  await context.close();
}
await browser.close();
server.close();
