/* global self, location, performance, navigator, crossOriginIsolated, URLSearchParams */
/**
 * Benchmark worker: loads an onnxruntime-web bundle (query `bundle`: wasm | jsep | webgpu) with
 * `threads` WASM threads, then answers commands from the page:
 *   { op: 'info' }                                   → bundle, threads, isolation, WebGPU adapter
 *   { op: 'create', key, url, options }              → creates a session (options: ORT SessionOptions)
 *   { op: 'time', key, batch, warmup, minRuns, maxRuns, budgetMs } → { times: ms[] }
 *   { op: 'warm', key, batch, maxMs }              → runs until V8 has tiered the WASM code up
 *   { op: 'release', key }
 * Each timed run includes making the input tensors and reading the output back, as the app does.
 */
const query = new URLSearchParams(location.search);
const bundleFiles = { wasm: 'ort.wasm.min.mjs', jsep: 'ort.min.mjs', webgpu: 'ort.webgpu.min.mjs' };
const bundle = query.get('bundle') ?? 'wasm';
let ort = null;
const ortReady = import(`/ort/${bundleFiles[bundle]}`).then((module) => {
  ort = module;
  ort.env.wasm.numThreads = Number(query.get('threads') ?? '1');
  ort.env.wasm.wasmPaths = '/ort/';
});
const sessions = new Map();

/** One sample's [C, H, W] from the model's input "x" ([N, C, H, W]); as sampleShapeOf in ../backend.ts. */
function sampleShape(session) {
  const x = session.inputMetadata.find((m) => m.name === 'x');
  const dims = x?.shape?.slice(1) ?? [];
  if (dims.length === 0 || dims.some((d) => typeof d !== 'number' || d <= 0))
    throw new Error(`the model's input "x" has shape [${(x?.shape ?? []).join(', ')}], not [N, C, H, W]`);
  return dims;
}

/** Inputs x (deterministic values in [-1, 1]), t = 0.5, y = class 3, for a batch. */
function feedsFor(session, batch) {
  const feeds = {};
  const shape = sampleShape(session);
  for (const name of session.inputNames) {
    if (name === 'x') {
      const data = new Float32Array(batch * shape.reduce((a, b) => a * b, 1));
      let state = 12345;
      for (let i = 0; i < data.length; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        data[i] = state / 2147483648 - 1;
      }
      feeds.x = new ort.Tensor('float32', data, [batch, ...shape]);
    } else if (name === 't') feeds.t = new ort.Tensor('float32', new Float32Array(batch).fill(0.5), [batch]);
    else if (name === 'y') feeds.y = new ort.Tensor('int64', new BigInt64Array(batch).fill(3n), [batch]);
    else throw new Error(`unexpected model input "${name}" (expected x, t, y)`);
  }
  return feeds;
}

async function runOnce(session, batch) {
  const start = performance.now();
  const outputs = await session.run(feedsFor(session, batch));
  const eps = outputs[session.outputNames[0]];
  const data = await eps.getData(true);
  const elapsed = performance.now() - start;
  const expected = batch * sampleShape(session).reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`output has ${data.length} values, expected ${expected}`);
  return elapsed;
}

async function time({ key, batch, warmup, minRuns, maxRuns, budgetMs }) {
  const session = sessions.get(key);
  if (!session) throw new Error(`no session "${key}"`);
  for (let i = 0; i < warmup; i++) await runOnce(session, batch);
  const times = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < budgetMs)) {
    times.push(await runOnce(session, batch));
  }
  return { times };
}

/**
 * V8 first runs WASM on baseline (Liftoff) code and tiers hot functions up to TurboFan in the
 * background; until then a call is several times slower. Runs batch `batch` for `maxMs` and
 * returns every call's time, the tier-up curve.
 */
async function warm({ key, batch, maxMs }) {
  const session = sessions.get(key);
  if (!session) throw new Error(`no session "${key}"`);
  const times = [];
  const start = performance.now();
  while (times.length === 0 || performance.now() - start < maxMs) times.push(await runOnce(session, batch));
  return { times, elapsedMs: performance.now() - start };
}

async function info() {
  let adapter = null;
  if (navigator.gpu) {
    const found = await navigator.gpu.requestAdapter();
    if (found) {
      const i = found.info ?? {};
      adapter = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unknown';
    }
  }
  return {
    bundle,
    threads: ort.env.wasm.numThreads,
    crossOriginIsolated,
    adapter,
    version: ort.env.versions,
  };
}

async function handle(message) {
  await ortReady;
  switch (message.op) {
    case 'info':
      return info();
    case 'create': {
      const start = performance.now();
      sessions.set(message.key, await ort.InferenceSession.create(message.url, message.options));
      return { createMs: performance.now() - start };
    }
    case 'time':
      return time(message);
    case 'warm':
      return warm(message);
    case 'release':
      await sessions.get(message.key)?.release();
      sessions.delete(message.key);
      return {};
    default:
      throw new Error(`unknown op ${message.op}`);
  }
}

self.onmessage = ({ data }) => {
  handle(data).then(
    (result) => self.postMessage({ id: data.id, ...result }),
    (error) => self.postMessage({ id: data.id, error: String(error?.message ?? error) }),
  );
};
