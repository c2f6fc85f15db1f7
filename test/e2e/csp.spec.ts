/**
 * The built site under its Content-Security-Policy (src/shared/csp.ts): sent as a response header
 * (as public/_headers or the service worker does, so it governs the workers too) and as the meta
 * tag. A run plays on WASM and on WebGPU, KaTeX typesets, PNG and GIF export, with no violation;
 * an injected inline script and an inline event handler do not run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { contentSecurityPolicy } from '../../src/shared/csp';
import {
  currentStep,
  expect,
  runToEnd,
  subPath,
  test,
  tinyModelOverrides,
  waitForFirstFrame,
} from './fixtures';
import { startStaticServer } from './static-server';

const cspHeader = { 'Content-Security-Policy': contentSecurityPolicy };

/** Collects the page's CSP violation events and the console's CSP messages (workers' included). */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('reportViolation', (text: string) => seen.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { reportViolation: (t: string) => void }).reportViolation;
      report(`${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) seen.push(`console: ${m.text()}`);
  });
  return seen;
}

/** The worker script with the WebGPU adapter dressed as a hardware one, so "auto" picks WebGPU. */
function workerOnHardwareLookalike(): Record<string, string> {
  const name = readdirSync('dist/assets').find((f) => /^worker-.*\.js$/.test(f));
  if (name === undefined) throw new Error('dist/assets has no worker-*.js: run `npx vite build` first');
  const dress =
    'Object.defineProperty(GPUAdapter.prototype, "info", { configurable: true, get: () => ' +
    '({ vendor: "e2e", architecture: "lookalike", device: "", description: "", isFallbackAdapter: false }) });\n';
  return { [`assets/${name}`]: dress + readFileSync(`dist/assets/${name}`, 'utf8') };
}

test('the built index.html carries the policy as a meta tag; a hostile link stays text', async ({
  page,
  site,
  consoleErrors,
}) => {
  const html = readFileSync('dist/index.html', 'utf8');
  expect(html).not.toMatch(/\sstyle=/);
  await page.goto(`${site.url}#<img src=x onerror=window.pwned=1>=1&steps=<b>2000</b>`);
  await waitForFirstFrame(page);
  const meta = page.locator('meta[http-equiv="Content-Security-Policy"]');
  expect(await meta.getAttribute('content')).toBe(contentSecurityPolicy);
  // The link's markup is quoted as text in the notice, never parsed as HTML.
  const notice = page.getByRole('status').filter({ hasText: 'Part of the link was ignored' });
  await expect(notice).toContainText('"steps=<b>2000</b>" is not allowed (steps 1–1000, whole)');
  await expect(notice.locator('b, img')).toHaveCount(0);
  expect(await page.evaluate(() => 'pwned' in window)).toBe(false);
  expect(consoleErrors).toEqual([]);
});

test('under the header policy: WASM run, KaTeX, exports, no violation; injected script blocked', async ({
  page,
  consoleErrors,
}) => {
  const site = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: tinyModelOverrides(),
    headers: cspHeader,
  });
  try {
    const violations = await watchViolations(page);
    // The 2D mixture (exact denoiser) with the Update rule's KaTeX.
    await page.goto(`${site.url}#steps=20&sampler=pc&seed=3`);
    await waitForFirstFrame(page);
    const rule = page.getByRole('region', { name: 'Update rule' });
    await expect(rule.locator('.rule-formula .katex').first()).toBeVisible();
    // KaTeX's sizing comes through the CSSOM, so its struts keep their heights under the policy.
    const strutHeight = await rule
      .locator('.rule-formula .katex .katex-strut')
      .first()
      .evaluate((el) => (el as HTMLElement).style.height);
    expect(strutHeight).toMatch(/em$/);
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => currentStep(page)).toBeGreaterThan(3);

    // An ONNX network on onnxruntime-web's WASM backend, run to the end, then both exports.
    await page.goto(`${site.url}#model=tiny&steps=8&seed=7&batch=4&sampler=ddim`);
    await waitForFirstFrame(page);
    await expect(page.getByTestId('backend')).toContainText('WASM');
    await runToEnd(page);
    const png = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    expect((await png).suggestedFilename()).toBe('tiny-step9.png');
    const gif = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export GIF' }).click();
    expect((await gif).suggestedFilename()).toBe('tiny-trajectory.gif');
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(violations).toEqual([]);

    // Injected markup: an inline script and an inline event handler never run; the policy reports both.
    const ran = await page.evaluate(async () => {
      const flags = window as unknown as { injectedScript?: boolean; injectedHandler?: boolean };
      const script = document.createElement('script');
      script.textContent = 'window.injectedScript = true;';
      document.body.append(script);
      const holder = document.createElement('div');
      holder.innerHTML = '<img src="data:," onerror="window.injectedHandler = true">';
      document.body.append(holder);
      await new Promise((done) => setTimeout(done, 500));
      return [flags.injectedScript === true, flags.injectedHandler === true];
    });
    expect(ran).toEqual([false, false]);
    await expect.poll(() => violations.filter((v) => v.startsWith('script-src')).length).toBeGreaterThan(0);
    expect(consoleErrors.filter((e) => !/Content.Security.Policy/i.test(e))).toEqual([]);
  } finally {
    await site.close();
  }
});

test('under the header policy the WebGPU path runs with no violation', async ({ page, consoleErrors }) => {
  const site = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: { ...tinyModelOverrides(), ...workerOnHardwareLookalike() },
    headers: cspHeader,
  });
  try {
    const violations = await watchViolations(page);
    await page.goto(`${site.url}#model=tiny&steps=8&seed=7&batch=4&sampler=ddim`);
    await waitForFirstFrame(page);
    await expect(page.getByTestId('backend')).toHaveText('WebGPU · GPU-resident');
    await runToEnd(page);
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(violations).toEqual([]);
    expect(consoleErrors).toEqual([]);
  } finally {
    await site.close();
  }
});

test.describe('through the service worker', () => {
  test.use({ serviceWorkers: 'allow' });

  test('a host that sends no policy gets it from the service worker, for page and workers', async ({
    page,
    site,
    consoleErrors,
  }) => {
    const violations = await watchViolations(page);
    await page.goto(`${site.url}#model=tiny&steps=8&seed=7&batch=4&sampler=ddim`);
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 60_000 })
      .toBe(true);
    await page.reload();
    await waitForFirstFrame(page);
    const headerOf = (path: string) =>
      page.evaluate(async (p) => (await fetch(p)).headers.get('content-security-policy'), path);
    const worker = readdirSync('dist/assets').find((f) => /^worker-.*\.js$/.test(f));
    expect(await headerOf(`assets/${worker}`)).toBe(contentSecurityPolicy);
    expect(await headerOf('./')).toBe(contentSecurityPolicy);
    await runToEnd(page);
    expect(violations).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
