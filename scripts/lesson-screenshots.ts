/**
 * Writes docs/lessons/<id>.png: each shipped lesson at its key step, as a projector shows it
 * (1280 × 720), with the step's experiment run to its end and, on a question step, the right answer
 * picked and revealed.
 *
 *   npx tsx scripts/lesson-screenshots.ts                 # every lesson; uses dist/ (built if missing)
 *   npx tsx scripts/lesson-screenshots.ts --only guidance # one lesson
 *
 * The built site is served from a sub-path by the end-to-end tests' static server and driven in
 * Debian's Chromium as every test launches it (test/chromium.ts). Image lessons load MNIST on WASM
 * on a machine without WebGPU: a few minutes on a busy two-core machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Page } from 'playwright';
import type { Lesson, LessonAction } from '../src/shared/lesson-format';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { startStaticServer } from '../test/e2e/static-server';

/** The step (1-based) that shows what each lesson is about. */
export const keySteps: Readonly<Record<string, number>> = {
  'forward-process': 4,
  'score-field': 3,
  'sde-vs-ode': 2,
  'langevin-corrector': 4,
  'vp-subvp-ve': 2,
  'few-step-solvers': 3,
  guidance: 4,
  'one-model-two-stories': 6,
};

const TIMEOUT_MS = Number(option('--timeout') ?? 600) * 1000;

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** The step counter the last play or seek of a list leaves the run at, if any. */
function lastTarget(actions: readonly LessonAction[]): number | null {
  let target: number | null = null;
  for (const a of actions) {
    if ('play' in a) target = a.play;
    if ('seek' in a) target = a.seek;
  }
  return target;
}

async function settle(page: Page, target: number | null): Promise<void> {
  const status = page.getByTestId('run-status');
  await status.filter({ hasText: /^(paused|done)$/ }).waitFor({ timeout: TIMEOUT_MS });
  if (target === null) return;
  const began = Date.now();
  for (;;) {
    const step = Number(await page.getByLabel('Step counter').getAttribute('data-step'));
    const text = await status.textContent();
    if ((step === target || text === 'done') && text !== 'playing') break;
    if (Date.now() - began > TIMEOUT_MS) {
      throw new Error(`The run did not reach step ${target} in time (step ${step}, ${text ?? ''}).`);
    }
    await page.waitForTimeout(250);
  }
  await page.waitForSelector('[aria-label="Step counter"]:not([data-computing])', { timeout: TIMEOUT_MS });
}

/**
 * A Forward step (`dir=forward`) shows the forward process at a time t: the step's `t=`, or k/steps
 * after a play or seek to k (the lesson player's reading of a step in Forward). Null in Reverse.
 */
function forwardTime(hash: string, actions: readonly LessonAction[]): number | null {
  const keys = new URLSearchParams(hash);
  if (keys.get('dir') !== 'forward') return null;
  const target = lastTarget(actions);
  if (target === null) return Number(keys.get('t') ?? 0.5);
  return Math.min(1, target / Number(keys.get('steps') ?? 100));
}

/** Waits until the Forward view shows time t (its frame has arrived). */
async function settleForward(page: Page, t: number): Promise<void> {
  await page.waitForSelector(`[aria-label="Forward time"][data-t="${t}"]`, { timeout: TIMEOUT_MS });
}

async function main(): Promise<void> {
  if (process.argv.includes('--build') || !existsSync('dist/index.html')) {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  }
  const only = option('--only');
  mkdirSync('docs/lessons', { recursive: true });
  const site = await startStaticServer({ root: 'dist', base: '/diffusion/' });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  try {
    for (const [id, k] of Object.entries(keySteps)) {
      if (only !== undefined && only !== id) continue;
      const lesson = JSON.parse(readFileSync(`public/lessons/${id}.json`, 'utf8')) as Lesson;
      const step = lesson.steps[k - 1];
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(`${site.url}#lesson=${id}&lstep=${k}`);
      const region = page.getByRole('region', { name: 'Lesson' });
      await region.getByText(`Step ${k} of ${lesson.steps.length}`).waitFor({ timeout: TIMEOUT_MS });
      const shownAt = forwardTime(step.hash, step.actions ?? []);
      if (shownAt === null) await settle(page, lastTarget(step.actions ?? []));
      else await settleForward(page, shownAt);
      if (step.question !== undefined) {
        await region.getByRole('radio').nth(step.question.answer).check();
        await region.getByRole('button', { name: 'Reveal' }).click();
        const revealAt = forwardTime(step.hash, step.question.actions ?? []);
        if (revealAt === null) await settle(page, lastTarget(step.question.actions ?? []));
        else await settleForward(page, revealAt);
      }
      const note = page.getByTestId('wasm-note');
      if ((await note.count()) > 0)
        await note.getByRole('button', { name: 'Dismiss: Running on WASM' }).click();
      await page.mouse.move(0, 0);
      const out = `docs/lessons/${id}.png`;
      await page.screenshot({ path: out });
      const where =
        shownAt === null
          ? `run step ${await page.getByLabel('Step counter').getAttribute('data-step')}`
          : `forward t = ${await page.getByLabel('Forward time').getAttribute('data-t')}`;
      console.log(`Wrote ${out} (lesson step ${k}, ${where}).`);
      await page.close();
    }
  } finally {
    await browser.close();
    await site.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
