/**
 * What a newcomer hit in a lecture (a teacher on a projector, a student with a shared link): the
 * page's answers, checked on the built site.
 */
import { currentStep, expect, test, waitForFirstFrame } from './fixtures';

test('a link pasted into the open tab applies like a fresh load; lesson keys change nothing else', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#steps=30&seed=3`);
  await waitForFirstFrame(page);
  const step = page.getByRole('button', { name: 'Step', exact: true });
  await step.click();
  await expect.poll(() => currentStep(page)).toBe(1);
  // Only a lesson's keys change: the run stays where it was, and the keys stay in the hash.
  await page.evaluate(() => {
    location.hash = `${location.hash}&lesson=intro&lstep=2`;
  });
  await step.click();
  await expect.poll(() => currentStep(page)).toBe(2);
  expect(page.url()).toContain('lesson=intro&lstep=2');
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
