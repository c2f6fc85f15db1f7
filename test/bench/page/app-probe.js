/* global window, performance, location, URL, Blob, requestAnimationFrame */
/**
 * Injected into the app page before its scripts (Playwright addInitScript). Wraps Worker so that
 * (1) inside the engine worker every frame event is stamped with the time it was posted, and
 * (2) on the page every engine event is recorded on arrival, with the frame acknowledgements.
 * Times are absolute (performance.timeOrigin + now), so worker and page times compare.
 */
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const bench = { frames: [], acks: [], events: [], firstFrameAt: null, firstPaintAt: null };
  window.__bench = bench;
  const stamp = [
    'const post = self.postMessage.bind(self);',
    "self.postMessage = (m, t) => { if (m && m.type === 'frame') m.benchPostedAt = performance.timeOrigin + performance.now(); return post(m, t); };",
    'const early = []; const hold = (e) => early.push(e.data);',
    "self.addEventListener('message', hold);",
  ].join('\n');
  const release = [
    "self.removeEventListener('message', hold);",
    "for (const data of early) self.dispatchEvent(new MessageEvent('message', { data }));",
  ].join('\n');

  function record(data) {
    if (!data || typeof data.type !== 'string') return;
    const at = now();
    if (data.type === 'frame') {
      const t = data.timings || {};
      bench.frames.push({
        i: data.i,
        runId: data.runId,
        batch: data.batch,
        done: data.done,
        modelMs: t.modelMs,
        otherMs: t.otherMs,
        postedAt: data.benchPostedAt ?? null,
        arrivedAt: at,
      });
      if (bench.firstFrameAt === null) {
        bench.firstFrameAt = at;
        requestAnimationFrame(() => requestAnimationFrame(() => (bench.firstPaintAt = now())));
      }
    } else {
      const copy = { ...data, at };
      bench.events.push(copy);
    }
  }

  const NativeWorker = window.Worker;
  class ProbedWorker extends NativeWorker {
    constructor(url, options) {
      const isModule = options && options.type === 'module';
      const absolute = new URL(url, location.href).href;
      const source = `${stamp}\nawait import(${JSON.stringify(absolute)});\n${release}`;
      super(isModule ? URL.createObjectURL(new Blob([source], { type: 'text/javascript' })) : url, options);
      this.addEventListener('message', (event) => record(event.data));
    }
    postMessage(message, transfer) {
      if (message && message.type === 'frameAck') bench.acks.push({ i: message.i, at: now() });
      return super.postMessage(message, transfer);
    }
  }
  window.Worker = ProbedWorker;
})();
