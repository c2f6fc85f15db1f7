/**
 * What a newcomer hit in a lecture (a teacher on a projector, a student with a shared link): the
 * page's answers, checked on the built site.
 */
import { canvasPixels, currentStep, expect, test, waitForFirstFrame } from './fixtures';

test('a pasted link applies like a fresh load; a bad lesson key changes nothing else', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#steps=30&seed=3`);
  await waitForFirstFrame(page);
  const step = page.getByRole('button', { name: 'Step', exact: true });
  await step.click();
  await expect.poll(() => currentStep(page)).toBe(1);
  // Only lesson keys change, naming no lesson there is: a notice says so, and the run stays where
  // it was (a real lesson opens in the Lesson panel: test/e2e/lessons.spec.ts).
  await page.evaluate(() => {
    location.hash = `${location.hash}&lesson=intro&lstep=2`;
  });
  await expect(page.getByRole('alert').filter({ hasText: 'Lesson could not be opened' })).toBeVisible();
  await step.click();
  await expect.poll(() => currentStep(page)).toBe(2);
  await expect(page.getByLabel('Step counter')).toHaveText('step 2 / 31');
  // Another link: its settings apply and a run of them starts at step 0.
  await page.evaluate(() => {
    location.hash = 'steps=44&seed=5&sampler=ddim';
  });
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('44');
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('5');
  await expect(page.getByLabel('Sampler', { exact: true })).toHaveValue('ddim');
  await expect(page.getByLabel('Step counter')).toHaveText('step 0 / 45');
  expect(page.url()).toContain('steps=44');
});

test('shortcuts leave form controls alone: Space ticks a checkbox, arrows move a slider', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#steps=30&speed=30`);
  await waitForFirstFrame(page);
  const denoise = page.getByLabel('Denoise final step');
  await denoise.focus();
  await page.keyboard.press('Space');
  await expect(denoise).not.toBeChecked();
  const speed = page.getByLabel('Speed', { exact: true });
  await speed.focus();
  await page.keyboard.press('ArrowRight');
  await expect(speed).toHaveValue('31');
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  expect(await currentStep(page)).toBe(0);
  // With focus on the page itself they are shortcuts.
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => currentStep(page)).toBe(1);
});

test('turning guidance up halfway continues the run from where it is', async ({ page, site }) => {
  await page.goto(`${site.url}#model=tiny&class=1&guidance=1&steps=40&speed=10`);
  await waitForFirstFrame(page);
  const step = page.getByRole('button', { name: 'Step', exact: true });
  for (let k = 1; k <= 3; k++) {
    await step.click();
    await expect.poll(() => currentStep(page)).toBe(k);
  }
  await page.getByLabel('Guidance', { exact: true }).fill('4');
  await page.getByLabel('Class', { exact: true }).selectOption('2');
  await step.click();
  await expect.poll(() => currentStep(page)).toBe(4);
  await expect(page.getByLabel('Step counter')).toHaveText('step 4 / 41');
  expect(page.url()).toContain('guidance=4');
  expect(page.url()).toContain('class=2');
});

test('Steps and Seed take a whole typed value: focus stays, invalid values are shown and not applied', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#steps=100&seed=1`);
  await waitForFirstFrame(page);
  const steps = page.getByLabel('Steps', { exact: true });
  const counter = page.getByLabel('Step counter');
  // Select all and type 250: every keystroke stays in the field.
  await steps.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('250');
  await expect(steps).toHaveValue('250');
  await expect(steps).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(counter).toHaveText('step 0 / 251');
  await expect(steps).toBeFocused();
  expect(page.url()).toContain('steps=250');
  // Backspace to nothing: shown invalid after the pause, not applied.
  await page.keyboard.press('End');
  for (let k = 0; k < 3; k++) await page.keyboard.press('Backspace');
  await expect(steps).toHaveAttribute('aria-invalid', 'true');
  await expect(
    page.getByRole('alert').filter({ hasText: 'Steps must be a whole number from 1 to 1000' }),
  ).toBeVisible();
  await expect(counter).toHaveText('step 0 / 251');
  await expect(steps).toBeFocused();
  // 80, then a pause: applied without Enter.
  await page.keyboard.type('80');
  await expect(counter).toHaveText('step 0 / 81');
  await expect(steps).not.toHaveAttribute('aria-invalid', 'true');
  await expect(steps).toBeFocused();
  // Seed 4242, applied on leaving the field.
  const seed = page.getByLabel('Seed', { exact: true });
  await seed.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('4242');
  await expect(seed).toHaveValue('4242');
  await page.keyboard.press('Tab');
  await expect.poll(() => page.url()).toContain('seed=4242');
  await expect(seed).toHaveValue('4242');
});

test('x̂₀ at step 0 says there is no estimate yet; the first step shows one', async ({ page, site }) => {
  await page.goto(`${site.url}#model=tiny&steps=10`);
  await waitForFirstFrame(page);
  await expect(page.getByTestId('no-estimate')).toHaveText(/No estimate yet/);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => currentStep(page)).toBe(1);
  await expect(page.getByTestId('no-estimate')).toHaveCount(0);
  // Back at step 0 (a rewind), again no estimate.
  await page.getByLabel('Timeline').fill('0');
  await expect.poll(() => currentStep(page)).toBe(0);
  await expect(page.getByTestId('no-estimate')).toBeVisible();
});

test('a learned 2D model draws its score arrows, computed by the network', async ({ page, site }) => {
  await page.goto(`${site.url}#model=toy_two_moons&steps=40&score=1`);
  await waitForFirstFrame(page);
  const plot = page.getByTestId('points-canvas');
  await expect(plot).toHaveAttribute('data-arrows', String(17 * 17));
  await expect(page.getByText('(the network’s)')).toBeVisible();
  // Unticked, none; ticked again, back.
  await page.getByLabel('Score arrows').uncheck();
  await expect(plot).toHaveAttribute('data-arrows', '0');
  await page.getByLabel('Score arrows').check();
  await expect(plot).toHaveAttribute('data-arrows', String(17 * 17));
});

test('a slow step says so, and Cancel step stops it', async ({ page, site }) => {
  // The lecture's heavy case: PC with 10 corrector steps, a large guided batch (20 network calls a step).
  await page.goto(
    `${site.url}#model=mnist&sampler=pc&pc.correctorSteps=10&batch=64&class=1&guidance=9&steps=100`,
  );
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const progress = page.getByTestId('step-progress');
  await expect(progress).toContainText(/computing step 1 \(\d+ s\)…/);
  await progress.getByRole('button', { name: 'Cancel step' }).click();
  await expect(progress).toHaveCount(0);
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  // Either the step stopped between two calls (still at step 0), or, stuck inside one, the engine
  // was replaced and the run starts over at step 0 with the same settings.
  await waitForFirstFrame(page);
  expect(page.url()).toContain('pc.correctorSteps=10');
  // And the page still works: a 2D model plays.
  await page.getByLabel('Model', { exact: true }).selectOption('ring8');
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => currentStep(page)).toBeGreaterThan(3);
});

test('the Timeline scrubs back and forth without losing the later steps', async ({ page, site }) => {
  await page.goto(`${site.url}#steps=30&seed=3`);
  await waitForFirstFrame(page);
  const step = page.getByRole('button', { name: 'Step', exact: true });
  const pictures: string[] = [await canvasPixels(page, 'points-canvas')];
  for (let k = 1; k <= 8; k++) {
    await step.click();
    await expect.poll(() => currentStep(page)).toBe(k);
    pictures.push(await canvasPixels(page, 'points-canvas'));
  }
  const timeline = page.getByLabel('Timeline');
  await timeline.fill('3');
  await expect.poll(() => currentStep(page)).toBe(3);
  await timeline.fill('7');
  await expect.poll(() => currentStep(page)).toBe(7);
  expect(await canvasPixels(page, 'points-canvas')).toBe(pictures[7]);
  // On the Timeline, ← and → are a step back and a step, as on the page.
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => currentStep(page)).toBe(8);
  expect(await canvasPixels(page, 'points-canvas')).toBe(pictures[8]);
});
