/**
 * The step total through live swaps: Steps is a promise to the user (the counter reads "step k /
 * Steps", the Timeline ends there, the export is named by it), so after a swap at step k the run
 * takes exactly Steps − k more steps from the current σ to the end, whatever the new SDE or
 * sampler. Issue: switching VP → VE at step 20 of 100 used to give "step 103 / 101".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { denoiserForCard } from '../../src/core/denoiser';
import { CpuRunner, type LoopOptions, type StepEvent } from '../../src/core/cpu-runner';
import { sdeForModel } from '../../src/core/sde';
import type { SdeKind } from '../../src/core/types';

const ring8 = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'models/ring8.json');
const denoiser = denoiserForCard(ring8);
const STEPS = 100;

function runner(overrides: Partial<LoopOptions> = {}): CpuRunner {
  return new CpuRunner({
    denoiser,
    sde: ring8.sde,
    schedule: 'uniform',
    steps: STEPS,
    samplerId: 'euler_maruyama',
    seed: 5,
    batch: 4,
    denoiseFinal: true,
    ...overrides,
  });
}

async function stepTo(r: CpuRunner, k: number): Promise<void> {
  while (r.loop.framesSoFar < k) await r.step();
}

async function runToEnd(r: CpuRunner): Promise<StepEvent[]> {
  const events: StepEvent[] = [];
  while (!r.done) events.push(await r.step());
  return events;
}

const sdeOf = (kind: SdeKind) => sdeForModel(kind, ring8.sde);

describe('the step total after a live swap', () => {
  for (const samplerId of ['euler_maruyama', 'pc']) {
    it(`${samplerId}: VP → VE at step 20 of ${STEPS} ends at step ${STEPS} (+ the final denoising)`, async () => {
      const r = runner({ samplerId });
      await stepTo(r, 20);
      const sigma = r.loop.sigma;
      r.loop.setSde(sdeOf('ve'));
      // The remaining grid: Steps − k points below the current σ, down to the end.
      expect(r.loop.settings.sigmas.filter((g) => g < sigma)).toHaveLength(STEPS - 20);
      const events = await runToEnd(r);
      expect(events.map((e) => e.i)).toEqual(Array.from({ length: STEPS - 20 + 1 }, (_, j) => 21 + j));
      const last = events.at(-1) as StepEvent;
      expect(last.sigma).toBe(0);
      expect(last.done).toBe(true);
      // σ falls at every step: no step was spent going back up or standing still.
      for (let j = 1; j < events.length; j++) expect(events[j].sigma).toBeLessThan(events[j - 1].sigma);
    });
  }

  it('VE → sub-VP → VP, swapping at steps 10 and 60, still ends at Steps', async () => {
    const r = runner({ sde: sdeOf('ve') });
    await stepTo(r, 10);
    r.loop.setSde(sdeOf('subvp'));
    await stepTo(r, 60);
    r.loop.setSde(sdeOf('vp'));
    const last = (await runToEnd(r)).at(-1) as StepEvent;
    expect(last.i).toBe(STEPS + 1);
  });

  it('a rewind to before the swap and a new branch still end at Steps', async () => {
    const r = runner();
    await stepTo(r, 30);
    r.loop.setSde(sdeOf('ve'));
    await stepTo(r, 40);
    r.seek(12);
    const events = await runToEnd(r);
    expect(events[0].i).toBe(13);
    expect((events.at(-1) as StepEvent).i).toBe(STEPS + 1);
    for (let j = 1; j < events.length; j++) expect(events[j].sigma).toBeLessThan(events[j - 1].sigma);
  });

  it('a sampler swap after the adaptive RK45 (off the grid) takes the remaining Steps − k steps', async () => {
    const r = runner({ samplerId: 'ode_rk45' });
    // RK45 picks its own steps: by step 6 it is at σ ≈ 21, where 79 grid points are left, not 94.
    await stepTo(r, 6);
    r.loop.setSampler('euler_maruyama');
    const last = (await runToEnd(r)).at(-1) as StepEvent;
    expect(last.i).toBe(STEPS + 1);
  });

  it('a plain sampler swap on the grid keeps the grid itself (the swap replays bit for bit)', async () => {
    const r = runner();
    const before = [...r.loop.settings.sigmas];
    await stepTo(r, 25);
    r.loop.setSampler('dpmpp_2m');
    expect([...r.loop.settings.sigmas]).toEqual(before);
    r.loop.setSde(sdeOf('vp'));
    expect([...r.loop.settings.sigmas]).toEqual(before);
  });
});
