import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { createSession } from '../../src/engine/backend';

async function tinyBytes(): Promise<Uint8Array> {
  const response = await fetch('/test/fixtures/tiny.onnx');
  return new Uint8Array(await response.arrayBuffer());
}

async function runTiny(session: ort.InferenceSession): Promise<Float32Array> {
  const n = 2;
  const x = Float32Array.from({ length: n * 64 }, (_, k) => Math.sin(k * 0.37));
  const feeds = {
    x: new ort.Tensor('float32', x, [n, 1, 8, 8]),
    t: new ort.Tensor('float32', Float32Array.from([0.3, 0.8]), [n]),
    y: new ort.Tensor('int64', BigInt64Array.from([1n, 3n]), [n]),
  };
  const out = await session.run(feeds);
  return out.eps.data as Float32Array;
}

describe('backend', () => {
  it('runs the tiny model on WASM and on WebGPU with the same output', async () => {
    const bytes = await tinyBytes();
    const wasm = await createSession(bytes, 'wasm');
    expect(wasm.backend.ep).toBe('wasm');
    const a = await runTiny(wasm.session);
    const gpu = await createSession(bytes, 'webgpu');
    expect(gpu.backend.ep).toBe('webgpu');
    const b = await runTiny(gpu.session);
    expect(a.length).toBe(128);
    let maxDiff = 0;
    for (let k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
