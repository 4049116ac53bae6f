// A DevTools CPU profile of the page's main thread, summed by function:
// self time and inclusive time (a function counted once per sample however
// deep it recurses), the top of each printed. Shared by the bench scripts.
//   const stop = await startProfile(context, page);  ...  summarize(await stop());

export async function startProfile(context, page, intervalUs = 100) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
  return async () => (await cdp.send('Profiler.stop')).profile;
}

export function summarize(profile, { self: topSelf = 25, inclusive: topIncl = 45 } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => (n.callFrame.functionName || '(anon)').replace(/::h[0-9a-f]{16}$/, '').slice(-80);
  const self = new Map();
  const incl = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample stands for the time up to the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const n = byId.get(profile.samples[i]);
    self.set(name(n), (self.get(name(n)) ?? 0) + ms);
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const k = name(byId.get(id));
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + ms);
      }
    }
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([f, ms]) => `${ms.toFixed(1).padStart(8)} ms  ${f}`).join('\n');
  console.log(`self time:\n${top(self, topSelf)}\n\ninclusive time:\n${top(incl, topIncl)}`);
}
