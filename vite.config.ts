/**
 * Build and dev-server config: React, a relative base (the site works from any sub-path), ES-module
 * workers, cross-origin isolation headers (so onnxruntime-web can use threads), and the project's
 * models/ folder served in dev and copied into dist/models.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { contentSecurityPolicy } from './src/shared/csp';

/** COOP + COEP ⇒ crossOriginIsolated ⇒ SharedArrayBuffer ⇒ multi-threaded WASM. */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MODEL_FILE = /^[\w.-]+\.(json|onnx|png|bin)$/;
const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  onnx: 'application/octet-stream',
  png: 'image/png',
  bin: 'application/octet-stream',
};

/** Files of models/ the site needs: cards, networks, sample grids and real examples (never models/train). */
export function modelFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && MODEL_FILE.test(entry.name))
    .map((entry) => entry.name);
}

/** Serves models/ at <base>models/ in dev and preview, and copies it into dist/models on build. */
function modelsFolder(modelsDir: string): Plugin {
  let outDir = 'dist';
  const serve = (url: string | undefined): { body: Buffer; type: string } | null => {
    const match = /\/models\/([^/?#]+)(?:[?#].*)?$/.exec(url ?? '');
    if (!match || !MODEL_FILE.test(match[1])) return null;
    const path = join(modelsDir, match[1]);
    if (!existsSync(path)) return null;
    return { body: readFileSync(path), type: CONTENT_TYPES[match[1].split('.').pop() ?? ''] };
  };
  return {
    name: 'models-folder',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = serve(req.url);
        if (!file) return next();
        res.setHeader('Content-Type', file.type);
        res.setHeader('Content-Length', String(file.body.byteLength));
        res.end(file.body);
      });
    },
    closeBundle() {
      const files = modelFiles(modelsDir);
      if (files.length === 0) return;
      mkdirSync(join(outDir, 'models'), { recursive: true });
      for (const name of files) copyFileSync(join(modelsDir, name), join(outDir, 'models', name));
    },
  };
}

/**
 * Adds the Content-Security-Policy meta tag to the built index.html (src/shared/csp.ts). Build only:
 * the dev server injects an inline React-refresh script the policy would block.
 */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy },
        injectTo: 'head-prepend',
      },
    ],
  };
}

/**
 * Files of the built site the service worker stores on install (the app shell): everything but
 * the models (the manifest and cards are stored by the worker itself, networks once verified),
 * fonts other than woff2 (what every browser that runs this page uses), and onnxruntime's WebGPU
 * build (28 MB; stored when first used).
 */
export function shellFiles(outDir: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [relative(outDir, join(dir, entry.name))],
    );
  return walk(outDir)
    .map((file) => file.split('\\').join('/'))
    .filter(
      (file) =>
        !/^(coi-sw\.js|_headers|index\.html)$/.test(file) &&
        !file.startsWith('models/') &&
        !/\.(woff|ttf|otf|eot)$/.test(file) &&
        !/\.jsep[-.].*\.wasm$/.test(file),
    )
    .sort();
}

/**
 * Writes this build's id and shell files into dist/coi-sw.js: a new build is a new service
 * worker, which stores its own shell and deletes the old one.
 */
function serviceWorkerShell(): Plugin {
  let outDir = 'dist';
  return {
    name: 'service-worker-shell',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const swPath = join(outDir, 'coi-sw.js');
      if (!existsSync(swPath)) return;
      const files = shellFiles(outDir);
      const id = createHash('sha256')
        .update(readFileSync(join(outDir, 'index.html')))
        .update(files.join('\n'))
        .digest('hex')
        .slice(0, 16);
      const source = readFileSync(swPath, 'utf8')
        .replace("const BUILD_ID = 'unbuilt';", `const BUILD_ID = '${id}';`)
        .replace('const SHELL_FILES = [];', `const SHELL_FILES = ${JSON.stringify(files)};`);
      writeFileSync(swPath, source);
    },
  };
}

/** Fonts are always files: a data: URL font would need `font-src data:` in the policy. */
const FONT_FILE = /\.(woff2?|ttf|otf|eot)$/;

export default defineConfig({
  base: './',
  plugins: [
    react(),
    modelsFolder(resolve(import.meta.dirname, 'models')),
    contentSecurityPolicyMeta(),
    serviceWorkerShell(),
  ],
  worker: { format: 'es' },
  // onnxruntime-web locates its .wasm/.mjs through URLs we pass it; pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  assetsInclude: ['**/*.onnx'],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    assetsInlineLimit: (file) => (FONT_FILE.test(file) ? false : undefined),
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
