/**
 * Your own data: the page's training speed on this machine's CPU path (a benchmark, not a test).
 * Serves the BUILT site (npm run build), picks a preset on "Your drawing", presses Train and
 * records the training worker's own clock (from pressing Train) when the run passes each
 * checkpoint step. scripts/own-data-time-to-bar.ts says at which step the same run (same
 * trainer, points and options) first reaches the quality bar; the page's time to the bar is its
 * time to that step.
 *
 *   npm run build && npx tsx scripts/own-data-page-bench.ts [--toy two_moons] [--until 6000]
 */
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { startStaticServer } from '../test/e2e/static-server';

const CHECKPOINTS = [500, 1000, 1500, 2000, 3000, 4000, 6000];

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}
const toy = flag('toy', 'two_moons');
const until = Number(flag('until', '6000'));

const server = await startStaticServer({ root: 'dist', base: '/sub/diffusion/' });
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(`${server.url}#model=drawing`);
  await page.getByLabel('Preset').selectOption(toy);
  await page.getByTestId('run-status').getByText('paused').waitFor({ timeout: 120_000 });
  const pressed = Date.now();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const status = page.getByTestId('training-status');
  await status.waitFor({ timeout: 120_000 });
  let next = 0;
  while (next < CHECKPOINTS.length && CHECKPOINTS[next] <= until) {
    const step = Number(await status.getAttribute('data-step'));
    if (step >= CHECKPOINTS[next]) {
      const workerSeconds = Number(await status.getAttribute('data-elapsed-ms')) / 1000;
      console.log(
        JSON.stringify({
          toy,
          checkpoint: CHECKPOINTS[next],
          step,
          workerSeconds: Number(workerSeconds.toFixed(1)),
          sincePressSeconds: Number(((Date.now() - pressed) / 1000).toFixed(1)),
        }),
      );
      next++;
    } else await page.waitForTimeout(200);
  }
} finally {
  await browser.close();
  await server.close();
}
