/**
 * The device-wide buffer count (src/gpu/device-buffers.ts) on a real WebGPU device (SwiftShader in
 * CI): every buffer made on a counted device, by any caller, is counted with its size until its
 * first destroy; a second destroy, a second wrap or a destroy after the device is lost changes
 * nothing more. Each test has its own device and destroys it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  countBuffers,
  deviceBufferCount,
  liveDeviceBuffers,
  type DeviceBufferCount,
} from '../../src/gpu/device-buffers';
import { GpuField } from '../../src/gpu/gpu-field';
import { GridRenderer } from '../../src/gpu/grid-render';

const devices: GPUDevice[] = [];

/** A fresh device; a missing adapter fails the test with this message instead of skipping. */
async function newDevice(): Promise<GPUDevice> {
  if (!navigator.gpu)
    throw new Error('navigator.gpu is missing: these tests need WebGPU (SwiftShader will do).');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() found no WebGPU adapter.');
  const device = await adapter.requestDevice();
  devices.push(device);
  return device;
}

afterEach(async () => {
  for (const device of devices.splice(0)) {
    device.destroy();
    await device.lost;
  }
});

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
const count = (buffers: number, bytes: number): DeviceBufferCount => ({
  deviceBuffers: buffers,
  deviceBufferBytes: bytes,
});

describe('the device-wide buffer count', () => {
  it('counts the buffers of every caller on the device, with their sizes, until each is destroyed', async () => {
    const device = await newDevice();
    expect(deviceBufferCount(device)).toBeNull();
    expect(countBuffers(device)).toEqual(count(0, 0));
    expect(countBuffers(device)).toEqual(count(0, 0)); // a second wrap changes nothing

    // A caller of its own (as onnxruntime is): two buffers.
    const a = device.createBuffer({ size: 256, usage: STORAGE() });
    const b = device.createBuffer({ size: 1024, usage: STORAGE() });
    expect(deviceBufferCount(device)).toEqual(count(2, 1280));

    // A GpuField: the device count grows exactly as the field's own count.
    const fieldBefore = GpuField.buffersAlive;
    const field = new GpuField(device, 2, 8);
    const x = field.upload(new Float32Array(16));
    field.combine([[1, x]]);
    const fieldBuffers = GpuField.buffersAlive - fieldBefore;
    expect(fieldBuffers).toBeGreaterThanOrEqual(8); // six scratch buffers and two vectors
    const withField = deviceBufferCount(device)!;
    expect(withField.deviceBuffers).toBe(2 + fieldBuffers);
    expect(withField.deviceBufferBytes).toBeGreaterThan(1280 + 2 * 2 * 8 * 4);

    // A third caller, the grid renderer: two buffers more.
    const grid = new GridRenderer(device, { batch: 2, shape: [1, 8, 8], range: [-1, 1] });
    expect(deviceBufferCount(device)!.deviceBuffers).toBe(withField.deviceBuffers + 2);
    expect(liveDeviceBuffers()).toEqual(deviceBufferCount(device));

    grid.destroy();
    field.destroy();
    expect(GpuField.buffersAlive).toBe(fieldBefore);
    expect(deviceBufferCount(device)).toEqual(count(2, 1280));
    a.destroy();
    b.destroy();
    expect(deviceBufferCount(device)).toEqual(count(0, 0));
  });

  it('uncounts a buffer once however often it is destroyed', async () => {
    const device = await newDevice();
    countBuffers(device);
    const a = device.createBuffer({ size: 64, usage: STORAGE() });
    const b = device.createBuffer({ size: 128, usage: STORAGE() });
    a.destroy();
    a.destroy();
    a.destroy();
    expect(deviceBufferCount(device)).toEqual(count(1, 128));
    b.destroy();
    b.destroy();
    expect(deviceBufferCount(device)).toEqual(count(0, 0));
  });

  it('counts only buffers made after the wrap', async () => {
    const device = await newDevice();
    const early = device.createBuffer({ size: 64, usage: STORAGE() });
    countBuffers(device);
    const late = device.createBuffer({ size: 32, usage: STORAGE() });
    expect(deviceBufferCount(device)).toEqual(count(1, 32));
    early.destroy();
    expect(deviceBufferCount(device)).toEqual(count(1, 32));
    late.destroy();
    expect(deviceBufferCount(device)).toEqual(count(0, 0));
  });

  it('takes a destroy after the device is lost without throwing, once, and drops the device from the live sum', async () => {
    const device = await newDevice();
    countBuffers(device);
    const buffers = [16, 32, 48].map((size) => device.createBuffer({ size, usage: STORAGE() }));
    const field = new GpuField(device, 1, 4);
    const withField = deviceBufferCount(device)!;
    expect(withField.deviceBuffers).toBeGreaterThan(3);
    expect(liveDeviceBuffers()).toEqual(withField);

    device.destroy();
    const info = await device.lost;
    expect(info.reason).toBe('destroyed');
    expect(liveDeviceBuffers()).toBeNull(); // a lost device's buffers are no longer alive

    expect(() => buffers[0].destroy()).not.toThrow();
    expect(() => buffers[0].destroy()).not.toThrow();
    expect(deviceBufferCount(device)).toEqual(
      count(withField.deviceBuffers - 1, withField.deviceBufferBytes - 16),
    );
    expect(() => field.destroy()).not.toThrow();
    expect(deviceBufferCount(device)).toEqual(count(2, 32 + 48));
    buffers[1].destroy();
    buffers[2].destroy();
    expect(deviceBufferCount(device)).toEqual(count(0, 0));
  });

  it('sums every counted device that is not lost', async () => {
    const [one, two] = [await newDevice(), await newDevice()];
    countBuffers(one);
    countBuffers(two);
    const a = one.createBuffer({ size: 64, usage: STORAGE() });
    two.createBuffer({ size: 96, usage: STORAGE() });
    expect(liveDeviceBuffers()).toEqual(count(2, 160));
    two.destroy();
    await two.lost;
    expect(liveDeviceBuffers()).toEqual(count(1, 64));
    a.destroy();
    expect(liveDeviceBuffers()).toEqual(count(0, 0));
  });
});
