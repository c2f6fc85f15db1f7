/**
 * Measures how the memory of one network call grows with the batch: runs models/<id>.onnx in
 * onnxruntime-web's WASM build (as the page's WASM path does, one thread) at growing batches and
 * prints the process's resident memory after each (WASM memory only grows, so each figure is the
 * peak so far). The slope, bytes per input element, sets MAX_RUN_ELEMENTS in
 * src/core/memory-cap.ts. Usage: npx tsx scripts/memory-per-element.ts [model id]
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web/wasm';

const id = process.argv[2] ?? 'mnist';
const card = JSON.parse(readFileSync(`models/${id}.json`, 'utf8')) as { shape: number[] };
const perSample = card.shape.reduce((a, b) => a * b, 1);
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(readFileSync(`models/${id}.onnx`));
const rss = () => process.memoryUsage().rss / 2 ** 20;
const base = rss();
console.log(`model ${id}: ${perSample} elements per sample; inputs ${session.inputNames.join(', ')}`);
console.log('batch\telements\tRSS MiB\tΔ MiB');
let previous: { elements: number; mib: number } | null = null;
for (const batch of [1, 16, 64, 128, 256, 512]) {
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', new Float32Array(batch * perSample), [batch, ...card.shape]),
    t: new ort.Tensor('float32', new Float32Array(batch).fill(0.5), [batch]),
  };
  if (session.inputNames.includes('y')) feeds.y = new ort.Tensor('int64', new BigInt64Array(batch), [batch]);
  await session.run(feeds);
  const mib = rss();
  const elements = batch * perSample;
  const slope = previous ? ((mib - previous.mib) * 2 ** 20) / (elements - previous.elements) : NaN;
  console.log(
    `${batch}\t${elements}\t${mib.toFixed(0)}\t${(mib - base).toFixed(0)}\t${slope.toFixed(0)} B/element`,
  );
  previous = { elements, mib };
}
