/**
 * The ONNX network as core's NetworkFn, wrapped by core's NetworkDenoiser — the same wrapping the
 * CLI uses, so the browser and Node sample the same numbers.
 */
import type { ModelCard } from '../core/card';
import { NetworkDenoiser, type NetworkFn } from '../core/denoiser';
import type { Denoiser } from '../core/types';
import type { OnnxNetwork } from './onnx-network';

export function networkFn(network: OnnxNetwork): NetworkFn {
  return (x, t, y, batch) => network.run({ x, t, y, batch });
}

/**
 * A denoiser with the class and core's guidance weight bound (w = 1: conditional alone; a null
 * class gives the unconditional model through the card's null class).
 */
export function networkDenoiser(
  card: ModelCard,
  network: OnnxNetwork,
  classLabel: number | null,
  guidance: number,
): Denoiser {
  const classLabels = classLabel === null || !card.classes ? undefined : classLabel;
  return new NetworkDenoiser(networkFn(network), card, { classLabels, guidance });
}
