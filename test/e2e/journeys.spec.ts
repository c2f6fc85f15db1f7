import { canvasPixels, currentStep, expect, runToEnd, test, waitForFirstFrame } from './fixtures';

test.describe('user journeys on the analytic toys', () => {
  test('swapping sampler mid-run keeps the counter rising from where it was', async ({
    page,
    site,
    consoleErrors,
  }) => {
    await page.goto(`${site.url}#steps=400&speed=30`);
    await waitForFirstFrame(page);
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => currentStep(page)).toBeGreaterThan(5);
    const atSwap = await currentStep(page);
    await page.getByLabel('Sampler', { exact: true }).selectOption('ode_heun');
    const seen: number[] = [];
    await expect
      .poll(async () => {
        seen.push(await currentStep(page));
        return seen.at(-1);
      })
      .toBeGreaterThan(atSwap + 10);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(atSwap);
    expect(page.url()).toContain('sampler=ode_heun');
    expect(consoleErrors).toEqual([]);
  });

  test('rewind then branch: the same step replays the same picture, a new sampler changes it', async ({
    page,
    site,
  }) => {
    await page.goto(`${site.url}#steps=30&sampler=euler_maruyama&seed=3`);
    await waitForFirstFrame(page);
    const step = page.getByRole('button', { name: 'Step', exact: true });
    const pictures: string[] = [await canvasPixels(page, 'points-canvas')];
    for (let k = 1; k <= 8; k++) {
      await step.click();
      await expect.poll(() => currentStep(page)).toBe(k);
      pictures.push(await canvasPixels(page, 'points-canvas'));
    }
    await page.getByLabel('Timeline').fill('5');
    await expect.poll(() => currentStep(page)).toBe(5);
    expect(await canvasPixels(page, 'points-canvas')).toBe(pictures[5]);
    await page.keyboard.press('ArrowLeft'); // one step back with the keyboard
    await expect.poll(() => currentStep(page)).toBe(4);
    await page.keyboard.press('ArrowRight'); // and forward again: the same noise, the same picture
    await expect.poll(() => currentStep(page)).toBe(5);
    expect(await canvasPixels(page, 'points-canvas')).toBe(pictures[5]);
    // branch with another sampler from step 5: the future differs from the first one
    await page.getByLabel('Sampler', { exact: true }).selectOption('ode_euler');
    await step.click();
    await expect.poll(() => currentStep(page)).toBe(6);
    expect(await canvasPixels(page, 'points-canvas')).not.toBe(pictures[6]);
  });

  test('hide= hides controls and a malformed hash says which part was ignored', async ({ page, site }) => {
    await page.goto(`${site.url}#hide=sde,batch-size&steps=zzz&seed=9`);
    await waitForFirstFrame(page);
    await expect(page.getByLabel('SDE', { exact: true })).toHaveCount(0);
    await expect(page.getByLabel('Batch size')).toHaveCount(0);
    await expect(page.getByLabel('Seed')).toHaveValue('9');
    await expect(page.getByRole('status').filter({ hasText: 'Part of the link was ignored' })).toContainText(
      '"steps=zzz"',
    );
  });
});

test.describe('image model (tiny 8×8 test network)', () => {
  test('every control has its accessible name', async ({ page, site }) => {
    await page.goto(`${site.url}#model=tiny&class=1&steps=10`);
    await waitForFirstFrame(page);
    for (const name of [
      'Model',
      'Sampler',
      'SDE',
      'Steps',
      'Schedule',
      'Seed',
      'Batch size',
      'Class',
      'Guidance',
      'Timeline',
      'Speed',
    ]) {
      await expect(page.getByLabel(name, { exact: true })).toHaveCount(1);
    }
    for (const name of ['Play', 'Pause', 'Step', 'Reset', 'Share']) {
      await expect(page.getByRole('button', { name, exact: true })).toHaveCount(1);
    }
  });

  test('reloading a shared URL gives pixel-identical grids', async ({ page, site, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto(`${site.url}#model=tiny&steps=12&seed=42&batch=9&sampler=ancestral`);
    await waitForFirstFrame(page);
    await page.getByLabel('SDE', { exact: true }).selectOption('subvp');
    await runToEnd(page);
    const xt = await canvasPixels(page, 'xt-canvas');
    const x0 = await canvasPixels(page, 'x0-canvas');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toContain('sde=subvp');
    const second = await context.newPage();
    await second.goto(link);
    await waitForFirstFrame(second);
    await runToEnd(second);
    expect(await canvasPixels(second, 'xt-canvas')).toBe(xt);
    expect(await canvasPixels(second, 'x0-canvas')).toBe(x0);
  });
});
