/**
 * The CPU face of the sampling loop: SamplingLoop over Float32Arrays (cpuField), reporting each step as arrays the
 * page and the CLI can use directly. Event arrays are fresh copies the caller may transfer.
 */
import { cpuField } from './field-cpu';
import { stepEvent, type StepEvent } from './step-event';
import { SamplingLoop, type LoopOptions } from './sampling-loop';

export type { StepEvent } from './step-event';
export { HISTORY_LENGTH, type LoopOptions, type LoopSettings, type NoiseKeying } from './sampling-loop';

export class CpuRunner {
  readonly loop: SamplingLoop<Float32Array>;

  constructor(options: LoopOptions) {
    if (!Number.isInteger(options.batch) || options.batch < 1)
      throw new Error(`Batch ${options.batch} is not usable: use a whole number ≥ 1.`);
    this.loop = new SamplingLoop(cpuField(options.batch, options.denoiser.dim), options);
  }

  get denoiser() {
    return this.loop.denoiser;
  }
  get batch(): number {
    return this.loop.batch;
  }
  get dim(): number {
    return this.loop.dim;
  }
  get snapshots() {
    return this.loop.snapshots;
  }
  get settings() {
    return this.loop.settings;
  }
  get steps(): number {
    return this.loop.settings.steps;
  }
  get samplerId(): string {
    return this.loop.settings.sampler.id;
  }
  get denoiseFinal(): boolean {
    return this.loop.settings.denoiseFinal;
  }
  get sigmas() {
    return this.loop.settings.sigmas;
  }
  get sigma() {
    return this.loop.sigma;
  }
  get framesSoFar(): number {
    return this.loop.framesSoFar;
  }
  get xTilde(): Float32Array {
    return this.loop.xTilde;
  }
  get nfeTotal(): number {
    return this.loop.nfeTotal;
  }
  get done(): boolean {
    return this.loop.done;
  }

  setSampler(...args: Parameters<SamplingLoop<Float32Array>['setSampler']>): void {
    this.loop.setSampler(...args);
  }
  setParams(...args: Parameters<SamplingLoop<Float32Array>['setParams']>): void {
    this.loop.setParams(...args);
  }
  setSde(...args: Parameters<SamplingLoop<Float32Array>['setSde']>): void {
    this.loop.setSde(...args);
  }
  setSchedule(...args: Parameters<SamplingLoop<Float32Array>['setSchedule']>): void {
    this.loop.setSchedule(...args);
  }
  setSteps(steps: number): void {
    this.loop.setSteps(steps);
  }
  setDenoiseFinal(on: boolean): void {
    this.loop.setDenoiseFinal(on);
  }
  nextSigma() {
    return this.loop.nextSigma();
  }

  async step(): Promise<StepEvent> {
    return stepEvent(await this.loop.step());
  }
  reset(seed?: number): StepEvent {
    return stepEvent(this.loop.reset(seed));
  }
  seek(k: number): StepEvent {
    return stepEvent(this.loop.seek(k));
  }
  frameAt(k: number): StepEvent | null {
    const report = this.loop.frameAt(k);
    return report ? stepEvent(report) : null;
  }
}
