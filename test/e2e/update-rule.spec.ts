import { currentStep, expect, test, waitForFirstFrame } from './fixtures';

test.describe('the Update rule', () => {
  test('typesets the formula, shows each step’s numbers, follows a Step and a seek', async ({
    page,
    site,
    consoleErrors,
  }) => {
    await page.goto(`${site.url}#steps=20&sampler=pc&seed=3`);
    await waitForFirstFrame(page);
    const rule = page.getByRole('region', { name: 'Update rule' });
    // Before any step: the declared formula alone, typeset by KaTeX.
    await expect(rule.locator('.rule-formula .katex').first()).toBeVisible();
    await expect(rule.getByTestId('update-rule-numbers')).toHaveCount(0);

    const numbers = rule.getByTestId('update-rule-numbers');
    const lines = () => numbers.locator('.rule-values, .rule-line').allTextContents();
    const step = page.getByRole('button', { name: 'Step', exact: true });
    await step.click();
    await expect.poll(() => currentStep(page)).toBe(1);
    await expect(numbers.getByRole('heading')).toHaveText('Step 1: the numbers used');
    const first = await lines();
    // PC shows both lines: the predictor and a corrector move.
    await expect(numbers.getByText('predictor, as evaluated in x̃')).toBeVisible();
    await expect(numbers.getByText('corrector move 1 of 1', { exact: true })).toBeVisible();

    await step.click();
    await expect.poll(() => currentStep(page)).toBe(2);
    await expect(numbers.getByRole('heading')).toHaveText('Step 2: the numbers used');
    const second = await lines();
    expect(second).not.toEqual(first);

    // A seek shows the numbers of the step it returns to.
    await page.getByLabel('Timeline').fill('1');
    await expect.poll(() => currentStep(page)).toBe(1);
    await expect(numbers.getByRole('heading')).toHaveText('Step 1: the numbers used');
    expect(await lines()).toEqual(first);

    // Focusing x̂₀ explains it and highlights the view that draws it.
    await rule.locator('.term[data-view="x0"]').first().focus();
    await expect(rule.locator('.rule-explain')).toContainText('denoiser’s estimate of the clean data');
    await expect(page.locator('figure.view.highlighted')).toHaveCount(1);
    await rule.locator('.term[data-view="x0"]').first().blur();
    await expect(page.locator('figure.view.highlighted')).toHaveCount(0);
    expect(consoleErrors).toEqual([]);
  });

  test('hide=update-rule hides it for a clean projector view', async ({ page, site }) => {
    await page.goto(`${site.url}#hide=update-rule`);
    await waitForFirstFrame(page);
    await expect(page.getByRole('region', { name: 'Update rule' })).toHaveCount(0);
  });
});
