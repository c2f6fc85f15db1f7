/**
 * docs/ARCHITECTURE.md is the map of the code, so it must not name files that are gone. Every
 * repository path it names (a token starting with src/, test/, models/, scripts/, docs/ or .ci/,
 * backticked or inside a diagram, and the root's configuration files) must exist; `*` and `<name>` are wildcards for one path segment
 * and must match at least one existing file or folder. The sections other files cite by name must
 * exist, and the model-card contract must name every field of ModelCard.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const map = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');

/**
 * A path token: one of the repository's top folders, then path characters and wildcards; or one of
 * the configuration files at the root.
 */
const PATH_TOKEN =
  /(?<![\w./-])(?:(?:src|test|models|scripts|docs|\.ci)\/[\w.*<>/-]*|(?:eslint|vite|vitest|playwright)\.config\.[jt]s|(?:package|tsconfig)\.json|README\.md)/g;

/** The repository paths a markdown text names, without sentence punctuation, each once. */
function pathsNamed(markdown: string): string[] {
  const found = Array.from(markdown.matchAll(PATH_TOKEN), (m) => m[0].replace(/[.,;:]+$/, ''));
  return [...new Set(found)];
}

const isWildcard = (segment: string): boolean => /[*<]/.test(segment);

/** One path segment with wildcards as a regular expression (`*` any name part, `<x>` any name). */
function segmentPattern(segment: string): string {
  return segment
    .split(/(\*|<[^>]*>)/)
    .map((part) => {
      if (part === '*') return '[^/]*';
      if (/^<[^>]*>$/.test(part)) return '[^/]+';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
}

/** Whether `path` exists, or for a wildcard path whether anything matches it. */
function exists(path: string): boolean {
  const segments = path.replace(/\/$/, '').split('/');
  const firstWild = segments.findIndex(isWildcard);
  if (firstWild === -1) return existsSync(join(root, path));
  const base = segments.slice(0, firstWild).join('/');
  if (!existsSync(join(root, base))) return false;
  const pattern = new RegExp(`^${segments.slice(firstWild).map(segmentPattern).join('/')}$`);
  const entries = readdirSync(join(root, base), { recursive: true }) as string[];
  return entries.some((entry) => pattern.test(entry.split(sep).join('/')));
}

/** The text of the section under a `## title` heading, up to the next heading of that level. */
function section(markdown: string, title: string): string | undefined {
  const start = markdown.split('\n').findIndex((line) => line === `## ${title}`);
  if (start === -1) return undefined;
  const rest = markdown.split('\n').slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('## '));
  return rest.slice(0, end === -1 ? undefined : end).join('\n');
}

describe('the path extraction and lookup', () => {
  it('finds paths in backticks, in diagrams and with wildcards, and drops sentence punctuation', () => {
    const text =
      'See `src/core/rng.ts`, then\n  src/engine/worker.ts: the entry. Globs: `src/core/samplers/*`.';
    expect(pathsNamed(text)).toEqual(['src/core/rng.ts', 'src/engine/worker.ts', 'src/core/samplers/*']);
    expect(pathsNamed('`models/<id>.json` and ../src/x.ts and vitest/config')).toEqual(['models/<id>.json']);
  });

  it('says which paths are missing', () => {
    expect(exists('src/core/sampling-loop.ts')).toBe(true);
    expect(exists('src/ui/state/')).toBe(true);
    expect(exists('src/core/samplers/*')).toBe(true);
    expect(exists('models/<id>.onnx')).toBe(true);
    expect(exists('src/core/no-such-file.ts')).toBe(false);
    expect(exists('src/core/samplers/*.py')).toBe(false);
    expect(exists('src/no-such-folder/*')).toBe(false);
    expect(exists('models/<id>.safetensors')).toBe(false);
  });
});

describe('docs/ARCHITECTURE.md', () => {
  const named = pathsNamed(map);

  it('names the files of every layer (the extraction sees the map)', () => {
    for (const path of [
      'src/core/sampling-loop.ts',
      'src/shared/frame-schedule.ts',
      'src/gpu/gpu-denoiser.ts',
      'src/engine/worker-trajectory.ts',
      'src/ui/state/frame-log.ts',
      'src/cli/sample.ts',
      'test/core/layers.test.ts',
      'eslint.config.js',
    ]) {
      expect(named).toContain(path);
    }
    expect(named.length).toBeGreaterThan(60);
  });

  it('names only paths that exist', () => {
    expect(named.filter((path) => !exists(path))).toEqual([]);
  });

  it('has the sections other files cite by name', () => {
    // Cited by eslint.config.js, test/core/layers.test.ts, src/core/denoiser.ts, src/core/card.ts,
    // models/train/README.md and models/train/export.py.
    for (const title of [
      'Layers',
      'The path of one step',
      'The path of one frame',
      'The model-card contract',
    ]) {
      expect(section(map, title), `## ${title}`).toBeDefined();
    }
  });

  it('lists every field of ModelCard in the model-card contract', () => {
    const source = readFileSync(join(root, 'src/core/card.ts'), 'utf8');
    const body = /export interface ModelCard \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
    const fields = Array.from(body.matchAll(/^ {2}(\w+)\??:/gm), (m) => m[1]);
    expect(fields).toContain('parameterization');
    const contract = section(map, 'The model-card contract') ?? '';
    expect(fields.filter((field) => !contract.includes(`\`${field}\``))).toEqual([]);
  });
});
