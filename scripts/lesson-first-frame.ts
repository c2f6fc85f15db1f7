/**
 * How long a newcomer waits: from opening the bare URL to the first lesson's first frame, on the
 * built site in Debian's Chromium (WASM when the machine has no WebGPU). The clock starts at
 * navigation; the script presses Lessons, opens the first lesson, and stops when that step's
 * picture is on screen (the Forward view's frame for a Forward step, else the run's first frame).
 *
 *   npx tsx scripts/lesson-first-frame.ts [runs]     # uses dist/ (built if missing)
 *
 * Each run is a fresh browser profile, so nothing is cached: the model is downloaded every time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { startStaticServer } from '../test/e2e/static-server';

async function main(): Promise<void> {
  if (!existsSync('dist/index.html')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  const runs = Number(process.argv[2] ?? 3);
  const site = await startStaticServer({ root: 'dist', base: '/diffusion/' });
  try {
    for (let r = 1; r <= runs; r++) {
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: chromiumArgs,
        headless: true,
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const began = Date.now();
      await page.goto(site.url);
      await page.getByRole('button', { name: 'Lessons', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Lessons' });
      const first = dialog.getByRole('link').first();
      const title = await first.textContent();
      await first.click();
      await page
        .getByRole('region', { name: 'Lesson' })
        .getByText(/^Step 1 of \d+$/)
        .waitFor();
      const forward = page.locator('[aria-label="Forward time"][data-t]');
      const reverse = page.locator('[aria-label="Step counter"][data-step]');
      await forward.or(reverse).first().waitFor({ timeout: 600_000 });
      const ms = Date.now() - began;
      const backend = await page.getByTestId('backend').textContent();
      console.log(
        `run ${r}: ${(ms / 1000).toFixed(1)} s to the first frame of "${title ?? ''}" (${backend ?? ''})`,
      );
      await browser.close();
    }
  } finally {
    await site.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
