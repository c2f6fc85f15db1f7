/**
 * A seeded random user for the built site: clicks on any enabled control, random values in
 * selects, sliders and number fields, keys (Space, arrows), drags along the Timeline, model
 * switches while a download runs, Export and Share. The same seed replays the same actions on the
 * same page. Used by test/e2e/fuzz.spec.ts (a short run in npm test) and scripts/fuzz.ts (1,000).
 */
import type { ElementHandle, Page } from '@playwright/test';
import { Random } from '../helpers/random';

/** Everything a user can operate, except links out of the page and file pickers. */
const CONTROLS =
  'button:visible:enabled, select:visible:enabled, ' +
  'input:visible:enabled:not([type="file"]):not([type="hidden"]), textarea:visible:enabled';

export interface FuzzOptions {
  seed: number;
  actions: number;
  /** Called after each action with its index and a description (for a log). */
  onAction?: (index: number, description: string) => void;
}

const pick = <T>(random: Random, items: readonly T[]): T => items[random.int(0, items.length - 1)];

/** A value for a numeric input: inside its range mostly, at or past its limits sometimes. */
async function numberFor(random: Random, input: ElementHandle): Promise<string> {
  const [min, max, step] = await input.evaluate((el) => {
    const i = el as HTMLInputElement;
    return [i.min, i.max, i.step];
  });
  const lo = min === '' ? 0 : Number(min);
  const hi = max === '' ? lo + 100 : Number(max);
  const roll = random.int(0, 9);
  if (roll === 0) return String(lo);
  if (roll === 1) return String(hi);
  // Hostile but typeable values: Playwright (like the browser) refuses letters in a number field,
  // so the non-finite case is an overflowing exponent.
  if (roll === 2) return pick(random, ['', '-1', String(hi * 10 + 1), '1e3', '1e999']);
  const value = lo + (random.next() / 2 ** 32) * (hi - lo);
  return step === 'any' || (step !== '' && Number(step) < 1)
    ? value.toPrecision(3)
    : String(Math.round(value));
}

async function act(page: Page, random: Random): Promise<string> {
  const kind = random.int(0, 99);
  if (kind < 8) {
    const key = pick(random, ['Space', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'Escape']);
    await page
      .locator('body')
      .focus()
      .catch(() => undefined);
    await page.keyboard.press(key);
    return `key ${key}`;
  }
  if (kind < 14) {
    const timeline = page.getByLabel('Timeline');
    const box = (await timeline.count()) > 0 ? await timeline.boundingBox() : null;
    if (box === null) return 'drag (no timeline)';
    const y = box.y + box.height / 2;
    const from = box.x + (random.next() / 2 ** 32) * box.width;
    const to = box.x + (random.next() / 2 ** 32) * box.width;
    await page.mouse.move(from, y);
    await page.mouse.down();
    await page.mouse.move(to, y, { steps: 4 });
    await page.mouse.up();
    return `drag timeline ${Math.round(from)}→${Math.round(to)}`;
  }
  if (kind < 18) {
    // A network model, and another before its download and session are ready.
    const model = page.getByLabel('Model', { exact: true });
    if ((await model.count()) === 0 || !(await model.isEnabled())) return 'switch (no picker)';
    const values = await model
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const first = pick(random, values);
    const second = pick(random, values);
    await model.selectOption(first);
    await page.waitForTimeout(random.int(0, 150));
    await model.selectOption(second);
    return `model ${first} then ${second} mid-load`;
  }
  if (kind < 21) {
    const name = pick(random, ['Export PNG', 'Export GIF', 'Share']);
    const button = page.getByRole('button', { name, exact: true });
    if ((await button.count()) === 0 || !(await button.isEnabled())) return `${name} (not available)`;
    await button.click({ timeout: 2_000 });
    return `click ${name}`;
  }
  const controls = page.locator(CONTROLS);
  const count = await controls.count();
  if (count === 0) return 'no control';
  // One element for the whole action (an index would move as controls come and go).
  const control = await controls.nth(random.int(0, count - 1)).elementHandle({ timeout: 2_000 });
  if (control === null) return 'control gone';
  const [tag, type, label] = await control.evaluate((el) => [
    el.tagName.toLowerCase(),
    (el as HTMLInputElement).type ?? '',
    // The first that says something (an element without an id has id ''), for the log.
    el.getAttribute('aria-label') || el.id || el.textContent?.trim().slice(0, 30) || '',
  ]);
  if (tag === 'select') {
    const values = await control.evaluate((el) =>
      Array.from((el as HTMLSelectElement).options)
        .filter((o) => !o.disabled)
        .map((o) => o.value),
    );
    if (values.length === 0) return `select ${label} (empty)`;
    const value = pick(random, values);
    await control.selectOption(value, { timeout: 2_000 });
    return `select ${label} = ${value}`;
  }
  if (tag === 'input' && (type === 'range' || type === 'number')) {
    const value = await numberFor(random, control);
    if (type === 'range') {
      // A slider takes only values on its step grid: let a detached twin snap the value.
      const [snapped, grid] = await control.evaluate((el, v) => {
        const twin = document.createElement('input');
        const input = el as HTMLInputElement;
        twin.type = 'range';
        [twin.min, twin.max, twin.step] = [input.min, input.max, input.step];
        twin.value = v;
        return [twin.value, `${input.min}..${input.max} by ${input.step}`];
      }, value);
      try {
        await control.fill(snapped, { timeout: 2_000 });
      } catch (e) {
        // Playwright refuses a value the slider does not take as given ("Malformed value"). The
        // value was snapped to the grid read above, so this means the grid changed in between
        // (the page re-rendered the slider: a new run's steps, a lesson's step): a user's drag
        // would land on the new grid. Any other refusal is the fuzzer's own bug, and fails.
        const now = await control
          .evaluate((el) => {
            const input = el as HTMLInputElement;
            return `${input.min}..${input.max} by ${input.step}`;
          })
          .catch(() => grid);
        if (!/Malformed value/.test(String(e)) || now === grid) throw e;
        return `skipped (range ${label} = ${snapped}: its grid changed from ${grid} to ${now})`;
      }
    } else {
      await control.fill(value, { timeout: 2_000 });
      if (random.int(0, 1) === 0) await control.press('Enter');
      else await control.evaluate((el) => (el as HTMLElement).blur());
    }
    return `${type} ${label} = ${value}`;
  }
  if ((tag === 'input' && (type === 'text' || type === 'search')) || tag === 'textarea') {
    const value = pick(random, ['', 'x', '<b>1</b>', '9'.repeat(40), '%E0%A4%A']);
    await control.fill(value, { timeout: 2_000 });
    return `type ${label} = ${value}`;
  }
  await control.click({ timeout: 2_000 });
  return `click ${tag}${type ? `[${type}]` : ''} ${label}`;
}

/**
 * Performs `actions` random actions; a control that vanished or stayed disabled between choosing
 * and acting is skipped (a user's click would miss it too). Returns the log.
 */
export async function fuzzPage(page: Page, options: FuzzOptions): Promise<string[]> {
  const random = new Random(options.seed);
  const log: string[] = [];
  for (let k = 0; k < options.actions; k++) {
    let description: string;
    try {
      description = await act(page, random);
    } catch (e) {
      const message = String(e).split('\n')[0];
      // A control that went away or was covered mid-action: not a failure of the page.
      if (!/Timeout|not attached|detached|not visible|not enabled|intercepts pointer/i.test(message)) throw e;
      description = `skipped (${message.slice(0, 80)})`;
    }
    log.push(description);
    options.onAction?.(k, description);
    await page.waitForTimeout(random.int(0, 20));
  }
  return log;
}
