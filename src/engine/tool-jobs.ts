/**
 * The controllable-generation tools that run on demand beside a run (issue 13): the encode → decode
 * round trip through the probability-flow ODE, the likelihood in bits/dim, and SDEdit's strip of
 * results at several t₀ from the same noise. Each runs on the CPU path with the run's model and
 * settings, reports progress per network call and stops at the next call once cancelled.
 */
import { decode, encode } from '../core/encode';
import type { Field } from '../core/field';
import { cpuField } from '../core/field-cpu';
import { noisedStart } from '../core/inpaint';
import { bitsPerDim, dequantize, exactDivergence, logLikelihood, probeDivergence } from '../core/likelihood';
import { exactLogDensityMap, odeLogDensityMap } from '../core/density-map';
import { MixtureDenoiser } from '../core/mixture';
import { SamplingLoop, type LoopSettings } from '../core/sampling-loop';
import { asTime, type Denoiser, type SdeConfig, type Sigma } from '../core/types';
import type { LoadedModel } from './model';
import { nextTask, StepCancelled } from './next-task';
import type { ToolJob, ToolResult } from './protocol';

/** The run's settings a job reads. */
export interface JobContext {
  model: LoadedModel;
  settings: Readonly<LoopSettings>;
  classLabel: number | null;
  guidance: number;
  /** The run is GPU-resident: a job that is a run (SDEdit's strip) runs on the GPU too. */
  onGpu?: boolean;
}

/** Progress as a fraction of the job (0 … 1) and the network evaluations so far. */
export type ProgressFn = (fraction: number, nfe: number) => void;

/** Tolerance of the encode/decode and likelihood solves in the page (looser than the CLI's 1e-5). */
export const PAGE_TOLERANCE = 1e-4;

/**
 * A denoiser that counts its calls, reports progress from the σ it is called at (the fraction of
 * the way in ln σ between `from` and `to`, on top of `base` of `share`), and lets queued messages in
 * before each call, throwing StepCancelled once `cancelled()` says so.
 */
class WatchedDenoiser<V = Float32Array> implements Denoiser<V> {
  calls = 0;
  span = { from: 1, to: 1, base: 0, share: 1 };
  constructor(
    private readonly inner: Denoiser<V>,
    private readonly progress: ProgressFn,
    private readonly cancelled: () => boolean,
  ) {}
  get dim(): number {
    return this.inner.dim;
  }
  async denoise(x: V, sigma: Sigma, batch: number): Promise<V> {
    await nextTask();
    if (this.cancelled()) throw new StepCancelled();
    this.calls += 1;
    const { from, to, base, share } = this.span;
    const along = from === to ? 1 : (Math.log(sigma) - Math.log(from)) / (Math.log(to) - Math.log(from));
    this.progress(base + share * Math.min(1, Math.max(0, along)), this.calls);
    return this.inner.denoise(x, sigma, batch);
  }
}

function sdeConfigOf(settings: Readonly<LoopSettings>): SdeConfig {
  return settings.sde.config;
}

/** Runs one job to its result; throws StepCancelled when cancelled. */
export async function runToolJob(
  ctx: JobContext,
  job: ToolJob,
  progress: ProgressFn,
  cancelled: () => boolean,
): Promise<ToolResult> {
  const { model, settings } = ctx;
  const inner = model.denoiser(ctx.classLabel, ctx.guidance);
  const dim = inner.dim;
  if (job.kind === 'likelihoodMap') return likelihoodMap(ctx, inner, job, progress, cancelled);
  if (job.data.length === 0 || job.data.length % dim !== 0) {
    throw new Error(
      `The tool got ${job.data.length} values, not whole samples of ${dim}: draw or upload again.`,
    );
  }
  const batch = job.data.length / dim;
  const watched = new WatchedDenoiser(inner, progress, cancelled);
  const sde = settings.sde;
  const sigmaMin = sde.sigma(sde.tEnd);
  const sigmaMax = sde.sigma(asTime(1));
  const field = cpuField(batch, dim);
  switch (job.kind) {
    case 'roundTrip': {
      const solver = { method: 'ode_rk45' as const, rtol: PAGE_TOLERANCE, atol: PAGE_TOLERANCE };
      watched.span = { from: sigmaMin, to: sigmaMax, base: 0, share: 0.5 };
      const enc = await encode(field, watched, job.data, sdeConfigOf(settings), solver);
      watched.span = { from: sigmaMax, to: sigmaMin, base: 0.5, share: 0.5 };
      const dec = await decode(field, watched, enc.latent, {
        sde: sdeConfigOf(settings),
        samplerId: 'ode_rk45',
        steps: settings.steps,
        schedule: settings.schedule,
        params: { rtol: PAGE_TOLERANCE, atol: PAGE_TOLERANCE },
      });
      let sum = 0;
      let max = 0;
      dec.xTilde.forEach((v, e) => {
        const d = Math.abs(v - job.data[e]);
        sum += d * d;
        max = Math.max(max, d);
      });
      return {
        kind: 'roundTrip',
        rmse: Math.sqrt(sum / job.data.length),
        maxError: max,
        nfeEncode: enc.nfe,
        nfeDecode: dec.nfe,
        decoded: Float32Array.from(dec.xTilde),
      };
    }
    case 'likelihood': {
      const { card } = model;
      const image = card.task === 'image';
      const data = image ? dequantize(job.data, card.range, settings.seed) : job.data;
      const exact = inner instanceof MixtureDenoiser;
      const divergence = exact
        ? exactDivergence(inner, batch)
        : probeDivergence(field, watched, { kind: 'rademacher', count: job.probes, seed: settings.seed });
      watched.span = { from: sigmaMin, to: sigmaMax, base: 0, share: 1 };
      const result = await logLikelihood(field, watched, data, divergence, {
        sde: sdeConfigOf(settings),
        solver: { method: 'rk45', rtol: PAGE_TOLERANCE, atol: PAGE_TOLERANCE },
      });
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
        tolerance: PAGE_TOLERANCE,
      };
    }
    case 'sdeditStrip': {
      if (ctx.onGpu && model.gpu) {
        // Runs with a start are what the GPU path does: the strip stays on the GPU like its run.
        const gpu = model.gpu(batch, ctx.classLabel, ctx.guidance, { graphCapture: false });
        try {
          const onGpu = new WatchedDenoiser(gpu.denoiser, progress, cancelled);
          return await sdeditStrip(gpu.field, onGpu, job, ctx, true);
        } finally {
          gpu.destroy();
        }
      }
      return sdeditStrip(field, watched, job, ctx, false);
    }
  }
}

/**
 * A 2D model's log-density map by the PF-ODE (every cell one sample of one solve), and beside it
 * the closed form when the model is an exact mixture. Progress runs along ln σ from σ(ε) to σ(1).
 */
async function likelihoodMap(
  ctx: JobContext,
  inner: Denoiser,
  job: Extract<ToolJob, { kind: 'likelihoodMap' }>,
  progress: ProgressFn,
  cancelled: () => boolean,
): Promise<ToolResult> {
  const { model, settings } = ctx;
  if (model.card.task !== 'points') {
    throw new Error('A log-density map is drawn for 2D models: choose a 2D model, or score images instead.');
  }
  const sde = settings.sde;
  const watched = new WatchedDenoiser(inner, progress, cancelled);
  watched.span = { from: sde.sigma(sde.tEnd), to: sde.sigma(asTime(1)), base: 0, share: 1 };
  const mixture = inner instanceof MixtureDenoiser ? inner : undefined;
  const bounds = model.card.range;
  const map = await odeLogDensityMap(watched, bounds, job.cells, {
    sde: sdeConfigOf(settings),
    solver: { method: 'rk45', rtol: PAGE_TOLERANCE, atol: PAGE_TOLERANCE },
    probes: { kind: 'rademacher', count: job.probes, seed: settings.seed },
    mixture,
  });
  const exact = mixture ? exactLogDensityMap(mixture, bounds, job.cells, sdeConfigOf(settings)) : null;
  return {
    kind: 'likelihoodMap',
    cells: job.cells,
    bounds: [bounds[0], bounds[1]],
    logp: Array.from(map.logp),
    stdErr: Array.from(map.stdErr),
    exactLogp: exact ? Array.from(exact.logp) : null,
    maxGap: exact ? Math.max(...map.logp.map((v, k) => Math.abs(v - exact.logp[k]))) : null,
    nfe: watched.calls,
    probes: map.exact ? 0 : job.probes,
    tolerance: PAGE_TOLERANCE,
  };
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
    watched.span = {
      from: start.sigma,
      to: sigmaMin,
      base: k / job.t0s.length,
      share: 1 / job.t0s.length,
    };
    loop.startFrom(start.xTilde, start.sigma);
    while (!loop.done) await loop.step();
    images.push(Float32Array.from(await field.read(loop.xTilde)));
    nfe += loop.nfeTotal;
  }
  const out = new Float32Array(images.length * job.data.length);
  images.forEach((img, k) => out.set(img, k * job.data.length));
  return { kind: 'sdeditStrip', t0s: [...job.t0s], images: out, nfe, onGpu };
}
