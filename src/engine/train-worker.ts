/**
 * The training worker (Your own data, issue 15): trains core's MLP (core/mlp/trainer.ts) on the
 * drawn points by denoising score matching, on the CPU, in slices of a few steps so that a Stop
 * gets through. The page creates this worker only when the user first presses Train, so none of
 * the training code loads before.
 *
 * It reports the losses of every slice, and every SNAPSHOT_EVERY steps a snapshot: the current
 * network's score next to the exact empirical score (the optimum of the same objective on the same
 * points) on a grid at the σ the page asked for, and samples of the network drawn with DDIM. When
 * the run stops or ends it posts the EMA weights as an "mlp" points card: a model like any other.
 */
import { CpuRunner } from '../core/cpu-runner';
import { denoiserForCard } from '../core/denoiser';
import { EmpiricalDenoiser } from '../core/empirical';
import { Trainer } from '../core/mlp/trainer';
import { asSigma } from '../core/types';
import { isTrainRequest, type TrainEvent, type TrainRequest, type TrainView } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Steps per slice: between slices the worker reads its messages (a Stop) and reports losses. */
const SLICE = 20;
/** Least time between two progress reports (the page redraws the loss curve on each). */
const REPORT_MS = 250;
/** Steps between snapshots (score grid and samples of the current network). */
export const SNAPSHOT_EVERY = 250;
/** Arrows per side of the snapshot's score grid. */
const GRID_SIDE = 16;
/** Samples per snapshot, and the DDIM steps that draw them (deterministic: one seed for all). */
const SNAPSHOT_SAMPLES = 400;
const SNAPSHOT_STEPS = 25;
const SNAPSHOT_SEED = 3;

export const TRAINED_ID = 'drawing-trained';

function emit(event: TrainEvent): void {
  const buffers: Transferable[] = [];
  if (event.type === 'trainProgress') buffers.push(event.losses.buffer);
  if (event.type === 'trainSnapshot')
    buffers.push(event.grid.buffer, event.learned.buffer, event.exact.buffer, event.samples.buffer);
  scope.postMessage(event, buffers);
}

interface Session {
  stop: boolean;
  view: TrainView;
}
let session: Session | null = null;

/** Lets queued messages (Stop, another view) run between slices. */
const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Cell centres of a side × side grid over range², row-major, count × 2. */
function gridPoints(range: [number, number], side: number): Float32Array {
  const [lo, hi] = range;
  const cell = (hi - lo) / side;
  const out = new Float32Array(2 * side * side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const k = r * side + c;
      out[2 * k] = lo + (c + 0.5) * cell;
      out[2 * k + 1] = lo + (r + 0.5) * cell;
    }
  }
  return out;
}

async function snapshot(trainer: Trainer, exact: EmpiricalDenoiser, view: TrainView): Promise<void> {
  const card = await trainer.snapshot({ id: TRAINED_ID, title: 'snapshot' });
  const denoiser = denoiserForCard(card);
  const grid = gridPoints(view.range, GRID_SIDE);
  const count = GRID_SIDE * GRID_SIDE;
  const { sigma } = view;
  const denoised = await denoiser.denoise(grid, asSigma(sigma), count);
  const learned = new Float32Array(grid.length);
  for (let e = 0; e < grid.length; e++) learned[e] = (denoised[e] - grid[e]) / (sigma * sigma);
  const exactScore = Float32Array.from(exact.scoreAt(grid, sigma, count));
  const runner = new CpuRunner({
    denoiser,
    sde: card.sde,
    schedule: 'uniform',
    steps: SNAPSHOT_STEPS,
    samplerId: 'ddim',
    params: {},
    seed: SNAPSHOT_SEED,
    batch: SNAPSHOT_SAMPLES,
    denoiseFinal: true,
    snapshotBudgetBytes: 1024 * 1024,
  });
  while (!runner.done) await runner.step();
  emit({
    type: 'trainSnapshot',
    step: trainer.stepsDone,
    sigma,
    side: GRID_SIDE,
    grid,
    learned,
    exact: exactScore,
    samples: Float32Array.from(runner.loop.xTilde),
  });
}

async function train(request: Extract<TrainRequest, { type: 'train' }>): Promise<void> {
  const own: Session = { stop: false, view: request.view };
  session = own;
  const started = performance.now();
  const trainer = Trainer.create(request.points, 2, { steps: request.steps, seed: request.seed });
  const exact = new EmpiricalDenoiser(request.points, 2);
  let nextSnapshot = SNAPSHOT_EVERY;
  let pending: number[] = [];
  let reported = performance.now();
  const report = () => {
    emit({
      type: 'trainProgress',
      step: trainer.stepsDone,
      steps: request.steps,
      losses: Float32Array.from(pending),
      elapsedMs: performance.now() - started,
    });
    pending = [];
    reported = performance.now();
  };
  while (!own.stop && trainer.stepsDone < request.steps) {
    const losses = await trainer.step(Math.min(SLICE, request.steps - trainer.stepsDone));
    pending.push(...losses);
    const snapshotDue = trainer.stepsDone >= nextSnapshot;
    if (snapshotDue || performance.now() - reported >= REPORT_MS) report();
    if (snapshotDue) {
      await snapshot(trainer, exact, own.view);
      nextSnapshot += SNAPSHOT_EVERY;
    }
    await yieldToMessages();
  }
  if (pending.length > 0) report();
  const card = await trainer.snapshot({
    id: TRAINED_ID,
    title: 'Your drawing, trained network',
    description: `A ${trainer.architecture.width}-wide MLP trained in the page on ${trainer.count} drawn points.`,
    range: request.view.range,
    train: { source: 'drawn in the page' },
  });
  if (session === own) session = null;
  emit({
    type: 'trained',
    step: trainer.stepsDone,
    elapsedMs: performance.now() - started,
    card: card as unknown as Record<string, unknown>,
  });
}

scope.onmessage = (event: MessageEvent<unknown>) => {
  const request = event.data;
  if (!isTrainRequest(request)) {
    emit({
      type: 'trainError',
      message: 'The training worker received a malformed request. Reload the page.',
    });
    return;
  }
  switch (request.type) {
    case 'train':
      if (session !== null) session.stop = true;
      train(request).catch((e: unknown) => {
        session = null;
        const message = e instanceof Error ? e.message : String(e);
        emit({ type: 'trainError', message: `Training stopped: ${message}` });
      });
      return;
    case 'trainView':
      if (session !== null) session.view = request.view;
      return;
    case 'stopTraining':
      if (session !== null) session.stop = true;
      return;
  }
};
