import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/core/**/*.test.ts', 'test/ui/**/*.test.ts', 'test/models/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        // Pre-bundle up front: discovering these mid-run makes Vite reload the page and the run hangs.
        optimizeDeps: {
          include: [
            'react',
            'react-dom/client',
            'react/jsx-dev-runtime',
            'zustand',
            'zustand/vanilla',
            'gifenc',
            'katex',
          ],
          exclude: ['onnxruntime-web'],
        },
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts', 'test/engine/**/*.test.ts', 'test/gpu/**/*.test.ts'],
          testTimeout: 180_000,
          browser: {
            enabled: true,
            headless: true,
            // Chromium can take a minute to start on a busy 2-core machine.
            connectTimeout: 300_000,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
