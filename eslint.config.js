import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The layers of src/ and what each may import (docs/ARCHITECTURE.md, "Layers"). `layers`: the
 * other top-level folders of src/ a layer may import from; `only`: some of those narrowed to a few
 * modules; `packages`: a regex of the package imports it may not make.
 */
const layers = {
  core: {
    layers: [],
    packages: '^[^.]',
    why: 'src/core is pure numerics: it imports nothing outside src/core, no package either',
  },
  shared: {
    layers: [],
    packages: '^[^.]',
    why: 'src/shared is imported by the page and the worker alike: it imports nothing outside src/shared, no package either',
  },
  gpu: {
    layers: ['core', 'shared'],
    packages: '^(?!@webgpu/)[^.]',
    why: 'src/gpu imports only src/core and src/shared',
  },
  engine: {
    layers: ['core', 'shared', 'gpu'],
    packages: '^((react|react-dom|zustand|onnxruntime-node)(/|$)|node:)',
    why: 'src/engine (the worker) imports src/core, src/shared and src/gpu, never the page (src/ui), the CLI or Node',
  },
  ui: {
    layers: ['core', 'shared', 'engine'],
    only: { engine: ['protocol'] },
    packages: '^(onnxruntime-|node:)',
    why: 'src/ui reaches the engine only through its messages (engine/protocol.ts) and ui/engine-io/worker-client.ts',
  },
  cli: {
    layers: ['core', 'shared', 'engine'],
    packages: '^(react|react-dom|zustand|onnxruntime-web)(/|$)',
    why: 'src/cli runs in Node: no page (src/ui), no WebGPU (src/gpu), no browser packages',
  },
};

/** Folder depths inside a layer that get a rule block (src/core/samplers/x.ts is depth 1). */
const MAX_DEPTH = 4;

/**
 * One no-restricted-imports block per layer and folder depth. A relative import leaves its layer
 * when it climbs more `../` than its file sits deep inside the layer: from src/core/samplers/x.ts,
 * '../field' stays in core and '../../ui/…' leaves it. Each block matches the files of one depth
 * only, so every file gets exactly one (flat config does not merge one rule's options).
 */
function layerRules() {
  return Object.entries(layers)
    .flatMap(([layer, rule]) =>
      Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => {
        const up = `^(\\./)?(\\.\\./){${depth + 1}}`;
        const allowed = rule.layers.length ? `(?!(${rule.layers.join('|')})(/|$))` : '';
        const message = `${rule.why}.`;
        const narrowed = Object.entries(rule.only ?? {}).map(([other, modules]) => ({
          regex: `${up}${other}/(?!(${modules.join('|')})$)`,
          message,
        }));
        return {
          files: [`src/${layer}/${'*/'.repeat(depth)}*.{ts,tsx}`],
          rules: {
            'no-restricted-imports': [
              'error',
              {
                patterns: [
                  { regex: `${up}${allowed}`, message },
                  ...narrowed,
                  { regex: rule.packages, message },
                ],
              },
            ],
          },
        };
      }),
    )
    .concat({
      // Deeper files than the blocks above cover would escape them: refuse their relative imports.
      files: [`src/*/${'*/'.repeat(MAX_DEPTH + 1)}**/*.{ts,tsx}`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: '^\\.',
                message: 'Too deep for the layer rules: raise MAX_DEPTH in eslint.config.js.',
              },
            ],
          },
        ],
      },
    });
}

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'models/train', 'public', 'out', 'test-results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'Use core/rng.ts with an explicit seed.',
        },
      ],
    },
  },
  {
    // Playwright fixtures take a `use` callback that is not React's hook.
    files: ['test/e2e/**/*.ts'],
    rules: { 'react-hooks/rules-of-hooks': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  ...layerRules(),
);
