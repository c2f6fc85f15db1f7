/**
 * The network as a denoiser whose vectors never leave the GPU: the same wrapping as core's
 * NetworkDenoiser (x = s·x̃ at t(σ), x̂₀ = fromInput·x̃ + fromOutput·out, classifier-free guidance
 * D = D_u + w(D_c − D_u)), written as GpuField linear combinations around one batched network call.
 */
import type { ModelCard } from '../core/card';
import {
  checkConditioning,
  denoisedCoefficients,
  guidancePlan,
  networkPoint,
  type ConditioningOptions,
} from '../core/denoiser';
import { makeSde } from '../core/sde';
import type { Denoiser, Sde, Sigma } from '../core/types';
import type { GpuField } from './gpu-field';

/**
 * One network call on the GPU: the inputs (field vectors of batch × dim, in native coordinates)
 * are evaluated as one batch of inputs.length × batch samples at time t with these labels (one
 * per sample, or null for a model without classes); returns one field vector per input.
 */
export type GpuNetworkFn = (
  inputs: readonly GPUBuffer[],
  t: number,
  labels: number[] | null,
) => Promise<GPUBuffer[]>;

export class GpuNetworkDenoiser implements Denoiser<GPUBuffer> {
  readonly dim: number;
  private readonly trained: Sde;

  constructor(
    private readonly field: GpuField,
    private readonly network: GpuNetworkFn,
    private readonly card: ModelCard,
    private conditioning: ConditioningOptions = {},
  ) {
    this.dim = card.shape.reduce((a, b) => a * b, 1);
    if (field.dim !== this.dim) {
      throw new Error(`Model "${card.id}" has ${this.dim} values per sample, the field ${field.dim}.`);
    }
    this.trained = makeSde(card.sde);
    checkConditioning(card, conditioning);
  }

  /** New class and guidance for the calls from now on (a live change mid-run). */
  setConditioning(conditioning: ConditioningOptions): void {
    checkConditioning(this.card, conditioning);
    this.conditioning = conditioning;
  }

  async denoise(xTilde: GPUBuffer, sigma: Sigma, batch: number): Promise<GPUBuffer> {
    if (batch !== this.field.batch) {
      throw new Error(`Denoiser got a batch of ${batch}; its field holds ${this.field.batch}.`);
    }
    const point = networkPoint(this.trained, sigma);
    const { fromInput, fromOutput } = denoisedCoefficients(this.card.parameterization, sigma, point);
    const x = this.field.combine([[point.scale, xTilde]]);
    const plan = guidancePlan(this.card, this.conditioning, batch);
    if (plan.kind === 'single') {
      const [out] = await this.network([x], point.t, plan.labels);
      return this.field.combine([
        [fromInput, xTilde],
        [fromOutput, out],
      ]);
    }
    const [cond, uncond] = await this.network([x, x], point.t, [...plan.labels, ...plan.nullLabels]);
    const w = plan.guidance;
    return this.field.combine([
      [fromInput, xTilde],
      [fromOutput * w, cond],
      [fromOutput * (1 - w), uncond],
    ]);
  }
}
