/**
 * The CPU runner: TrajectoryRunner over Float32Arrays (cpuField), reporting each step as arrays the
 * page and the CLI can use directly. Event arrays are fresh copies the caller may transfer.
 */
import { cpuField } from './field-cpu';
import { stepEvent, type StepEvent } from './step-event';
import { TrajectoryRunner, type RunnerOptions } from './trajectory-runner';

export type { StepEvent } from './step-event';
export { HISTORY_LENGTH, type RunnerOptions, type RunnerSettings } from './trajectory-runner';

export class Runner {
  readonly core: TrajectoryRunner<Float32Array>;

  constructor(options: RunnerOptions) {
    if (!Number.isInteger(options.batch) || options.batch < 1)
      throw new Error(`Batch ${options.batch} is not usable: use a whole number ≥ 1.`);
    this.core = new TrajectoryRunner(cpuField(options.batch, options.denoiser.dim), options);
  }

  get denoiser() {
    return this.core.denoiser;
  }
  get batch(): number {
    return this.core.batch;
  }
  get dim(): number {
    return this.core.dim;
  }
  get snapshots() {
    return this.core.snapshots;
  }
  get settings() {
    return this.core.settings;
  }
  get steps(): number {
    return this.core.settings.steps;
  }
  get samplerId(): string {
    return this.core.settings.sampler.id;
  }
  get denoiseFinal(): boolean {
    return this.core.settings.denoiseFinal;
  }
  get sigmas() {
    return this.core.settings.sigmas;
  }
  get sigma() {
    return this.core.sigma;
  }
  get framesSoFar(): number {
    return this.core.framesSoFar;
  }
  get xTilde(): Float32Array {
    return this.core.xTilde;
  }
  get nfeTotal(): number {
    return this.core.nfeTotal;
  }
  get done(): boolean {
    return this.core.done;
  }

  setSampler(...args: Parameters<TrajectoryRunner<Float32Array>['setSampler']>): void {
    this.core.setSampler(...args);
  }
  setParams(...args: Parameters<TrajectoryRunner<Float32Array>['setParams']>): void {
    this.core.setParams(...args);
  }
  setSde(...args: Parameters<TrajectoryRunner<Float32Array>['setSde']>): void {
    this.core.setSde(...args);
  }
  setSchedule(...args: Parameters<TrajectoryRunner<Float32Array>['setSchedule']>): void {
    this.core.setSchedule(...args);
  }
  setSteps(steps: number): void {
    this.core.setSteps(steps);
  }
  setDenoiseFinal(on: boolean): void {
    this.core.setDenoiseFinal(on);
  }
  nextSigma() {
    return this.core.nextSigma();
  }

  async step(): Promise<StepEvent> {
    return stepEvent(await this.core.step());
  }
  reset(seed?: number): StepEvent {
    return stepEvent(this.core.reset(seed));
  }
  seek(k: number): StepEvent {
    return stepEvent(this.core.seek(k));
  }
  frameAt(k: number): StepEvent | null {
    const report = this.core.frameAt(k);
    return report ? stepEvent(report) : null;
  }
}
