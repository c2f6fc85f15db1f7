/**
 * The projector and phone layouts (styles.css names the areas): at 1280×720 and 1366×768, Play,
 * the Timeline and the pictures are on screen without scrolling, each picture at least 320 px on
 * its short side, while the settings scroll in their own column; on a phone the picture comes
 * first, then the transport, then the settings. Measured from the elements' bounding boxes.
 */
import type { Locator, Page } from '@playwright/test';
import { currentStep, expect, test, waitForFirstFrame } from './fixtures';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (box === null) throw new Error(`${String(locator)} is not rendered`);
  return box;
}

/** Inside the viewport at the page's first scroll position (the page has not scrolled). */
async function expectOnScreen(page: Page, name: string, locator: Locator): Promise<Box> {
  const box = await boxOf(locator);
  const { width, height } = page.viewportSize() ?? { width: 0, height: 0 };
  const round = (b: Box) =>
    `${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}×${Math.round(b.height)}`;
  console.info(`${width}×${height} ${name}: ${round(box)}`);
  expect(box.x, `${name} left edge`).toBeGreaterThanOrEqual(0);
  expect(box.y, `${name} top edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${name} right edge`).toBeLessThanOrEqual(width + 0.5);
  expect(box.y + box.height, `${name} bottom edge`).toBeLessThanOrEqual(height + 0.5);
  return box;
}

async function expectNoPageScroll(page: Page): Promise<void> {
  const scroll = await page.evaluate(() => ({
    y: window.scrollY,
    overflow: document.documentElement.scrollHeight - window.innerHeight,
  }));
  expect(scroll.y).toBe(0);
  expect(scroll.overflow).toBeLessThanOrEqual(0);
}

async function expectSettingsScrollOnTheirOwn(page: Page): Promise<void> {
  const settings = page.getByRole('complementary', { name: 'Settings' });
  expect(await settings.evaluate((e) => getComputedStyle(e).overflowY)).toBe('auto');
  const box = await expectOnScreen(page, 'settings column', settings);
  expect(box.height).toBeGreaterThan(300);
}

/** Boxes overlap (more than a rounding pixel). */
function overlaps(a: Box, b: Box): boolean {
  return (
    a.x + 1 < b.x + b.width && b.x + 1 < a.x + a.width && a.y + 1 < b.y + b.height && b.y + 1 < a.y + a.height
  );
}

/**
 * A long lesson step (near the word limit, with a question) on the tiny image model, served as a
 * teacher's file: the most a lesson panel holds.
 */
async function serveLongLesson(page: Page, model: string): Promise<void> {
  const words = (n: number) =>
    Array.from({ length: n }, (_, k) => (k % 9 === 0 ? '$\\sigma_t$' : 'word')).join(' ');
  const lesson = {
    id: 'layout',
    title: 'A long lesson step for the layout check',
    steps: [
      {
        text: `${words(70)}\n\n${words(60)}`,
        hash: `model=${model}&steps=200&speed=4&batch=16&v=2`,
        question: {
          prompt: words(30),
          options: ['A', 'B', 'C'].map((letter) => `${letter}: ${words(12)}`),
          answer: 0,
          reveal: words(60),
        },
      },
      { text: 'Second.', hash: `model=${model}&v=2` },
    ],
  };
  await page.route('**/teacher/layout.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify(lesson) }),
  );
}

const projectors = [
  { width: 1280, height: 720 },
  { width: 1366, height: 768 },
];

for (const size of projectors) {
  test.describe(`${size.width}×${size.height}`, () => {
    test.use({ viewport: size });

    test('image model mid-run: Play, Timeline, x_t and x̂₀ on screen, each view ≥ 320 px', async ({
      page,
      site,
    }) => {
      await page.goto(`${site.url}#model=tiny&steps=200&speed=4&batch=16`);
      await waitForFirstFrame(page);
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      await expect.poll(() => currentStep(page)).toBeGreaterThan(2);
      await expect(page.getByTestId('run-status')).toHaveText('playing');
      await expectOnScreen(page, 'Play', page.getByRole('button', { name: 'Play', exact: true }));
      await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      await expectOnScreen(page, 'Direction', page.getByRole('radiogroup', { name: 'Direction' }));
      for (const id of ['xt-canvas', 'x0-canvas']) {
        const box = await expectOnScreen(page, id, page.getByTestId(id));
        expect(Math.min(box.width, box.height), `${id} short side`).toBeGreaterThanOrEqual(320);
      }
      await expectNoPageScroll(page);
      await expectSettingsScrollOnTheirOwn(page);

      // The WASM note (this machine has no hardware WebGPU): dismissed, it takes one line.
      const note = page.getByTestId('wasm-note');
      if ((await note.count()) > 0) {
        await note.getByRole('button', { name: 'Dismiss: Running on WASM' }).click();
        const line = await boxOf(note);
        const lineHeight = await note
          .locator('.banner-text')
          .evaluate((e) => parseFloat(getComputedStyle(e).lineHeight));
        console.info(`${size.width}×${size.height} dismissed WASM note: ${Math.round(line.height)} px tall`);
        expect(line.height).toBeLessThan(2 * lineHeight + 14);
        expect(await note.locator('.banner-text').evaluate((e) => e.scrollHeight <= e.clientHeight + 1)).toBe(
          true,
        );
      }
    });

    test('a lesson open: it covers the settings, never Play, the Timeline or either view', async ({
      page,
      site,
    }) => {
      await serveLongLesson(page, 'tiny');
      await page.goto(`${site.url}#lesson=url:teacher/layout.json&lstep=1`);
      const lesson = page.getByRole('region', { name: 'Lesson' });
      await expect(lesson.getByLabel('Lesson step', { exact: true })).toHaveText('Step 1 of 2');
      await waitForFirstFrame(page);
      await lesson.getByRole('radio').first().check();
      await lesson.getByRole('button', { name: 'Reveal' }).click();
      const panel = await expectOnScreen(page, 'lesson panel', lesson);
      for (const name of ['Back', 'Next']) {
        await expectOnScreen(page, `lesson ${name}`, lesson.getByRole('button', { name, exact: true }));
      }
      const play = await expectOnScreen(
        page,
        'Play',
        page.getByRole('button', { name: 'Play', exact: true }),
      );
      const timeline = await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      for (const [name, box] of [
        ['Play', play],
        ['Timeline', timeline],
      ] as const)
        expect(overlaps(panel, box), `lesson panel over ${name}`).toBe(false);
      for (const id of ['xt-canvas', 'x0-canvas']) {
        const box = await expectOnScreen(page, id, page.getByTestId(id));
        expect(Math.min(box.width, box.height), `${id} short side`).toBeGreaterThanOrEqual(320);
        expect(overlaps(panel, box), `lesson panel over ${id}`).toBe(false);
      }
      await expectNoPageScroll(page);
    });

    test('first visit: the welcome card leaves Play, the Timeline and the plot on screen', async ({
      page,
      site,
    }) => {
      await page.goto(site.url);
      await waitForFirstFrame(page);
      const welcome = await expectOnScreen(page, 'welcome', page.getByRole('region', { name: 'Welcome' }));
      await expectOnScreen(page, 'Lessons', page.getByRole('button', { name: 'Lessons', exact: true }));
      const play = await expectOnScreen(
        page,
        'Play',
        page.getByRole('button', { name: 'Play', exact: true }),
      );
      await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      const plot = await expectOnScreen(page, 'points-canvas', page.getByTestId('points-canvas'));
      expect(Math.min(plot.width, plot.height)).toBeGreaterThanOrEqual(320);
      expect(overlaps(welcome, plot) || overlaps(welcome, play)).toBe(false);
      await expectNoPageScroll(page);
    });

    test('Forward on an image model: Direction, Play, Timeline, Reverse from here, x_t and x̂₀ on screen', async ({
      page,
      site,
    }) => {
      await page.goto(`${site.url}#v=2&model=fashion&batch=16&dir=forward&t=0.4`);
      await expect(page.getByLabel('Forward time')).toHaveAttribute('data-t', '0.4', { timeout: 240_000 });
      await expectOnScreen(page, 'Direction', page.getByRole('radiogroup', { name: 'Direction' }));
      await expectOnScreen(page, 'Play', page.getByRole('button', { name: 'Play', exact: true }));
      await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      await expectOnScreen(
        page,
        'Reverse from here',
        page.getByRole('button', { name: 'Reverse from here' }),
      );
      await expectOnScreen(page, 'forward readout', page.getByTestId('forward-readout'));
      for (const id of ['xt-canvas', 'x0-canvas']) {
        const box = await expectOnScreen(page, id, page.getByTestId(id));
        expect(Math.min(box.width, box.height), `${id} short side`).toBeGreaterThanOrEqual(320);
      }
      await expectNoPageScroll(page);
      await expectSettingsScrollOnTheirOwn(page);
    });

    test('2D model: Play, Timeline and the plot on screen, the plot ≥ 320 px', async ({ page, site }) => {
      await page.goto(`${site.url}#model=ring8&steps=200&speed=10`);
      await waitForFirstFrame(page);
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      await expect.poll(() => currentStep(page)).toBeGreaterThan(2);
      await expectOnScreen(page, 'Play', page.getByRole('button', { name: 'Play', exact: true }));
      await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      await expectOnScreen(page, 'Direction', page.getByRole('radiogroup', { name: 'Direction' }));
      const plot = await expectOnScreen(page, 'points-canvas', page.getByTestId('points-canvas'));
      expect(Math.min(plot.width, plot.height)).toBeGreaterThanOrEqual(320);
      await expectNoPageScroll(page);
      await expectSettingsScrollOnTheirOwn(page);
    });

    test('Your drawing with its panel open: Play, Timeline and the plot on screen', async ({
      page,
      site,
    }) => {
      await page.goto(`${site.url}#model=drawing&steps=50`);
      await page.getByLabel('Preset').selectOption('two_moons');
      await waitForFirstFrame(page);
      await expect(page.getByRole('toolbar', { name: 'Drawing tools' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeAttached();
      await expectOnScreen(page, 'Play', page.getByRole('button', { name: 'Play', exact: true }));
      await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      const plot = await expectOnScreen(page, 'points-canvas', page.getByTestId('points-canvas'));
      expect(Math.min(plot.width, plot.height)).toBeGreaterThanOrEqual(320);
      const overlay = await expectOnScreen(page, 'drawing-overlay', page.getByTestId('drawing-overlay'));
      expect(overlay).toEqual(plot);
      await expectNoPageScroll(page);
      await expectSettingsScrollOnTheirOwn(page);
    });
    // Compare mode (issue 14): four panes and the plot or the difference image, every pane ≥ 200 px.
    const fourPanes =
      'euler_maruyama:20:vp:uniform:2,ddim:20:vp:uniform:2,ode_heun:10:ve:karras:2,pc:20:subvp:uniform:2';
    for (const model of ['ring8', 'tiny']) {
      test(`compare, 4 panes of ${model}: Play, Timeline and every pane on screen, each ≥ 200 px`, async ({
        page,
        site,
      }) => {
        await page.goto(`${site.url}#v=2&model=${model}&batch=16&compare=${fourPanes}`);
        await waitForFirstFrame(page);
        await expect(page.getByTestId('compare-pane-4')).toBeVisible();
        await expectOnScreen(page, 'Play', page.getByRole('button', { name: 'Play', exact: true }));
        await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
        for (const k of [1, 2, 3, 4]) {
          const box = await expectOnScreen(page, `pane ${k}`, page.getByTestId(`compare-pane-${k}`));
          expect(Math.min(box.width, box.height), `pane ${k} short side`).toBeGreaterThanOrEqual(200);
        }
        const extra = model === 'tiny' ? 'difference-cell' : 'error-plot-cell';
        await expectOnScreen(page, extra, page.getByTestId(extra));
        await expectNoPageScroll(page);
        await expectSettingsScrollOnTheirOwn(page);
      });
    }
  });
}

test.describe('1280×720 with a controllable-generation tool open', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test('SDEdit and inpainting panels: Play, Timeline and both views stay on screen', async ({
    page,
    site,
  }) => {
    for (const tool of ['sdedit', 'inpaint']) {
      await page.goto(`${site.url}#model=tiny&steps=20&batch=16&tool=${tool}&src=sample&mask=bottom`);
      await waitForFirstFrame(page);
      await expect(page.getByLabel('Tool', { exact: true })).toHaveValue(tool);
      await expectOnScreen(page, 'Play', page.getByRole('button', { name: 'Play', exact: true }));
      await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      for (const id of ['xt-canvas', 'x0-canvas']) {
        const box = await expectOnScreen(page, `${tool} ${id}`, page.getByTestId(id));
        expect(Math.min(box.width, box.height), `${id} short side`).toBeGreaterThanOrEqual(320);
      }
      await expectNoPageScroll(page);
      await expectSettingsScrollOnTheirOwn(page);
    }
  });

  test('2D imputation, the log-density map and the flow map: Play, Timeline and the plot stay on screen', async ({
    page,
    site,
  }) => {
    await page.goto(`${site.url}#model=ring8&steps=20&batch=16&tool=likelihood`);
    await waitForFirstFrame(page);
    await page.getByLabel('Cells per side').fill('6');
    await page.getByRole('button', { name: 'Compute the log-density map' }).click();
    await expect(page.getByTestId('density-map')).toBeAttached({ timeout: 60_000 });
    await page.getByLabel('Tool', { exact: true }).selectOption('encode');
    await page.getByLabel('Lines per direction').fill('3');
    await page.getByRole('button', { name: 'Carry the grid through the flow' }).click();
    await expect(page.getByTestId('flow-map')).toBeAttached({ timeout: 60_000 });
    await page.getByLabel('Tool', { exact: true }).selectOption('inpaint');
    await expect(page.getByTestId('impute-line')).toBeVisible();
    for (const tool of ['inpaint', 'likelihood', 'encode']) {
      await page.getByLabel('Tool', { exact: true }).selectOption(tool);
      await expectOnScreen(page, 'Play', page.getByRole('button', { name: 'Play', exact: true }));
      await expectOnScreen(page, 'Timeline', page.getByLabel('Timeline'));
      const plot = await expectOnScreen(page, `${tool} points-canvas`, page.getByTestId('points-canvas'));
      expect(Math.min(plot.width, plot.height)).toBeGreaterThanOrEqual(320);
      await expectNoPageScroll(page);
      await expectSettingsScrollOnTheirOwn(page);
    }
  });
});

test.describe('390×844 phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the picture first, then the transport, then the settings in closed groups', async ({
    page,
    site,
  }) => {
    await page.goto(`${site.url}#model=tiny&steps=40&batch=16`);
    await waitForFirstFrame(page);
    const views = await boxOf(page.getByTestId('xt-canvas'));
    const denoised = await boxOf(page.getByTestId('x0-canvas'));
    const play = await boxOf(page.getByRole('button', { name: 'Play', exact: true }));
    const timeline = await boxOf(page.getByLabel('Timeline'));
    const settings = await boxOf(page.getByRole('complementary', { name: 'Settings' }));
    const show = (b: Box) =>
      `${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}×${Math.round(b.height)}`;
    console.info(
      `390×844 x_t ${show(views)}, x̂₀ ${show(denoised)}, Play ${show(play)}, Timeline ${show(timeline)}, settings ${show(settings)}`,
    );
    expect(views.y).toBeLessThan(play.y);
    expect(denoised.y).toBeLessThan(play.y);
    expect(play.y).toBeLessThan(settings.y);
    expect(timeline.y).toBeLessThan(settings.y);
    // The picture and the transport fit the first screen; the Timeline spans the width.
    expect(timeline.y + timeline.height).toBeLessThanOrEqual(844);
    expect(timeline.width).toBeGreaterThan(200);
    expect(Math.min(views.width, views.height)).toBeGreaterThan(150);
    // Settings in groups, closed at first; one opens on its own.
    const groups = page.locator('details.group');
    expect(await groups.count()).toBeGreaterThanOrEqual(3);
    for (const open of await groups.evaluateAll((d) => d.map((e) => (e as HTMLDetailsElement).open)))
      expect(open).toBe(false);
    await page.getByText('Sampler', { exact: true }).first().click();
    await expect(page.getByLabel('Sampler', { exact: true })).toBeVisible();
    await expect(page.getByLabel('Steps', { exact: true })).toBeHidden();
  });
});
