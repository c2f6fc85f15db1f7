/**
 * The controllable-generation tools that run on demand beside a run (issue 13): the encode → decode
 * round trip through the probability-flow ODE, latent interpolation, the 2D flow map, the likelihood
 * in bits/dim and the 2D log-density map, and SDEdit's strip of results at several t₀ from the same
 * noise. Each runs with the run's model and settings where the run's vectors live: GPU-resident
 * beside a GPU-resident run (fields of its own, freed afterwards), else on the CPU path. Each
 * reports progress per network call and stops at the next call once cancelled.
 */
import { interpolate, roundTrip, type RoundTripOptions } from '../core/encode';
import type { Field } from '../core/field';
import { cpuField } from '../core/field-cpu';
import { noisedStart } from '../core/inpaint';
import {
  bitsPerDim,
  dequantize,
  exactDivergence,
  logLikelihood,
  probeDivergence,
  type Likelihood,
} from '../core/likelihood';
import {
  exactLogDensityMap,
  odeLogDensityMap,
  odeLogDensityMapOn,
  type DensityMap,
} from '../core/density-map';
import { checkFlowGrid, flowGrid } from '../core/flow-map';
import { MixtureDenoiser } from '../core/mixture';
import { SamplingLoop, type LoopSettings } from '../core/sampling-loop';
import { asTime, type Denoiser, type SdeConfig, type Sigma } from '../core/types';
import type { LoadedModel } from './model';
import { nextTask, StepCancelled } from './next-task';
import { chosenExamples } from './forward-data';
import type { InterpolationEnd, ToolJob, ToolResult } from './protocol';

/** The run's settings a job reads. */
export interface JobContext {
  model: LoadedModel;
  settings: Readonly<LoopSettings>;
  classLabel: number | null;
  guidance: number;
  /** The run is GPU-resident: its jobs run GPU-resident too (exact mixtures have no GPU path). */
  onGpu?: boolean;
}

/** Progress as a fraction of the job (0 … 1) and the network evaluations so far. */
export type ProgressFn = (fraction: number, nfe: number) => void;

/** Tolerance of the encode/decode and likelihood solves in the page (looser than the CLI's 1e-5). */
export const PAGE_TOLERANCE = 1e-4;

/** Where progress stands: a fraction of the way in ln σ from `from` to `to`, on `base` of `share`. */
interface Span {
  from: number;
  to: number;
  base: number;
  share: number;
}

/** Network calls of one job, over every field it uses. */
interface Counter {
  calls: number;
}

/**
 * A denoiser that counts its calls, reports progress from the σ it is called at (along `span`),
 * and lets queued messages in before each call, throwing StepCancelled once `cancelled()` says so.
 */
class WatchedDenoiser<V = Float32Array> implements Denoiser<V> {
  constructor(
    private readonly inner: Denoiser<V>,
    private readonly progress: ProgressFn,
    private readonly cancelled: () => boolean,
    private readonly counter: Counter,
    private readonly span: Readonly<Span>,
  ) {}
  get dim(): number {
    return this.inner.dim;
  }
  async denoise(x: V, sigma: Sigma, batch: number): Promise<V> {
    await nextTask();
    if (this.cancelled()) throw new StepCancelled();
    this.counter.calls += 1;
    const { from, to, base, share } = this.span;
    const along = from === to ? 1 : (Math.log(sigma) - Math.log(from)) / (Math.log(to) - Math.log(from));
    this.progress(base + share * Math.min(1, Math.max(0, along)), this.counter.calls);
    return this.inner.denoise(x, sigma, batch);
  }
}

function sdeConfigOf(settings: Readonly<LoopSettings>): SdeConfig {
  return settings.sde.config;
}

/** A job's vectors and network: GPU-resident beside a GPU-resident run, else CPU arrays. */
type OnField = <V>(
  on: { field: Field<V>; denoiser: WatchedDenoiser<V> },
  onGpu: boolean,
) => Promise<ToolResult>;

/**
 * Runs `body` on a field of `batch` samples: GPU buffers (freed afterwards) when the run is
 * GPU-resident and the model has a GPU path, else the CPU path. Every network call is watched
 * (progress, Cancel) and counted on `counter`, which several fields of one job may share.
 */
async function onField(ctx: JobContext, batch: number, watch: Watch, body: OnField): Promise<ToolResult> {
  const { model } = ctx;
  if (ctx.onGpu && model.gpu) {
    const gpu = model.gpu(batch, ctx.classLabel, ctx.guidance, { graphCapture: false });
    try {
      return await body({ field: gpu.field, denoiser: watch(gpu.denoiser) }, true);
    } finally {
      gpu.destroy();
    }
  }
  const inner = model.denoiser(ctx.classLabel, ctx.guidance);
  return body({ field: cpuField(batch, inner.dim), denoiser: watch(inner) }, false);
}

/** Wraps a denoiser so that its calls report progress and stop at Cancel (one counter per job). */
type Watch = <V>(inner: Denoiser<V>) => WatchedDenoiser<V>;

function watcher(progress: ProgressFn, cancelled: () => boolean): { watch: Watch; span: Span } {
  const counter = { calls: 0 };
  const span: Span = { from: 1, to: 1, base: 0, share: 1 };
  return { watch: (inner) => new WatchedDenoiser(inner, progress, cancelled, counter, span), span };
}

/** The solver settings of the encode/decode jobs: RK45 both ways at rtol = atol = `tol`. */
function roundTripOptions(
  settings: Readonly<LoopSettings>,
  tol: number,
  onDecode: () => void,
): RoundTripOptions {
  return {
    sde: sdeConfigOf(settings),
    encoder: { method: 'ode_rk45', rtol: tol, atol: tol },
    decoder: {
      samplerId: 'ode_rk45',
      steps: settings.steps,
      schedule: settings.schedule,
      params: { rtol: tol, atol: tol },
    },
    onDecode,
  };
}

/** Runs one job to its result; throws StepCancelled when cancelled. */
export async function runToolJob(
  ctx: JobContext,
  job: ToolJob,
  progress: ProgressFn,
  cancelled: () => boolean,
): Promise<ToolResult> {
  const { model, settings } = ctx;
  const dim = model.card.shape.reduce((a, b) => a * b, 1);
  const sde = settings.sde;
  const sigmaMin = sde.sigma(sde.tEnd);
  const sigmaMax = sde.sigma(asTime(1));
  const { watch, span } = watcher(progress, cancelled);
  const tol = (job.kind !== 'sdeditStrip' ? job.tolerance : undefined) ?? PAGE_TOLERANCE;
  // Encoding runs up in σ over the first half of the bar, decoding down over the second.
  const upThenDown = () => {
    Object.assign(span, { from: sigmaMin, to: sigmaMax, base: 0, share: 0.5 });
    return () => Object.assign(span, { from: sigmaMax, to: sigmaMin, base: 0.5, share: 0.5 });
  };
  if (job.kind === 'likelihoodMap') return likelihoodMap(ctx, job, tol, watch, span);
  if (job.kind === 'interpolate') {
    const [a, b] = await Promise.all([endOf(ctx, job.from, dim), endOf(ctx, job.to, dim)]);
    const options = roundTripOptions(settings, tol, upThenDown());
    return onField(ctx, 2, watch, (pair, onGpu) =>
      onField(ctx, job.frames, watch, async (strip) => {
        const result = await interpolate(pair, strip, a, b, options);
        const { images, endError, nfeEncode, nfeDecode } = result;
        const ends = new Float32Array(2 * dim);
        ends.set(a);
        ends.set(b, dim);
        return { kind: 'interpolate', images, endError, ends, nfeEncode, nfeDecode, onGpu };
      }),
    );
  }
  if (job.kind === 'flowMap') {
    if (model.card.task !== 'points') {
      throw new Error('A flow map is drawn for 2D models: choose a 2D model, or encode images instead.');
    }
    const layout = { lines: job.lines, perLine: job.perLine };
    checkFlowGrid(layout);
    if (job.points.length % 2 !== 0)
      throw new Error(`The flow map got ${job.points.length} values, not 2D points.`);
    const gridPoints = flowGrid(model.card.range, layout);
    const grid = new Float32Array(gridPoints.length + job.points.length);
    grid.set(gridPoints);
    grid.set(job.points, gridPoints.length);
    const options = roundTripOptions(settings, tol, upThenDown());
    return onField(ctx, grid.length / 2, watch, async (on, onGpu) => {
      const trip = await roundTrip(on, grid, options);
      const { latent, decoded, rmse, maxError, nfeEncode, nfeDecode } = trip;
      const extra = job.points.length / 2;
      return {
        kind: 'flowMap',
        ...layout,
        grid,
        latent,
        decoded,
        extra,
        rmse,
        maxError,
        nfeEncode,
        nfeDecode,
        onGpu,
      };
    });
  }
  if (job.data.length === 0 || job.data.length % dim !== 0) {
    throw new Error(
      `The tool got ${job.data.length} values, not whole samples of ${dim}: draw or upload again.`,
    );
  }
  const batch = job.data.length / dim;
  switch (job.kind) {
    case 'roundTrip': {
      const options = roundTripOptions(settings, tol, upThenDown());
      return onField(ctx, batch, watch, async (on, onGpu) => {
        const trip = await roundTrip(on, job.data, options);
        const { latent, decoded, rmse, maxError, nfeEncode, nfeDecode } = trip;
        return { kind: 'roundTrip', rmse, maxError, nfeEncode, nfeDecode, decoded, latent, onGpu };
      });
    }
    case 'likelihood': {
      const { card } = model;
      const image = card.task === 'image';
      const data = image ? dequantize(job.data, card.range, settings.seed) : job.data;
      Object.assign(span, { from: sigmaMin, to: sigmaMax, base: 0, share: 1 });
      const flow = { sde: sdeConfigOf(settings), solver: { method: 'rk45' as const, rtol: tol, atol: tol } };
      const answer = (result: Likelihood, exact: boolean, onGpu: boolean): ToolResult => {
        const nll = Array.from(result.logp, (l) => -l);
        const stdErr = Array.from(result.stdErr);
        return {
          kind: 'likelihood',
          nll,
          stdErr,
          bpd: image ? nll.map((n) => bitsPerDim(-n, dim, card.range)) : null,
          bpdStdErr: image ? stdErr.map((s) => s / (dim * Math.LN2)) : null,
          nfe: result.nfe,
          probes: exact ? 0 : job.probes,
          exact,
          tolerance: tol,
          onGpu,
        };
      };
      const inner = model.denoiser(ctx.classLabel, ctx.guidance);
      if (inner instanceof MixtureDenoiser) {
        // An exact mixture: the divergence in closed form, on the CPU (mixtures have no GPU path).
        const field = cpuField(batch, dim);
        const result = await logLikelihood(field, watch(inner), data, exactDivergence(inner, batch), flow);
        return answer(result, true, false);
      }
      return onField(ctx, batch, watch, async (on, onGpu) => {
        const { field, denoiser } = on;
        const probes = { kind: 'rademacher' as const, count: job.probes, seed: settings.seed };
        const x = field.upload(data);
        const result = await logLikelihood(field, denoiser, x, probeDivergence(field, denoiser, probes), {
          ...flow,
          retain: () => [x],
        });
        return answer(result, false, onGpu);
      });
    }
    case 'sdeditStrip':
      // Runs with a start are what the GPU path does: the strip stays on the GPU like its run.
      return onField(ctx, batch, watch, (on, onGpu) =>
        sdeditStrip(on.field, on.denoiser, span, job, ctx, onGpu),
      );
  }
}

/** One end of an interpolation as values: given, or real example k of an image model. */
async function endOf(ctx: JobContext, end: InterpolationEnd, dim: number): Promise<Float32Array> {
  if ('data' in end) {
    if (end.data.length !== dim) {
      throw new Error(`An interpolation end has ${end.data.length} values, not one sample of ${dim}.`);
    }
    return end.data;
  }
  if (ctx.model.card.task !== 'image') {
    throw new Error('Real examples are images: interpolate between two of the current samples instead.');
  }
  return (await chosenExamples(ctx.model, [end.example])).images;
}

/**
 * A 2D model's log-density map by the PF-ODE (every cell one sample of one solve), and beside it
 * the closed form when the model is an exact mixture. Progress runs along ln σ from σ(ε) to σ(1).
 */
async function likelihoodMap(
  ctx: JobContext,
  job: Extract<ToolJob, { kind: 'likelihoodMap' }>,
  tol: number,
  watch: Watch,
  span: Span,
): Promise<ToolResult> {
  const { model, settings } = ctx;
  if (model.card.task !== 'points') {
    throw new Error('A log-density map is drawn for 2D models: choose a 2D model, or score images instead.');
  }
  const sde = settings.sde;
  Object.assign(span, { from: sde.sigma(sde.tEnd), to: sde.sigma(asTime(1)), base: 0, share: 1 });
  const inner = model.denoiser(ctx.classLabel, ctx.guidance);
  const mixture = inner instanceof MixtureDenoiser ? inner : undefined;
  const bounds = model.card.range;
  const options = {
    sde: sdeConfigOf(settings),
    solver: { method: 'rk45' as const, rtol: tol, atol: tol },
    probes: { kind: 'rademacher' as const, count: job.probes, seed: settings.seed },
  };
  const exact = mixture ? exactLogDensityMap(mixture, bounds, job.cells, sdeConfigOf(settings)) : null;
  const answer = (map: DensityMap, onGpu: boolean): ToolResult => ({
    kind: 'likelihoodMap',
    cells: job.cells,
    bounds: [bounds[0], bounds[1]],
    logp: Array.from(map.logp),
    stdErr: Array.from(map.stdErr),
    exactLogp: exact ? Array.from(exact.logp) : null,
    maxGap: exact ? Math.max(...map.logp.map((v, k) => Math.abs(v - exact.logp[k]))) : null,
    nfe: map.nfe,
    probes: map.exact ? 0 : job.probes,
    tolerance: tol,
    onGpu,
  });
  if (mixture)
    return answer(await odeLogDensityMap(watch(inner), bounds, job.cells, { ...options, mixture }), false);
  return onField(ctx, job.cells * job.cells, watch, async (on, onGpu) =>
    answer(await odeLogDensityMapOn(on, bounds, job.cells, options), onGpu),
  );
}

/**
 * SDEdit's strip on any field (CPU arrays or GPU buffers): one run per t₀ from the drawing noised
 * there, all with the run's seed (the same observation path and reverse noise), read back at the
 * end. The drawing is uploaded for each run: a loop hands the vectors it does not hold back to its
 * field, and a GPU field reuses them.
 */
async function sdeditStrip<V>(
  field: Field<V>,
  watched: WatchedDenoiser<V>,
  span: Span,
  job: Extract<ToolJob, { kind: 'sdeditStrip' }>,
  ctx: JobContext,
  onGpu: boolean,
): Promise<ToolResult> {
  const { settings } = ctx;
  const sde = settings.sde;
  const sigmaMin = sde.sigma(sde.tEnd);
  const images: Float32Array[] = [];
  let nfe = 0;
  for (const [k, t0] of job.t0s.entries()) {
    const loop = new SamplingLoop(field, {
      denoiser: watched,
      sde: sdeConfigOf(settings),
      schedule: settings.schedule,
      steps: settings.steps,
      samplerId: settings.sampler.id,
      params: settings.params,
      // One seed for every t₀: the same observation path and the same reverse noise.
      seed: settings.seed,
      batch: field.batch,
      denoiseFinal: settings.denoiseFinal,
      noise: settings.noise,
      snapshotBudgetBytes: 1 << 20,
    });
    const start = noisedStart(field, sde, field.upload(job.data), t0, settings.seed);
    Object.assign(span, {
      from: start.sigma,
      to: sigmaMin,
      base: k / job.t0s.length,
      share: 1 / job.t0s.length,
    });
    loop.startFrom(start.xTilde, start.sigma);
    while (!loop.done) await loop.step();
    images.push(Float32Array.from(await field.read(loop.xTilde)));
    nfe += loop.nfeTotal;
  }
  const out = new Float32Array(images.length * job.data.length);
  images.forEach((img, k) => out.set(img, k * job.data.length));
  return { kind: 'sdeditStrip', t0s: [...job.t0s], images: out, nfe, onGpu };
}
