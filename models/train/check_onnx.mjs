// Check an exported ONNX graph against PyTorch's outputs, and optionally measure its latency.
//
//   node models/train/check_onnx.mjs REF.json [--latency]
//
// REF.json (written by export.py): { onnx, inputs: { x|t|y: { dims, data } }, eps: { dims, data } }.
// Prints one JSON line: { maxAbsErr, maxAbs, latencyMs?: { b1, b16 } } (the fastest of the timed
// runs — the least disturbed by other work on a shared machine — onnxruntime-node CPU, 2 intra-op
// threads: what the card records).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

const [refPath, ...flags] = process.argv.slice(2);
if (!refPath) {
  console.error('usage: node models/train/check_onnx.mjs REF.json [--latency]');
  process.exit(2);
}
const ref = JSON.parse(readFileSync(refPath, 'utf8'));
const session = await ort.InferenceSession.create(ref.onnx, { intraOpNumThreads: 2, interOpNumThreads: 1 });

/** A tensor from a {dims, data} record; y (class labels) is int64. */
function toTensor(name, { dims, data }) {
  if (name === 'y') return new ort.Tensor('int64', BigInt64Array.from(data.map((v) => BigInt(v))), dims);
  return new ort.Tensor('float32', Float32Array.from(data), dims);
}

const feeds = Object.fromEntries(
  Object.entries(ref.inputs).map(([name, rec]) => [name, toTensor(name, rec)]),
);
const { eps } = await session.run(feeds);
const want = ref.eps.data;
if (eps.dims.join() !== ref.eps.dims.join()) {
  console.error(`output shape ${eps.dims} differs from PyTorch's ${ref.eps.dims}`);
  process.exit(1);
}
let maxAbsErr = 0;
let maxAbs = 0;
for (let i = 0; i < want.length; i++) {
  maxAbsErr = Math.max(maxAbsErr, Math.abs(eps.data[i] - want[i]));
  maxAbs = Math.max(maxAbs, Math.abs(want[i]));
}
const report = { maxAbsErr, maxAbs };

/** Feeds for a batch of `batch` samples with the reference's per-sample shape. */
function batchFeeds(batch) {
  const out = {};
  for (const [name, rec] of Object.entries(ref.inputs)) {
    const dims = [batch, ...rec.dims.slice(1)];
    const size = dims.reduce((a, b) => a * b, 1);
    const per = size / batch;
    const data = Array.from({ length: size }, (_, i) => rec.data[i % (per * rec.dims[0])]);
    out[name] = toTensor(name, { dims, data });
  }
  return out;
}

async function fastestMs(batch, runs) {
  const f = batchFeeds(batch);
  for (let i = 0; i < 3; i++) await session.run(f);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(f);
    times.push(performance.now() - t0);
  }
  return Math.round(Math.min(...times) * 10) / 10;
}

if (flags.includes('--latency')) {
  report.latencyMs = { b1: await fastestMs(1, 30), b16: await fastestMs(16, 15), threads: 2 };
}
console.log(JSON.stringify(report));
