/**
 * Compare mode on the GPU: panes' network calls meet at one CallGate (src/core/call-gate.ts) and go
 * out together, their inputs never leaving the device. A GpuNetworkFn already evaluates a list of
 * field vectors as one batch, so joining requests is joining their lists (the network copies them
 * into its input buffer); each output vector is copied into the requesting pane's own field, since
 * every pane's loop frees its field's unused vectors after each step.
 *
 * A GpuNetworkFn takes one t for the whole call, so requests at different noise levels (panes on
 * different grids, Heun's second evaluation next to another pane's first) go out as one call per
 * distinct t, in the order they arrived. Panes on one grid share every call.
 */
import { CallGate } from '../core/call-gate';
import type { GpuNetworkFn } from './gpu-denoiser';
import type { GpuField } from './gpu-field';

export interface GpuNetworkRequest {
  pane: number;
  inputs: readonly GPUBuffer[];
  t: number;
  labels: number[] | null;
}

/**
 * @param network one call of the shared network; its outputs are vectors of `networkField`, which
 *   the gate frees after copying them out (the field must serve nothing else);
 * @param paneFields each pane's field (all of one batch × dim).
 */
export function gpuNetworkGate(
  network: GpuNetworkFn,
  networkField: GpuField,
  paneFields: readonly GpuField[],
): { gate: CallGate<GpuNetworkRequest, GPUBuffer[]>; forPane: (pane: number) => GpuNetworkFn } {
  for (const field of paneFields) {
    if (field.batch !== networkField.batch || field.dim !== networkField.dim) {
      throw new Error(
        `A pane's field is ${field.batch} × ${field.dim}, the network's ${networkField.batch} × ${networkField.dim}.`,
      );
    }
  }
  const gate = new CallGate<GpuNetworkRequest, GPUBuffer[]>(
    async (requests) => {
      const results: GPUBuffer[][] = new Array<GPUBuffer[]>(requests.length);
      const times = [...new Set(requests.map((r) => r.t))];
      try {
        for (const t of times) {
          const group = requests.flatMap((r, k) => (r.t === t ? [k] : []));
          const labelled = group.filter((k) => requests[k].labels !== null).length;
          if (labelled !== 0 && labelled !== group.length) {
            throw new Error('Panes sharing one network call must all give class labels, or none.');
          }
          const inputs = group.flatMap((k) => requests[k].inputs);
          const labels = labelled ? group.flatMap((k) => requests[k].labels as number[]) : null;
          const outputs = await network(inputs, t, labels);
          let at = 0;
          for (const k of group) {
            const { pane, inputs: own } = requests[k];
            results[k] = outputs.slice(at, at + own.length).map((out) => paneFields[pane].copyOf(out));
            at += own.length;
          }
        }
      } finally {
        // The copies are queued before any later write to these buffers, so they may be reused.
        networkField.collect([]);
      }
      return results;
    },
    (r) => r.inputs.length * networkField.batch,
  );
  return {
    gate,
    forPane: (pane) => (inputs, t, labels) => gate.request(pane, { pane, inputs, t, labels }),
  };
}
