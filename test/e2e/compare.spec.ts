/**
 * Compare mode on the built site (issue 14), on an exact 2D mixture so it runs in seconds: two
 * panes play together from one seed; the engine's network calls, counted per tick in its
 * compareFrame events (shown in the compare-calls line), are one per step of the panes, not one
 * per pane; the error plot has one line per pane and the floor band; the comparison is a link.
 */
import type { Page } from '@playwright/test';
import { expect, test, waitForFirstFrame } from './fixtures';

/** The counts the page shows from the engine's last compareFrame. */
async function calls(page: Page): Promise<{ total: number; nfeSum: number; nfe: number[] }> {
  const line = page.getByTestId('compare-calls');
  const total = Number(await line.getAttribute('data-calls-total'));
  const nfeSum = Number(await line.getAttribute('data-nfe-sum'));
  const nfe: number[] = [];
  for (const pane of await page.locator('[data-testid^="pane-nfe-"]').all())
    nfe.push(Number(await pane.getAttribute('data-nfe')));
  return { total, nfeSum, nfe };
}

async function playToEnd(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
}

test('Compare: two panes play, one network call per step, one error line per pane, the link round-trips', async ({
  page,
  site,
  consoleErrors,
}) => {
  await page.goto(`${site.url}#v=2&model=ring8&sampler=euler_maruyama&steps=12&speed=120`);
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByTestId('compare-pane-1')).toBeVisible();
  await expect(page.getByTestId('compare-pane-2')).toBeVisible();
  await expect(page.getByTestId('compare-pane-3')).toHaveCount(0);
  await expect(page.getByTestId('compare-pane-1')).toContainText('Euler–Maruyama');
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain(
    'compare=euler_maruyama:12:vp:uniform:2,ddim:12:vp:uniform:2',
  );

  await playToEnd(page);
  const two = await calls(page);
  console.info(`2 panes: ${two.total} network calls for NFE ${two.nfe.join(' + ')}`);
  // Both panes played to the end, on one grid: one call per step serves both.
  expect(two.nfe).toHaveLength(2);
  expect(two.nfe[0]).toBeGreaterThanOrEqual(12);
  expect(two.nfe[1]).toBe(two.nfe[0]);
  expect(two.total).toBe(Math.max(...two.nfe));
  expect(two.nfeSum).toBe(2 * two.total);
  // Every pane's ms per step is measured (its share of the shared calls).
  for (const k of [1, 2])
    expect(Number(await page.getByTestId(`pane-ms-${k}`).getAttribute('data-ms'))).toBeGreaterThan(0);

  // The plot: one line per pane, with a point per step, and the sampling floor.
  const lines = page.getByTestId('error-line');
  await expect(lines).toHaveCount(2);
  expect(Number(await lines.nth(0).getAttribute('data-points'))).toBeGreaterThanOrEqual(12);
  await expect(page.getByTestId('error-floor')).toHaveCount(1);

  // A third pane with Heun (two evaluations a step): the calls are the largest NFE, not the sum.
  await page.getByRole('button', { name: 'Add pane' }).click();
  await expect(page.getByTestId('compare-pane-3')).toBeVisible();
  await page.getByLabel('Pane 3 sampler').selectOption('ode_heun');
  await expect(page.getByTestId('compare-calls')).toHaveAttribute('data-tick', '0');
  await playToEnd(page);
  const three = await calls(page);
  console.info(`3 panes: ${three.total} network calls for NFE ${three.nfe.join(' + ')}`);
  expect(three.nfe[2]).toBeGreaterThan(three.nfe[0]);
  expect(three.total).toBe(Math.max(...three.nfe));
  expect(three.total).toBeLessThan(three.nfeSum);
  await expect(lines).toHaveCount(3);

  // The comparison is a link: opened afresh, it shows the same panes.
  await page.getByRole('button', { name: 'Remove pane 1' }).click();
  await expect(page.getByTestId('compare-pane-3')).toHaveCount(0);
  const link = page.url();
  expect(decodeURIComponent(new URL(link).hash)).toContain(
    'compare=ddim:12:vp:uniform:2,ode_heun:12:vp:uniform:2',
  );
  await page.goto('about:blank');
  await page.goto(link);
  await waitForFirstFrame(page);
  await expect(page.getByTestId('compare-pane-2')).toBeVisible();
  await expect(page.getByLabel('Pane 1 sampler')).toHaveValue('ddim');
  await expect(page.getByLabel('Pane 2 sampler')).toHaveValue('ode_heun');
  expect(page.url()).toBe(link);
  expect(consoleErrors).toEqual([]);
});

test('Step sweep: the same seed at 10 … 1000 steps, overlaid, one network call per tick', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#v=2&model=ring8&sampler=euler_maruyama&speed=120`);
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Step sweep' }).click();
  await expect(page.getByTestId('sweep-overlay')).toBeVisible();
  await expect(page.locator('.sweep-key')).toHaveCount(7);
  const line = page.getByTestId('compare-calls');
  await expect.poll(async () => Number(await line.getAttribute('data-tick'))).toBeGreaterThan(50);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  // Lock-step on t over nested grids: each tick is one call of the 1000-step pane, which every
  // coarser pane due at that t shares.
  const tick = Number(await line.getAttribute('data-tick'));
  expect(Number(await line.getAttribute('data-calls-total'))).toBe(tick);
  expect(Number(await line.getAttribute('data-nfe-sum'))).toBeGreaterThan(1.5 * tick);
  await page.getByRole('button', { name: 'Close sweep' }).click();
  await expect(page.getByTestId('points-canvas')).toBeVisible();
});
