import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { largestBatch, MAX_RUN_ELEMENTS, runElements, runSizeProblem } from '../../src/core/memory-cap';
import { limits } from '../../src/ui/state/settings';

const mnist = JSON.parse(readFileSync('models/mnist.json', 'utf8')) as Record<string, unknown>;

describe('the memory cap on one network call', () => {
  it('counts shape × batch × 2 when guided × panes', () => {
    expect(runElements({ sampleElements: 784, batch: 64, guided: true, panes: 4 })).toBe(401_408);
    expect(runElements({ sampleElements: 2, batch: 64, guided: false, panes: 1 })).toBe(128);
  });

  it('lets every shipped model run at the largest batch, guided, in four panes', () => {
    const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8')) as { models: string[] };
    for (const id of manifest.models) {
      const card = parseCard(JSON.parse(readFileSync(`models/${id}.json`, 'utf8')), `${id}.json`);
      const size = {
        sampleElements: card.shape.reduce((a, b) => a * b, 1),
        batch: limits.batch.max,
        guided: true,
        panes: 4,
      };
      expect(runSizeProblem(size), id).toBeNull();
    }
  });

  it('refuses a request over the cap with a message giving the numbers and the fix', () => {
    // A 3×128×128 colour model at batch 64 with guidance: 6,291,456 values.
    const size = { sampleElements: 3 * 128 * 128, batch: 64, guided: true, panes: 1 };
    expect(runElements(size)).toBeGreaterThan(MAX_RUN_ELEMENTS);
    expect(runSizeProblem(size)).toBe(
      'This run would hold 6,291,456 values in one network call (49,152 values per sample, batch 64, ' +
        "× 2 for guidance), over the page's limit of 1,048,576, which keeps the tab from running out " +
        'of memory. Choose a batch of 10 or less.',
    );
    expect(largestBatch(size)).toBe(10);
    expect(runSizeProblem({ ...size, batch: 10 })).toBeNull();
    expect(runSizeProblem({ ...size, batch: 4, panes: 4 })).toContain(
      'Choose a batch of 2 or less, or fewer panes.',
    );
  });

  it('refuses a card whose one sample is over the cap, naming the field', () => {
    expect(() => parseCard({ ...mnist, shape: [3, 1024, 1024] }, 'huge.json')).toThrow(
      /^Model card huge\.json: field "shape" has 3145728 values per sample, over the page's limit of 1048576/,
    );
  });
});
