// Loads the WebAssembly app; a load failure is shown, not swallowed.
import init from './pkg/anomaly_lab.js';

// Both modules are built with WebAssembly SIMD: a browser without it (Chrome
// and Edge before 91, Firefox before 89, Safari before 16.4) would fail to
// compile them with a bare "invalid opcode". This is the smallest module
// using one SIMD instruction (i8x16.splat on a constant).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

function fail(message) {
  document.body.dataset.state = 'crashed';
  const p = document.createElement('p');
  p.className = 'error';
  p.setAttribute('data-testid', 'error-banner');
  p.textContent = message;
  document.body.prepend(p);
}

if (typeof WebAssembly !== 'object' || !WebAssembly.validate(SIMD_PROBE)) {
  fail('Anomaly Lab could not start: this browser does not run WebAssembly SIMD, which it needs. '
    + 'Chrome or Edge 91 or later, Firefox 89 or later, or Safari 16.4 or later do.');
} else {
  init().catch((e) => fail('Anomaly Lab could not start: ' + e));
}
