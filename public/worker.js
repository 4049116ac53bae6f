// A worker of the page's: starts one of its two WebAssembly modules
// (crates/worker) and hands it every message from the page. `worker.js`
// runs the CPU module (parsing, forests, training on the CPU);
// `worker.js?gpu` the one that adds WebGPU, about four times the size,
// which the page asks for only to train on WebGPU. Messages that arrive
// while the module loads wait, in order; a load failure is reported as the
// run's failure (CoreError on the page), not swallowed: for the WebGPU
// module as a device failure, so the page trains on the CPU instead.
const gpu = new URLSearchParams(self.location.search).has('gpu');

const early = [];
self.onmessage = (e) => early.push(e.data);

import(gpu ? './pkg/anomaly_lab_worker_gpu.js' : './pkg/anomaly_lab_worker.js')
  .then((m) => m.default().then(() => m.handle))
  .then((handle) => {
    self.onmessage = (e) => handle(e.data);
    early.splice(0).forEach(handle);
  })
  .catch((e) => {
    const why = String(e).replace(/\s+/g, ' ');
    const error = gpu
      ? 'device\tthe WebGPU module could not start: ' + why
      : 'other\tits WebAssembly module could not start: ' + why;
    const fail = (data) => self.postMessage({ kind: 'failed', job: data?.job, error, noModule: true });
    self.onmessage = (m) => fail(m.data);
    early.splice(0).forEach(fail);
  });
