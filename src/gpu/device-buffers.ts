/**
 * Live GPU buffers on a whole device, whoever makes them: onnxruntime-web's WebGPU backend (the
 * weights, its activations and its cache of freed buffers), the GpuFields, the network's input
 * buffers, the view painter's renderers. GpuField.buffersAlive counts only the fields' share; this
 * counts everything, so a leak anywhere on the device shows (the soak, issue 16).
 *
 * `countBuffers(device)` replaces the device's `createBuffer` with one that counts, once per device
 * (a second call changes nothing), and gives every buffer it makes a `destroy` that uncounts it
 * the first time only: a buffer destroyed twice counts once, and destroying a buffer after its
 * device is lost (which WebGPU allows, as a no-op) counts as its destroy, nothing more. Buffers made
 * before the wrap are not counted, and their destroy changes nothing: wrap a device before anyone
 * makes a buffer on it (the engine wraps onnxruntime's as it is created, `src/engine/backend.ts`).
 */

/** Buffers created on a device and not yet destroyed, and their size. */
export interface DeviceBufferCount {
  /** Buffers created and not yet destroyed. */
  deviceBuffers: number;
  /** Their sizes summed, in bytes. */
  deviceBufferBytes: number;
}

const counts = new WeakMap<GPUDevice, DeviceBufferCount>();
/** Counted devices not yet lost: what liveDeviceBuffers() sums. */
const current = new Set<GPUDevice>();

/**
 * Counts every buffer made on `device` from now on until it is destroyed (idempotent per device);
 * returns the device's count now.
 */
export function countBuffers(device: GPUDevice): DeviceBufferCount {
  let count = counts.get(device);
  if (count === undefined) {
    const tally: DeviceBufferCount = { deviceBuffers: 0, deviceBufferBytes: 0 };
    count = tally;
    counts.set(device, tally);
    current.add(device);
    void device.lost.then(() => current.delete(device));
    const create = device.createBuffer.bind(device);
    device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
      const buffer = create(descriptor);
      const size = buffer.size;
      tally.deviceBuffers++;
      tally.deviceBufferBytes += size;
      const destroy = buffer.destroy.bind(buffer);
      let destroyed = false;
      buffer.destroy = (): undefined => {
        if (!destroyed) {
          destroyed = true;
          tally.deviceBuffers--;
          tally.deviceBufferBytes -= size;
        }
        return destroy();
      };
      return buffer;
    };
  }
  return { ...count };
}

/** The count of a device countBuffers wraps, or null for a device it never saw. */
export function deviceBufferCount(device: GPUDevice): DeviceBufferCount | null {
  const count = counts.get(device);
  return count === undefined ? null : { ...count };
}

/**
 * Live buffers on every counted device of this JavaScript realm that is not lost (in the engine
 * worker: onnxruntime's device, shared by the fields and the painter), or null when none is counted.
 */
export function liveDeviceBuffers(): DeviceBufferCount | null {
  if (current.size === 0) return null;
  const sum: DeviceBufferCount = { deviceBuffers: 0, deviceBufferBytes: 0 };
  for (const device of current) {
    const count = counts.get(device)!;
    sum.deviceBuffers += count.deviceBuffers;
    sum.deviceBufferBytes += count.deviceBufferBytes;
  }
  return sum;
}
