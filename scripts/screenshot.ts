/**
 * Refreshes docs/screenshot.png (the picture at the top of the README): the page as a projector
 * shows it (1280 × 720), mid-run on MNIST (class 3, guidance 2, Euler–Maruyama, 100 steps).
 *
 *   npx tsx scripts/screenshot.ts            # uses dist/, building it first if it is missing
 *   npx tsx scripts/screenshot.ts --build    # rebuilds dist/ first (npm run build)
 *   npx tsx scripts/screenshot.ts --out /tmp/page.png
 *
 * The built site is served from a sub-path by the end-to-end tests' static server (with the
 * cross-origin isolation headers) and driven through Playwright in Debian's Chromium, launched as
 * every test launches it (test/chromium.ts; CHROMIUM_PATH overrides the binary). A run takes a
 * minute or two on a busy two-core machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { startStaticServer } from '../test/e2e/static-server';

/** Generous: the first frame waits for the page's bundle on a busy machine. */
const TIMEOUT_MS = 240_000;

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Waits until the run-status line reads `status`. */
async function runStatus(page: Page, status: string): Promise<void> {
  await page
    .getByTestId('run-status')
    .filter({ hasText: new RegExp(`^${status}$`) })
    .waitFor({ timeout: TIMEOUT_MS });
}

/** The step index the Timeline's counter shows. */
async function currentStep(page: Page): Promise<number> {
  return Number(await page.getByLabel('Step counter').getAttribute('data-step'));
}

async function main(): Promise<void> {
  const out = option('--out') ?? 'docs/screenshot.png';
  if (process.argv.includes('--build') || !existsSync('dist/index.html')) {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  }
  const site = await startStaticServer({ root: 'dist', base: '/diffusion/' });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(
      `${site.url}#model=mnist&sampler=euler_maruyama&steps=100&batch=16&class=3&guidance=2&speed=30`,
    );
    await runStatus(page, 'paused');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    const began = Date.now();
    while ((await currentStep(page)) <= 55) {
      if (Date.now() - began > TIMEOUT_MS) throw new Error('The run did not pass step 55 in time.');
      await page.waitForTimeout(200);
    }
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await runStatus(page, 'paused');
    // The step that was running when Pause came finishes first.
    await page.waitForSelector('[aria-label="Step counter"]:not([data-computing])', { timeout: TIMEOUT_MS });
    // The WASM note (no hardware WebGPU where this runs), dismissed to its one line.
    const note = page.getByTestId('wasm-note');
    if ((await note.count()) > 0)
      await note.getByRole('button', { name: 'Dismiss: Running on WASM' }).click();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: out });
    console.log(`Wrote ${out} (step ${await currentStep(page)}).`);
  } finally {
    await browser.close();
    await site.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
