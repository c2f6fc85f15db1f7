import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import type { TensorClass } from '../../src/engine/backend';
import {
  chooseEp,
  createSession,
  probeWebGpu,
  softwareAdapterName,
  tensorClassOf,
} from '../../src/engine/backend';
import { onnxNetwork } from '../../src/engine/onnx-network';

async function tinyBytes(): Promise<Uint8Array> {
  const response = await fetch('/test/fixtures/tiny.onnx');
  return new Uint8Array(await response.arrayBuffer());
}

const tinyX = Float32Array.from({ length: 2 * 64 }, (_, k) => Math.sin(k * 0.37));

async function runTiny(session: ort.InferenceSession, Tensor: TensorClass): Promise<Float32Array> {
  const n = 2;
  const feeds = {
    x: new Tensor('float32', tinyX, [n, 1, 8, 8]),
    t: new Tensor('float32', Float32Array.from([0.3, 0.8]), [n]),
    y: new Tensor('int64', BigInt64Array.from([1n, 3n]), [n]),
  };
  const out = await session.run(feeds);
  return (await out.eps.getData(true)) as Float32Array;
}

const hardware = { unavailable: null, software: null };
const swiftShader = { unavailable: null, software: 'SwiftShader' };
const none = { unavailable: 'navigator.gpu missing', software: null };

describe('backend choice', () => {
  it('names software adapters and leaves hardware ones alone', () => {
    // What headless Debian Chromium reports for its SwiftShader adapter.
    expect(
      softwareAdapterName({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }),
    ).toBe('SwiftShader');
    expect(softwareAdapterName({ vendor: 'google', description: 'SwiftShader Device (Subzero)' })).toBe(
      'SwiftShader',
    );
    expect(softwareAdapterName({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(
      'llvmpipe',
    );
    expect(softwareAdapterName({ vendor: 'unknown', isFallbackAdapter: true })).toBe('fallback adapter');
    expect(
      softwareAdapterName({ vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false }),
    ).toBeNull();
    expect(softwareAdapterName({ vendor: 'apple', architecture: 'metal-3' })).toBeNull();
    expect(softwareAdapterName(undefined)).toBeNull();
  });

  it('auto takes WebGPU only on a hardware adapter; explicit choices are obeyed', () => {
    expect(chooseEp('auto', hardware)).toEqual({ ep: 'webgpu', software: null });
    expect(chooseEp('auto', swiftShader)).toEqual({
      ep: 'wasm',
      why: 'WebGPU adapter is software (SwiftShader)',
    });
    expect(chooseEp('auto', { unavailable: null, software: 'fallback adapter' })).toEqual({
      ep: 'wasm',
      why: 'WebGPU adapter is a software fallback',
    });
    expect(chooseEp('auto', none)).toEqual({ ep: 'wasm', why: 'WebGPU unavailable: navigator.gpu missing' });
    expect(chooseEp('webgpu', swiftShader)).toEqual({ ep: 'webgpu', software: 'SwiftShader' });
    expect(chooseEp('webgpu', hardware)).toEqual({ ep: 'webgpu', software: null });
    expect(chooseEp('wasm', hardware)).toEqual({ ep: 'wasm', why: 'WASM requested' });
  });
});

describe('backend', () => {
  it('on this machine (SwiftShader) auto runs WASM and says why', async () => {
    const probe = await probeWebGpu();
    expect(probe).toEqual({ unavailable: null, software: 'SwiftShader' });
    const auto = await createSession(await tinyBytes(), 'auto');
    expect(auto.backend.ep).toBe('wasm');
    expect(auto.backend.reason).toMatch(
      /^WebGPU adapter is software \(SwiftShader\) — using WASM × \d+ threads?$/,
    );
    await auto.session.release();
  });

  it('runs WASM sessions on the plain bundle and WebGPU ones on the default bundle, same output', async () => {
    const bytes = await tinyBytes();
    const wasm = await createSession(bytes, 'wasm');
    expect(wasm.backend.ep).toBe('wasm');
    // The plain build (onnxruntime-web/wasm) has its own onnxruntime-common, hence its own Tensor.
    expect(wasm.Tensor).not.toBe(ort.Tensor);
    expect(tensorClassOf(wasm.session)).toBe(wasm.Tensor);
    const a = await runTiny(wasm.session, wasm.Tensor);
    const gpu = await createSession(bytes, 'webgpu');
    expect(gpu.backend.ep).toBe('webgpu');
    expect(gpu.backend.reason).toContain('software adapter (SwiftShader)');
    expect(gpu.Tensor).toBe(ort.Tensor);
    const b = await runTiny(gpu.session, gpu.Tensor);
    expect(a.length).toBe(128);
    let maxDiff = 0;
    for (let k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
    expect(maxDiff).toBeLessThan(1e-4);

    // onnxNetwork feeds each session with its own bundle's tensors, and gets the same numbers.
    const contract = {
      modelId: 'tiny',
      inputs: { x: 'float32[N,1,8,8]', t: 'float32[N]', y: 'int64[N]' },
      output: 'eps',
      shape: [1, 8, 8],
    };
    const input = { x: tinyX, t: Float32Array.from([0.3, 0.8]), y: BigInt64Array.from([1n, 3n]), batch: 2 };
    expect(Array.from(await onnxNetwork(wasm.session, contract).run(input))).toEqual(Array.from(a));
    expect(Array.from(await onnxNetwork(gpu.session, contract).run(input))).toEqual(Array.from(b));
    await wasm.session.release();
    await gpu.session.release();
  });
});
