/**
 * The CPU face of the sampling loop: a SamplingLoop over Float32Arrays (cpuField) whose steps,
 * rewinds and kept frames come back as StepEvents: native coordinates, in fresh arrays the caller
 * may transfer (the CLI uses them directly). The state, the settings and live changes are the
 * loop's own: `runner.loop`.
 */
import { cpuField } from './field-cpu';
import { SamplingLoop, type LoopOptions } from './sampling-loop';
import { stepEvent, type StepEvent } from './step-event';

export type { StepEvent } from './step-event';
export { HISTORY_LENGTH, type LoopOptions, type LoopSettings, type NoiseKeying } from './sampling-loop';

export class CpuRunner {
  readonly loop: SamplingLoop<Float32Array>;

  constructor(options: LoopOptions) {
    this.loop = new SamplingLoop(cpuField(options.batch, options.denoiser.dim), options);
  }

  /** Whether the trajectory has reached its end. */
  get done(): boolean {
    return this.loop.done;
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
