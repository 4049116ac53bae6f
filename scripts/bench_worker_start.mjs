// A worker's start, per module: from `new Worker` to its first answer (a
// three-row parse), each in a fresh browser context (nothing cached), from
// a blank page of the test server, five rounds, CPU and WebGPU modules in
// turn. The start is the module's fetch and compile, which grow with its
// size.
//
// Run (after a build into dist/, e.g. by ./scripts/app.sh --dist):
//   node scripts/bench_worker_start.mjs

import { serve, launch } from '../tests/e2e/harness.mjs';

const ROUNDS = 5;
const { server, base } = await serve();
const browser = await launch({ webgpu: false });
const ms = { cpu: [], gpu: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, script] of [['cpu', 'worker.js'], ['gpu', 'worker.js?gpu']]) {
    const context = await browser.newContext();
    await context.route('**/blank.html', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    const page = await context.newPage();
    await page.goto(base + 'blank.html');
    const [took, kind] = await page.evaluate(async (script) => {
      const t0 = performance.now();
      const w = new Worker(script, { type: 'module' });
      const answer = new Promise((resolve) => {
        w.onmessage = (e) => { if (!['reading', 'columns'].includes(e.data.kind)) resolve(e.data.kind); };
      });
      const csv = 'a,b\n' + Array.from({ length: 50 }, (_, i) => `${i},${(i * 7) % 13}`).join('\n') + '\n';
      w.postMessage({ kind: 'parse', job: 1, file: new File([csv], 'x.csv') });
      const kind = await answer;
      w.terminate();
      return [performance.now() - t0, kind];
    }, script);
    if (kind !== 'table') throw new Error(`the ${name} module answered ${kind}`);
    ms[name].push(took);
    await context.close();
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const name of ['cpu', 'gpu']) {
  console.log(`${name} module: median ${median(ms[name]).toFixed(0)} ms (${ms[name].map((t) => t.toFixed(0)).join(', ')})`);
}
console.log(`ratio CPU / WebGPU: ${(median(ms.cpu) / median(ms.gpu)).toFixed(2)}`);
await browser.close();
server.close();
