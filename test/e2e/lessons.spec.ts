/**
 * Lessons on the built site: every shipped lesson opens from the Lessons dialog and Next walks it
 * to its last step with each step's settings in the page (read back from the URL, which the page
 * writes from its settings); a teacher's bad file names its bad field and the page stays usable;
 * another site's file is refused; lesson maths typesets with KaTeX under a script policy that
 * allows no inline script. The walk does not wait for runs (image models load in the background).
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

interface LessonFile {
  id: string;
  title: string;
  steps: { hash: string }[];
}

const index = JSON.parse(readFileSync('public/lessons/index.json', 'utf8')) as {
  lessons: { id: string; title: string }[];
};
const lessonFile = (id: string): LessonFile =>
  JSON.parse(readFileSync(`public/lessons/${id}.json`, 'utf8')) as LessonFile;

/** Keys of features the page may not have yet (Direction, compare panes): set aside by the player. */
const FEATURE_KEYS = ['dir', 't', 'compare'];

/** The page's hash as key → value. */
async function hashOf(page: Page): Promise<Map<string, string>> {
  const hash = await page.evaluate(() => window.location.hash.slice(1));
  return new Map(
    hash
      .split('&')
      .filter((p) => p.includes('='))
      .map((p) => [p.slice(0, p.indexOf('=')), decodeURIComponent(p.slice(p.indexOf('=') + 1))]),
  );
}

/** Every setting a step's hash names is in the page's hash, with the same value. */
async function expectStepApplied(page: Page, stepHash: string, where: string): Promise<void> {
  const wanted = stepHash
    .split('&')
    .map((p) => [p.slice(0, p.indexOf('=')), decodeURIComponent(p.slice(p.indexOf('=') + 1))] as const)
    .filter(([key]) => !FEATURE_KEYS.includes(key));
  await expect
    .poll(
      async () => {
        const now = await hashOf(page);
        return wanted
          .filter(([key, value]) => {
            const got = now.get(key);
            return got === undefined || (got !== value && Number(got) !== Number(value));
          })
          .map(([key, value]) => `${key}=${value} (page: ${now.get(key)})`);
      },
      { message: where },
    )
    .toEqual([]);
}

test.describe('lessons', () => {
  test('every lesson opens from the Lessons dialog and Next walks every step with its settings', async ({
    page,
    site,
    consoleErrors,
  }) => {
    // The walk checks what each step sets, not what a network draws: image networks' files are held
    // back (their requests never answer), so no step waits for, or competes with, a WASM model load.
    await page.route('**/models/*.onnx', () => undefined);
    await page.goto(`${site.url}#model=ring8&steps=20`);
    for (const entry of index.lessons) {
      const lesson = lessonFile(entry.id);
      await page.getByRole('button', { name: 'Lessons', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Lessons' });
      await expect(dialog).toBeVisible();
      await dialog.getByRole('link', { name: entry.title }).click();
      await expect(dialog).toBeHidden();
      const region = page.getByRole('region', { name: 'Lesson' });
      await expect(region.getByRole('heading', { name: lesson.title })).toBeVisible();
      const n = lesson.steps.length;
      for (let k = 1; k <= n; k++) {
        await expect(region.getByLabel('Lesson step', { exact: true })).toHaveText(`Step ${k} of ${n}`);
        await expect
          .poll(async () => (await hashOf(page)).get('lstep'), { message: entry.id })
          .toBe(String(k));
        expect((await hashOf(page)).get('lesson')).toBe(entry.id);
        await expectStepApplied(page, lesson.steps[k - 1].hash, `${entry.id} step ${k}`);
        await expect(region.locator('.lesson-text p').first()).toBeVisible();
        const next = region.getByRole('button', { name: 'Next', exact: true });
        if (k < n) await next.click();
        else await expect(next).toBeDisabled();
      }
      await region.getByRole('button', { name: 'Back', exact: true }).click();
      await expect(region.getByLabel('Lesson step', { exact: true })).toHaveText(`Step ${n - 1} of ${n}`);
    }
    expect(consoleErrors).toEqual([]);
  });

  test('a link opens a lesson at a step; the question reveals its answer and runs the experiment', async ({
    page,
    site,
    consoleErrors,
  }) => {
    await page.goto(`${site.url}#lesson=sde-vs-ode&lstep=2`);
    const region = page.getByRole('region', { name: 'Lesson' });
    await expect(region.getByLabel('Lesson step', { exact: true })).toHaveText('Step 2 of 5');
    await expectStepApplied(page, lessonFile('sde-vs-ode').steps[1].hash, 'sde-vs-ode step 2');
    await expect(page.getByTestId('run-status')).toHaveText('paused');
    const reveal = region.getByRole('button', { name: 'Reveal' });
    await expect(reveal).toBeDisabled();
    await region.getByRole('radio').first().check();
    await reveal.click();
    await expect(region.locator('.lesson-reveal[role="status"]')).toContainText(
      'The answer: About one in eight',
    );
    // The reveal's experiment plays the run (to step 101, its end).
    await expect(page.getByTestId('run-status')).toHaveText(/playing|done/);
    // Lesson maths is KaTeX, not source text.
    expect(await region.locator('.katex').count()).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([]);
  });

  test('a step opens a tool under the panel: fold the lesson, use the tool, unfold', async ({
    page,
    site,
    consoleErrors,
  }) => {
    await page.goto(`${site.url}#lesson=sde-vs-ode&lstep=5`);
    const region = page.getByRole('region', { name: 'Lesson' });
    await expect(region.getByLabel('Lesson step', { exact: true })).toHaveText('Step 5 of 5');
    await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
    const button = page.getByRole('button', { name: 'Carry the grid through the flow' });
    await expect(button).toBeAttached();
    await region.getByRole('button', { name: 'Fold the lesson' }).click();
    await expect(region.locator('.lesson-text')).toBeHidden();
    await expect(region.getByLabel('Lesson step', { exact: true })).toHaveText('Step 5 of 5');
    await button.scrollIntoViewIfNeeded();
    await button.click();
    await expect(page.getByTestId('flow-map')).toBeVisible({ timeout: 60_000 });
    await region.getByRole('button', { name: 'Unfold the lesson' }).click();
    await expect(region.locator('.lesson-text')).toBeVisible();
    // Folding lasts for its step only.
    await region.getByRole('button', { name: 'Fold the lesson' }).click();
    await region.getByRole('button', { name: 'Back', exact: true }).click();
    await expect(region.locator('.lesson-text')).toBeVisible();
    expect(consoleErrors).toEqual([]);
  });

  test("a teacher's bad file names the bad field; another site's file is refused; the page stays usable", async ({
    page,
    site,
  }) => {
    const bad = {
      id: 'my-lesson',
      title: 'A bad lesson',
      steps: [
        {
          text: 'Hello $x$.',
          hash: 'model=ring8&seed=1',
          question: { prompt: 'Which?', options: ['a', 'b', 'c'], answer: 3, reveal: 'a.' },
        },
      ],
    };
    await page.route('**/teacher/bad-lesson.json', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify(bad) }),
    );
    await page.goto(`${site.url}#lesson=url:teacher/bad-lesson.json`);
    const alert = page.getByRole('alert').filter({ hasText: 'Lesson could not be opened' });
    await expect(alert).toContainText('steps[0].question.answer');
    await expect(alert).toContainText('must be an index into options (0–2), got 3');
    await expect(page.getByRole('region', { name: 'Lesson' })).toHaveCount(0);
    await expect(page.getByTestId('run-status')).toHaveText('paused');
    await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeEnabled();

    // A link pasted into the open page (a hash change) is checked the same way.
    await page.goto(`${site.url}#lesson=url:https://example.org/lesson.json`);
    await expect(page.getByRole('alert').filter({ hasText: 'Lesson not opened' })).toContainText(
      'is on another site',
    );
    await expect(page.getByRole('button', { name: 'Lessons', exact: true })).toBeVisible();
  });

  test('KaTeX typesets lesson maths with no inline script allowed', async ({ page, site, consoleErrors }) => {
    // The built page under a script policy without 'unsafe-inline': a violation would be a console error.
    await page.route(`${site.url}`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: {
          ...response.headers(),
          'content-security-policy': "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'",
        },
      });
    });
    await page.goto(`${site.url}#lesson=score-field&lstep=1`);
    const region = page.getByRole('region', { name: 'Lesson' });
    await expect(region.locator('.katex').first()).toBeVisible();
    expect(await page.locator('script:not([src])').count()).toBe(0);
    // Glossary: a term on screen explains itself on keyboard focus.
    const term = page.locator('.glossary-term[data-glossary="sigma"]');
    await term.focus();
    const tip = page.getByRole('tooltip').filter({ hasText: 'noise level' });
    await expect(tip).toBeVisible();
    await expect(tip.locator('.katex').first()).toBeVisible();
    expect(await term.getAttribute('aria-describedby')).toBe(await tip.getAttribute('id'));
    expect(consoleErrors).toEqual([]);
  });

  test('first visit: the welcome card on the bare URL, gone for good once dismissed', async ({
    page,
    site,
  }) => {
    await page.goto(site.url);
    const welcome = page.getByRole('region', { name: 'Welcome' });
    await expect(welcome).toContainText('Press ▶ Play');
    await expect(welcome).toContainText('Lessons');
    await welcome.getByRole('button', { name: 'Dismiss the welcome' }).click();
    await expect(welcome).toHaveCount(0);
    await page.goto('about:blank');
    await page.goto(site.url);
    await expect(page.getByTestId('run-status')).toHaveText('paused');
    await expect(page.getByRole('region', { name: 'Welcome' })).toHaveCount(0);
  });

  test('hide=lessons,glossary,update-rule: no Lessons button, no lesson, no definitions', async ({
    page,
    site,
  }) => {
    await page.goto(`${site.url}#hide=lessons,glossary,update-rule&lesson=score-field&lstep=2`);
    await expect(page.getByTestId('run-status')).toHaveText('paused');
    await expect(page.getByRole('button', { name: 'Lessons', exact: true })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Lesson' })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Update rule' })).toHaveCount(0);
    await expect(page.locator('.glossary-term')).toHaveCount(0);
  });
  test('a link pasted while the list of lessons is open closes it and the page plays', async ({
    page,
    site,
  }) => {
    await page.goto(`${site.url}#model=ring8&steps=50`);
    await expect(page.getByTestId('run-status')).toHaveText('paused');
    await page.getByRole('button', { name: 'Lessons', exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'Lessons' })).toBeVisible();
    await page.goto(`${site.url}#model=ring8&steps=50&speed=120&seed=1`);
    await expect(page.getByRole('dialog', { name: 'Lessons' })).toBeHidden();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect(page.getByTestId('run-status')).toHaveText(/playing|done/);
  });
});
