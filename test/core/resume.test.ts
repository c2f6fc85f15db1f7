/**
 * Resuming a run from a frame (faults, issue 16): a fresh loop given the resume point of step j
 * (read back to arrays, as the page holds it) takes the same steps as the loop it came from, to the
 * bit, for every sampler, across live swaps that refit the σ grid, for a run started mid-way
 * (SDEdit, "Reverse from here") and with inpainting. Dropping what the point carries beyond the
 * state (the history, the refitted grid) makes the continuation differ, so each part is needed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { denoiserForCard } from '../../src/core/denoiser';
import { CpuRunner, type LoopOptions, type StepEvent } from '../../src/core/cpu-runner';
import { readResumePoint, uploadResumePoint, type ResumePoint } from '../../src/core/resume';
import { samplerIds } from '../../src/core/samplers/registry';
import { sdeForModel } from '../../src/core/sde';
import { asSigma } from '../../src/core/types';

const ring8 = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'models/ring8.json');
const denoiser = denoiserForCard(ring8);
const BATCH = 6;

const options = (overrides: Partial<LoopOptions> = {}): LoopOptions => ({
  denoiser,
  sde: ring8.sde,
  schedule: 'uniform',
  steps: 12,
  samplerId: 'euler_maruyama',
  seed: 11,
  batch: BATCH,
  denoiseFinal: true,
  ...overrides,
});

/** A live change, applied to a runner as the engine applies one between steps. */
type Change = (r: CpuRunner) => void;

interface Scenario {
  options: LoopOptions;
  /** Set up before the first step (a start mid-way, inpainting) on the original loop only. */
  setup?: (r: CpuRunner) => void;
  /** Setup a resumed loop needs too (inpainting conditions every step; a start point does not). */
  setupBoth?: (r: CpuRunner) => void;
  /** Changes applied just before the step with this (1-based) number. */
  changes?: Map<number, Change[]>;
}

/** The original run: every step's event, and the resume point of every step, read back. */
async function original(s: Scenario): Promise<{ events: StepEvent[]; points: ResumePoint[] }> {
  const r = new CpuRunner(s.options);
  s.setupBoth?.(r);
  s.setup?.(r);
  const events: StepEvent[] = [];
  const points = [await readResumePoint(r.loop.field, r.loop.resumePoint())];
  for (let step = 1; !r.done; step++) {
    for (const change of s.changes?.get(step) ?? []) change(r);
    events.push(await r.step());
    points.push(await readResumePoint(r.loop.field, r.loop.resumePoint()));
  }
  return { events, points };
}

/**
 * A fresh loop resumed at `point`, run to the end: the changes in force when its step was computed
 * are applied first, those made before the next step after it (as the engine replays a recipe).
 */
async function resumed(s: Scenario, point: ResumePoint): Promise<StepEvent[]> {
  const r = new CpuRunner(s.options);
  s.setupBoth?.(r);
  const apply = (step: number) => {
    for (const change of s.changes?.get(step) ?? []) change(r);
  };
  for (let step = 1; step <= point.i; step++) apply(step);
  r.loop.resumeAt(await uploadResumePoint(r.loop.field, point));
  const events: StepEvent[] = [];
  for (let step = point.i + 1; !r.done; step++) {
    apply(step);
    events.push(await r.step());
  }
  return events;
}

const plain = (e: StepEvent) => ({ i: e.i, sigma: e.sigma, nfeTotal: e.nfeTotal, x: Array.from(e.x) });

async function expectSameFrom(s: Scenario, at: readonly number[]): Promise<void> {
  const { events, points } = await original(s);
  for (const j of at) {
    const after = await resumed(s, points[j]);
    expect(after.map(plain), `resumed at step ${j}`).toEqual(events.slice(j).map(plain));
  }
}

describe('a loop resumed from a resume point', () => {
  for (const samplerId of samplerIds) {
    it(`${samplerId}: takes the same steps as the run it came from, to the bit`, async () => {
      await expectSameFrom({ options: options({ samplerId }) }, [0, 1, 2, 7, 12]);
    });
  }

  it('across live swaps that refit the grid: VP → VE, RK45 off the grid, DPM-Solver++(2M) reading the history', async () => {
    const changes = new Map<number, Change[]>([
      [4, [(r) => r.loop.setSampler('dpmpp_2m')]],
      [6, [(r) => r.loop.setSde(sdeForModel('ve', ring8.sde))]],
      [8, [(r) => r.loop.setSampler('ode_rk45', { rtol: 1e-3, atol: 1e-3 })]],
      [10, [(r) => r.loop.setSampler('dpmpp_2m')]],
    ]);
    await expectSameFrom({ options: options({ steps: 14 }), changes }, [3, 5, 7, 9, 10, 11]);
  });

  it('a run started mid-way (startFrom) resumes without starting mid-way again', async () => {
    const setup = (r: CpuRunner) => {
      const start = new Float32Array(BATCH * 2).map((_, k) => Math.sin(k));
      r.loop.startFrom(r.loop.field.upload(start), asSigma(0.4));
    };
    await expectSameFrom({ options: options({ samplerId: 'ancestral', steps: 60 }), setup }, [0, 3, 6]);
  });

  it('inpainting with RePaint passes', async () => {
    const setupBoth = (r: CpuRunner) => {
      const known = new Float32Array(BATCH * 2).fill(0.5);
      const mask = new Float32Array(BATCH * 2).map((_, k) => k % 2);
      r.loop.setInpainting({
        known: r.loop.field.upload(known),
        mask: r.loop.field.upload(mask),
        resample: 2,
      });
    };
    await expectSameFrom({ options: options(), setupBoth }, [0, 4, 11]);
  });

  it('needs what the point carries beyond the state: the history and the refitted grid', async () => {
    const changes = new Map<number, Change[]>([
      [3, [(r) => r.loop.setSampler('dpmpp_2m')]],
      [6, [(r) => r.loop.setSde(sdeForModel('ve', ring8.sde))]],
    ]);
    const s: Scenario = { options: options({ steps: 14 }), changes };
    const { events, points } = await original(s);
    const noHistory = await resumed(s, { ...points[4], history: [] });
    expect(noHistory[0].x).not.toEqual(events[4].x);
    // After the swap to VE the grid is refitted from σ at step 5; the settings' own grid differs.
    const r = new CpuRunner(s.options);
    r.loop.setSde(sdeForModel('ve', ring8.sde));
    const ownGrid = await resumed(s, { ...points[8], sigmas: [...r.loop.settings.sigmas] });
    expect(ownGrid.map((e) => e.sigma)).not.toEqual(events.slice(8).map((e) => e.sigma));
  });

  it('refuses a point that cannot be a state of the run, saying what is wrong', async () => {
    const { points } = await original({ options: options() });
    const r = new CpuRunner(options());
    await expect(
      uploadResumePoint(r.loop.field, { ...points[3], xTilde: new Float32Array(5) }),
    ).rejects.toThrow('holds 5 values where the run has 12');
    await expect(uploadResumePoint(r.loop.field, { ...points[3], sigmas: [1, 2] })).rejects.toThrow(
      'σ grid is not a descending list',
    );
    expect(() =>
      r.loop.resumeAt({ ...points[3], i: -1, xTilde: r.loop.xTilde, denoised: null, history: [] }),
    ).toThrow('step -1 is not a whole number');
  });
});
