// Loads the WebAssembly app; a load failure is shown, not swallowed.
import init from './pkg/anomaly_lab.js';

init().catch((e) => {
  document.body.dataset.state = 'crashed';
  const p = document.createElement('p');
  p.className = 'error';
  p.setAttribute('data-testid', 'error-banner');
  p.textContent = 'Anomaly Lab could not start: ' + e;
  document.body.prepend(p);
});
