/**
 * The layers of src/ import one way (docs/ARCHITECTURE.md, "Layers"): core and shared import
 * nothing outside themselves, gpu only core and shared, the engine no page, and the page reaches
 * the engine only through its messages. ESLint enforces it (eslint.config.js); these tests lint
 * a few one-line files placed in each layer, and read every file of the worker-side layers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The no-restricted-imports messages ESLint gives `source` as if it were the file at `filePath`. */
async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, filePath) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importing = (specifier: string): string => `import { x } from '${specifier}';\nexport const y = x;\n`;

describe('ESLint refuses an import that runs the wrong way', () => {
  it.each([
    ['src/core/foo.ts', '../ui/state/store'],
    ['src/core/foo.ts', '../gpu/gpu-field'],
    ['src/core/foo.ts', '../shared/grid-layout'],
    ['src/core/foo.ts', 'onnxruntime-web'],
    ['src/core/foo.ts', 'react'],
    ['src/core/samplers/foo.ts', '../../ui/render/image-grid'],
    ['src/core/samplers/foo.ts', '../../engine/protocol'],
    ['src/shared/foo.ts', '../core/x'],
    ['src/shared/foo.ts', 'zustand'],
    ['src/gpu/foo.ts', '../ui/render/image-grid'],
    ['src/gpu/foo.ts', '../engine/protocol'],
    ['src/gpu/foo.ts', 'onnxruntime-web'],
    ['src/engine/foo.ts', '../ui/state/store'],
    ['src/engine/foo.ts', '../cli/args'],
    ['src/engine/foo.ts', 'react'],
    ['src/ui/state/foo.ts', '../../engine/engine'],
    ['src/ui/engine-io/foo.ts', '../../engine/worker'],
    ['src/ui/foo.tsx', '../engine/trajectory'],
    ['src/ui/state/foo.ts', 'onnxruntime-web'],
    ['src/cli/foo.ts', '../ui/state/store'],
    ['src/cli/foo.ts', '../gpu/gpu-field'],
  ])('%s importing %s', async (file, specifier) => {
    expect(await restricted(file, importing(specifier))).toHaveLength(1);
  });

  it('covers folders of any depth (deeper than the rule blocks, every relative import is refused)', async () => {
    expect(await restricted('src/core/a/b/c/d/e/foo.ts', importing('./x'))).toHaveLength(1);
    expect(await restricted('src/core/a/b/c/d/foo.ts', importing('../../../../../ui/x'))).toHaveLength(1);
    expect(await restricted('src/core/a/b/c/d/foo.ts', importing('../../../../y'))).toEqual([]);
  });

  it('sees type-only imports and re-exports too', async () => {
    expect(
      await restricted('src/gpu/foo.ts', "import type { X } from '../ui/render/image-grid';\n"),
    ).toHaveLength(1);
    expect(await restricted('src/engine/foo.ts', "export { x } from '../ui/state/store';\n")).toHaveLength(1);
  });
});

describe('ESLint allows the imports the layers are built on', () => {
  it.each([
    ['src/core/foo.ts', './field'],
    ['src/core/foo.ts', './samplers/registry'],
    ['src/core/samplers/foo.ts', '../field'],
    ['src/core/samplers/foo.ts', './util'],
    ['src/shared/foo.ts', './grid-layout'],
    ['src/gpu/foo.ts', '../core/field'],
    ['src/gpu/foo.ts', '../shared/grid-layout'],
    ['src/engine/foo.ts', '../gpu/grid-render'],
    ['src/engine/foo.ts', '../shared/frame-schedule'],
    ['src/engine/foo.ts', 'onnxruntime-web'],
    ['src/ui/state/foo.ts', '../../engine/protocol'],
    ['src/ui/state/foo.ts', '../../shared/frame-schedule'],
    ['src/ui/state/foo.ts', '../../core/types'],
    ['src/ui/state/foo.ts', 'zustand'],
    ['src/ui/foo.tsx', '../engine/protocol'],
    ['src/cli/foo.ts', '../core/runner'],
    ['src/cli/foo.ts', 'onnxruntime-node'],
  ])('%s importing %s', async (file, specifier) => {
    expect(await restricted(file, importing(specifier))).toEqual([]);
  });

  it('lets the page start the worker script by URL (not an import)', async () => {
    const source = "export const w = new Worker(new URL('../../engine/worker.ts', import.meta.url));\n";
    expect(await restricted('src/ui/engine-io/foo.ts', source)).toEqual([]);
  });
});

/** Every .ts/.tsx file under `dir`, relative to the repository root. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Module specifiers a file names: import/export … from, bare import, import(), new URL(). */
function specifiers(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\bnew URL\(\s*)(['"])([^'"\n]+)\1/g;
  return Array.from(source.matchAll(pattern), (m) => m[2]);
}

/** The repository path a relative specifier in `file` points at (undefined for a package). */
function target(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(root, resolve(root, dirname(file), specifier));
}

const inUi = (path: string | undefined): boolean =>
  path !== undefined && (path + sep).startsWith(`src${sep}ui${sep}`);

describe('the worker side never reaches into the page', () => {
  it('resolves relative imports at any depth', () => {
    expect(target('src/core/samplers/foo.ts', '../../ui/render/image-grid')).toBe(
      join('src', 'ui', 'render', 'image-grid'),
    );
    expect(inUi(target('src/core/samplers/foo.ts', '../../ui/render/image-grid'))).toBe(true);
    expect(inUi(target('src/core/samplers/foo.ts', '../ui/x'))).toBe(false); // src/core/ui/x
    expect(specifiers('import type { A } from \'../ui/a\';\nconst m = import("../../ui/b");')).toEqual([
      '../ui/a',
      '../../ui/b',
    ]);
  });

  it('no file under src/core, src/gpu or src/engine imports from src/ui', () => {
    const files = ['src/core', 'src/gpu', 'src/engine'].flatMap(sourceFiles);
    const edges = files.flatMap((file) =>
      specifiers(readFileSync(join(root, file), 'utf8')).map((s) => ({ file, s, to: target(file, s) })),
    );
    // The scan sees the layers' real imports (engine → gpu, for one), so an empty result means something.
    expect(
      edges.some(
        (e) => e.file.startsWith(join('src', 'engine')) && e.to === join('src', 'gpu', 'grid-render'),
      ),
    ).toBe(true);
    expect(edges.filter((e) => inUi(e.to)).map((e) => `${e.file}: ${e.s}`)).toEqual([]);
  });
});
