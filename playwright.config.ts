import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './test/chromium';

/** End-to-end tests run against the BUILT site (npm run build), served from a sub-path by test/e2e/static-server.ts. */

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  // Two CPU cores on the CI machine: one browser at a time keeps runs predictable.
  workers: 1,
  // Generous: the CI machine has two cores shared with model training; image-model tests load ONNX sessions.
  timeout: 600_000,
  expect: { timeout: 30_000 },
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    headless: true,
    serviceWorkers: 'block',
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
});
