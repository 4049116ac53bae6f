// The training worker: starts its own WebAssembly module (crates/worker)
// and hands it every message from the page. Messages that arrive while the
// module loads wait, in order; a load failure is reported as the run's
// failure (CoreError::Worker on the page), not swallowed.
import init, { handle } from './pkg/anomaly_lab_worker.js';

const early = [];
self.onmessage = (e) => early.push(e.data);

init()
  .then(() => {
    self.onmessage = (e) => handle(e.data);
    early.splice(0).forEach(handle);
  })
  .catch((e) => {
    const error = 'other\tits WebAssembly module could not start: ' + String(e).replace(/\s+/g, ' ');
    self.onmessage = (m) => self.postMessage({ kind: 'failed', job: m.data?.job, error });
    early.splice(0).forEach((data) => self.postMessage({ kind: 'failed', job: data?.job, error }));
  });
